/**
 * Named channels cannot be resized either (issue 10 point 4, by issue 13's setup): a client's segment is a sealed
 * memfd the server passed over the doorbell, so a hostile client that ftruncates it mid-exchange (shrink to 0 or
 * grow, through the descriptor it received or one reopened from /proc/self/fd) gets EPERM, the size never changes,
 * and the server keeps exchanging checked messages over many ring laps without a SIGBUS. The client is
 * test/fixtures/resizing-child.ts (`named`), a real process under the watchdog.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from '../../src/index.js';
import { channelSegmentLength } from '../../src/layout/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { MESSAGES, REFUSED_RESIZES, resizeMessage } from '../helpers/resizing.js';
import { watched } from '../helpers/watched.js';
import { until, within } from '../helpers/waiting.js';

const test = suite('named channels: a sealed segment per client');

const RING_CAPACITY = 64 * 1024;
const SEGMENT_SIZE = channelSegmentLength(RING_CAPACITY);

test('a client that shrinks and grows its segment mid-exchange gets EPERM; the server keeps exchanging, no SIGBUS', () =>
  watched(60_000, async (scope) => {
    const name = channelName();
    const arrivals = new Opened(listen(name, { ringCapacity: RING_CAPACITY, maxMessage: 4096 }));
    scope.defer(() => arrivals.close());
    const client = scope.child(['test/fixtures/resizing-child.ts', 'named', name]);
    const connection = await within(arrivals.connection(), 15_000, 'the client connecting');
    await within(client.next('connected'), 15_000, 'the client reporting its segment');
    const got: Uint8Array[] = [];
    const { ended } = receive(connection, (m) => got.push(m));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const bytes = resizeMessage(i, 11);
      sent.push(bytes);
      connection.next(bytes);
    }
    const report = await within(client.next('resized-during'), 15_000, 'the resizes mid-exchange');
    assert.equal(report.attempts, REFUSED_RESIZES, 'every ftruncate is EPERM');
    assert.equal(report.sizes, Array(5).fill(SEGMENT_SIZE), 'the size never changed');
    await until(() => got.length === MESSAGES, `${MESSAGES} echoes`, 20_000);
    for (let i = 0; i < MESSAGES; i++) assert.equal([...got[i]!], [...sent[i]!], `echo ${i}`);
    assert.ok(SEGMENT_SIZE * 2 < sent.reduce((n, m) => n + m.length, 0), 'the exchange laps both rings');
    connection.complete();
    assert.is((await within(ended, 5000, 'the echo side closing')).how, 'complete');
    await client.next('ended');
    const exit = await within(client.exited, 10_000, 'the client exiting by itself');
    assert.equal([exit.code, exit.signal], [0, null], `the client was not hurt either; ${client.stderr}`);
    assert.equal(shmLeft(), []);
  }));

test.run();
