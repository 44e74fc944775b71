/**
 * Anonymous channels cannot be resized (issue 10 point 4): spawnConnected's segment is a sealed memfd, so a child
 * that ftruncates it (shrink or grow, through the inherited fd or a descriptor reopened from /proc/self/fd, before
 * connecting or mid-exchange) gets EPERM, the size never changes, and the parent keeps exchanging checked messages
 * over many ring laps without a SIGBUS. connectParent refuses an inherited segment that is not sealed, even one
 * with a valid channel header. The child is test/fixtures/resizing-child.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectError, PARENT_CHANNEL_ENV, spawnConnected } from '../../src/index.js';
import { channelSegmentLength, initChannelSegment } from '../../src/layout/index.js';
import { native } from '../../src/native/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { root } from '../helpers/processes.js';
import { MESSAGES, REFUSED_RESIZES, resizeMessage } from '../helpers/resizing.js';
import { watched } from '../helpers/watched.js';
import { until, within } from '../helpers/waiting.js';

const test = suite('anonymous channels: a sealed segment');

const FIXTURE = ['--import', 'tsx', 'test/fixtures/resizing-child.ts'];
const RING_CAPACITY = 64 * 1024;
const SEGMENT_SIZE = channelSegmentLength(RING_CAPACITY);

/** The four resize attempts, each refused by the seals, with the size unchanged after every one. */
function assertRefused(report: Record<string, any>, when: string): void {
  assert.equal(report.attempts, REFUSED_RESIZES, `${when}: every ftruncate is EPERM`);
  assert.equal(report.sizes, Array(5).fill(SEGMENT_SIZE), `${when}: the size never changed`);
}

test('a child that shrinks and grows the segment gets EPERM; the parent keeps exchanging, no SIGBUS', async () => {
  await watched(60_000, async (scope) => {
    let child: ChildProcess | null = null;
    const opened = new Opened(
      spawnConnected(process.execPath, [...FIXTURE, 'resize'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        ringCapacity: RING_CAPACITY,
        maxMessage: 4096,
        exitGraceMs: 60_000,
        onSpawn: (c) => (child = c),
      }),
    );
    scope.defer(() => opened.close());
    await until(() => child !== null || opened.error !== null, 'the spawn');
    if (!child) throw opened.error;
    const peer = scope.child(child);
    assertRefused(await within(peer.next('resized-before'), 15_000, 'the resizes before connecting'), 'before');
    const connection = await within(opened.connection(), 15_000, "the child's connection");
    const got: Uint8Array[] = [];
    const { ended } = receive(connection, (m) => got.push(m));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const bytes = resizeMessage(i, 7);
      sent.push(bytes);
      connection.next(bytes);
    }
    assertRefused(await within(peer.next('resized-during'), 15_000, 'the resizes mid-exchange'), 'during');
    await until(() => got.length === MESSAGES, `${MESSAGES} echoes`, 20_000);
    for (let i = 0; i < MESSAGES; i++) assert.equal([...got[i]!], [...sent[i]!], `echo ${i}`);
    assert.ok(SEGMENT_SIZE * 2 < sent.reduce((n, m) => n + m.length, 0), 'the exchange laps both rings');
    connection.complete();
    assert.is((await within(ended, 5000, 'the echo side closing')).how, 'complete');
    await peer.next('ended');
    const exit = await peer.exited;
    assert.equal([exit.code, exit.signal], [0, null], `the child was not hurt either; ${peer.stderr}`);
  });
});

test('connectParent refuses an inherited segment that is not sealed, even with a valid channel header', async () => {
  await watched(30_000, async (scope) => {
    // What an older rxshm parent (or a forger) hands over: a valid channel in a memfd anyone holding it can resize.
    const segment = native.segments.createAnonymous(SEGMENT_SIZE);
    scope.defer(() => segment.close());
    initChannelSegment(segment.buffer, {
      ringCapacity: RING_CAPACITY,
      maxMessage: 4096,
      token: randomBytes(8).readBigUInt64LE(0),
      creatorPid: process.pid,
    });
    const peer = scope.child(
      spawn(process.execPath, [...FIXTURE, 'connect-only'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe', segment.fd, 'pipe'],
        env: { ...process.env, [PARENT_CHANNEL_ENV]: '3,4' },
      }),
    );
    const failed = await within(peer.next('connect-error'), 15_000, "the child's connectParent failing");
    assert.is(failed.name, ConnectError.name);
    assert.is(failed.code, 'IncompatibleSegment');
    assert.is(failed.causeCode, 'NotSealed', failed.message);
    assert.match(failed.message, 'not sealed');
    const exit = await within(peer.exited, 10_000, 'the child exiting by itself');
    assert.equal([exit.code, exit.signal], [0, null], peer.stderr);
  });
});

test.run();
