/**
 * Zero-copy claims (connection/claim.ts) while their connection ends, in a child that serves and connects to
 * itself (test/fixtures/claim-holder.ts) under the watchdog: unsubscribing with a claim open tears everything down
 * and lets the process exit by itself, and a claim committed after the end throws instead of writing into a ring
 * that is no longer mapped.
 */
import { existsSync, rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { channelName, shmLeft } from '../helpers/names.js';
import { within } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const test = suite('claim');
const HOLDER = 'test/fixtures/claim-holder.ts';

test('with a claim open, unsubscribing connect() does not throw, sends Close and lets the process exit by itself', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const segment = `/dev/shm/rxshm.${name}`;
    scope.defer(() => rmSync(segment, { force: true })); // asserted below; removed so a failure leaves nothing behind
    const holder = scope.child([HOLDER, 'unsubscribe-while-claimed', name]);
    const claimed = await within(holder.next('claimed'), 15_000, 'the claim');
    assert.ok(claimed.ok, 'claim(10) on a fresh connection returned a claim');
    const unsubscribe = await within(holder.next('unsubscribe'), 5000, 'the unsubscribe');
    assert.is(unsubscribe.threw, false, `unsubscribe threw ${JSON.stringify(unsubscribe.error)}`);
    const serverDone = await within(holder.next('server-unsubscribed'), 5000, 'the server unsubscribing');
    const ended = "the server's receive side ended (Close delivered) within 1 s of the client's unsubscribe";
    assert.ok(serverDone.serverRecvEnded !== null, ended);
    const recvEnd = holder.events.find((e) => e.ev === 'server-recv-end');
    assert.is(recvEnd?.how, 'complete', `the server's receive side completes: ${JSON.stringify(recvEnd)}`);
    const leaked = 'the child exiting by itself (a leaked mapping, socket or timer keeps it alive)';
    const exit = await within(holder.exited, 4000, leaked);
    assert.equal([exit.code, exit.signal], [0, null], holder.stderr);
    assert.not.ok(existsSync(segment), `the server's unsubscribe unlinks ${segment}`);
  });
});

test('committing a claim after the connection ended throws an Error, never writes into the unmapped ring', async () => {
  await watched(30_000, async (scope) => {
    const holder = scope.child([HOLDER, 'commit-after-end', channelName()]);
    const claimed = await within(holder.next('claimed'), 15_000, 'the claim');
    assert.ok(claimed.ok, 'claim(10) on a fresh connection returned a claim');
    const ending = await within(holder.next('ending'), 5000, 'the connection ending');
    assert.ok(ending.ended, `the connection ended after the server left: ${JSON.stringify(ending)}`);
    const exit = await within(holder.exited, 5000, 'the child exiting');
    const crashed = `the child crashed committing into an unmapped ring; stderr: ${holder.stderr}`;
    assert.equal([exit.code, exit.signal], [0, null], crashed);
    const threw = holder.events.find((e) => e.ev === 'commit-threw');
    assert.ok(threw, `commit() after the end must throw; events: ${JSON.stringify(holder.events)}`);
    // ConnectionClosedError is expected; any Error (rather than a write into unmapped memory) is acceptable.
    assert.ok(threw!.isError, `commit must throw an Error; it threw ${JSON.stringify(threw)}`);
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
