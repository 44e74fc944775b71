/**
 * A receiver that subscribes late, across real processes (issue 9, point 5): the peer sends everything first, the
 * messages wait in the receive backlog, the ring and the sender's queue, and a subscriber that comes later gets
 * every one of them, byte for byte and in order, then the completion. The test process serves (listen); a child
 * (test/fixtures/streams-peer.ts) connects and writes. The same in one process once the peer has closed and left.
 * Every test runs under a watchdog; none checks a time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, listen, type Connection } from '../../src/index.js';
import { verify, type SizeSpec } from '../fixtures/streams-payload.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { sleep, within } from '../helpers/waiting.js';
import type { ChildEvent } from '../helpers/processes.js';

const late = suite('late subscriber across processes');

/** Checks each message against the pattern in arrival order; keeps the first few problems. */
class Checker {
  seq = 0;
  readonly problems: string[] = [];
  constructor(
    private readonly seed: number,
    private readonly sizes: SizeSpec,
  ) {}

  readonly onMessage = (m: Uint8Array): void => {
    const p = verify(m, this.seed, this.seq++, this.sizes);
    if (p && this.problems.length < 5) this.problems.push(p);
  };
}

/**
 * Waits until the peer has sent everything (written into the ring or queued behind it, Close last), then lets the
 * receiver fill its backlog; nothing is delivered yet. Returns the frames the peer still queued (Close included).
 */
async function sentAndWaiting(connection: Connection, done: Promise<ChildEvent>): Promise<number> {
  const report = await done;
  await sleep(500);
  assert.is(connection.stats.received, 0, 'nothing delivered without a subscriber');
  return report.stats.queued;
}

late('200,000 messages of 8 B sent before anyone subscribes all arrive, verified in order, then complete', async () => {
  await watched(90_000, async (scope) => {
    const name = channelName();
    const [seed, count, sizes] = [0x1a7e, 200_000, [8, 8] as const];
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'writer', count, seed, sizes, backpressure: 'none' });
    const connection = await server.connection();
    await sentAndWaiting(connection, child.next('done'));
    const check = new Checker(seed, sizes);
    const { ended } = receive(connection, check.onMessage);
    const ending = await Promise.race([ended, scope.aborted]);
    assert.is(ending.how, 'complete', String(ending.error));
    assert.equal(check.problems, []);
    assert.is(check.seq, count);
    assert.is(connection.stats.received, count);
    connection.complete();
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
  });
});

late(
  'with a small backlog and ring, 20,000 messages of 1..2000 B that waited in the backlog, the ring and the sender queue all arrive in order',
  async () => {
    await watched(90_000, async (scope) => {
      const name = channelName();
      const [seed, count, sizes] = [0x1a7f, 20_000, [1, 2000] as const];
      // A small backlog and ring, so the messages wait in all three places: backlog, ring, and the sender's queue.
      const server = new Opened(listen(name, { highWaterMark: 64 * 1024, ringCapacity: 64 * 1024 }));
      scope.defer(() => server.close());
      const child = scope.peer({ role: 'client', name, script: 'writer', count, seed, sizes, backpressure: 'none' });
      const connection = await server.connection();
      const queued = await sentAndWaiting(connection, child.next('done'));
      assert.ok(
        queued > 1,
        `precondition: the sender still queues Data the ring had no room for (queued=${queued}, Close included)`,
      );
      const check = new Checker(seed, sizes);
      const { ended } = receive(connection, check.onMessage);
      const ending = await Promise.race([ended, scope.aborted]);
      assert.is(ending.how, 'complete', String(ending.error));
      assert.equal(check.problems, []);
      assert.is(check.seq, count);
      connection.complete();
      const exit = await child.exited;
      assert.equal([exit.code, exit.signal], [0, null], child.stderr);
    });
  },
);

late(
  'in one process: messages waiting for a subscriber when the peer has closed and left arrive in order, then complete',
  async () => {
    await watched(20_000, async (scope) => {
      const name = channelName();
      const server = listen(name).subscribe((c) => {
        for (const w of ['a', 'b', 'c']) c.next(new TextEncoder().encode(w));
        setTimeout(() => server.unsubscribe(), 50);
      });
      scope.defer(() => server.unsubscribe());
      const opened = new Opened(connect(name));
      scope.defer(() => opened.close());
      const connection = await within(opened.connection(), 5000, 'the connection');
      await sleep(300); // the server has closed and left
      assert.ok(server.closed, 'precondition: the server left');
      const got: string[] = [];
      const { ended } = receive(connection, (m) => got.push(new TextDecoder().decode(m)));
      const ending = await within(ended, 3000, "the late subscriber's receive side ending").catch((e) => {
        throw new Error(`${(e as Error).message}; got ${JSON.stringify(got)}`);
      });
      assert.equal(got, ['a', 'b', 'c']);
      assert.is(ending.how, 'complete', String(ending.error));
    });
  },
);

late('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

late.run();
