/**
 * The channel engine across two real processes: the overflow policies (block with a slow reader, drop-oldest,
 * reject), both directions at once, and idle parking. The test process serves (listen); a child
 * (test/fixtures/streams-peer.ts) connects and writes. Every test runs under a watchdog, and every listen is
 * stopped by its scope however the test ends, so no segment outlives its test (the last test checks).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH, listen, type Connection } from '../../src/index.js';
import { seqOf, verify, PatternWriter, type SizeSpec } from '../fixtures/streams-payload.js';
import { take, type Subscription } from 'rxjs';
import { Opened, receive, type Ending } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import type { Child, ChildEvent } from '../helpers/processes.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep, until } from '../helpers/waiting.js';

const engine = suite('channel engine across processes');

const COUNT = Number(process.env['STREAMS_BLOCK_COUNT'] ?? 1_000_000);

/** Busy-waits `ms` milliseconds: a reader that is slow on its own event loop. */
const stall = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // slow reader
  }
};

/**
 * listen(name)'s first connection, handed to the caller as with firstValueFrom (take(1) lets go of it while it is
 * emitted), so it stays open while its reader pauses by unsubscribing. Unlike firstValueFrom, the scope stops
 * listening if no client ever came: a failed run must not keep the channel's segment until the process exits.
 */
function firstConnection(scope: Watch, name: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const listening = listen(name).pipe(take(1)).subscribe({ next: resolve, error: reject });
    scope.defer(() => listening.unsubscribe());
  });
}

/** What `child` printed, for failure messages: its events say why it stopped (e.g. a writer-error). */
const told = (child: Child): string => `it reported: ${child.lines.join(' ')}; stderr: ${child.stderr.trim()}`;

/** `promise`, or a failure naming `what` and what `child` reported if the child exits first. */
function beforeExit<T>(promise: Promise<T>, child: Child, what: string): Promise<T> {
  const exited = child.exited.then((exit): never => {
    throw new Error(
      `child ${child.pid} exited (code=${exit.code}, signal=${exit.signal}) before ${what}; ${told(child)}`,
    );
  });
  return Promise.race([promise, exited]);
}

/** The child's event `ev`; if it exits first, the failure says what it reported instead. */
const reported = (child: Child, ev: string): Promise<ChildEvent> =>
  child.next(ev).catch((error: Error) => Promise.reject(new Error(`${error.message}; ${told(child)}`)));

engine(
  `block: ${COUNT} messages of log-uniform random sizes (1 B..64 KiB), a slow reader, all verified in order`,
  async () => {
    await watched(110_000, async (scope) => {
      const name = channelName();
      const seed = 0x5eed0001;
      // Taken in the await style, the connection stays open while its reader pauses by unsubscribing; a connection
      // its listen subscription owns would close its side when the last reader leaves.
      const taken = firstConnection(scope, name);
      const writer = scope.peer({
        role: 'client',
        name,
        script: 'writer',
        count: COUNT,
        seed,
        sizes: 'log',
        backpressure: 'writable',
      });
      const connection = await beforeExit(taken, writer, 'connecting');
      scope.defer(() => connection.error(new Error('test over')));
      let seq = 0;
      let bytes = 0;
      let problem: string | null = null;
      let paused = 0;
      let stalled = 0;
      const started = performance.now();
      let finish: (ending: Ending) => void = () => undefined;
      const ended = new Promise<Ending>((resolve) => (finish = resolve));
      const subscribe = (): Subscription =>
        connection.subscribe({
          next: onMessage,
          error: (error) => finish({ how: 'error', error, at: performance.now() }),
          complete: () => finish({ how: 'complete', at: performance.now() }),
        });
      let current = subscribe();
      function onMessage(message: Uint8Array): void {
        if (problem) return;
        problem = verify(message, seed, seq, 'log');
        bytes += message.length;
        seq++;
        if (seq % 50_000 === 0) {
          // Unsubscribe inside next: the rest stays in the ring until a subscriber comes back a few ms later.
          paused++;
          current.unsubscribe();
          setTimeout(() => (current = subscribe()), 5);
        } else if (seq % 7_919 === 0) {
          stalled++;
          stall(3);
        }
      }
      // The receive side completes when the writer's Close arrives after its last message.
      const ending = await ended;
      const elapsed = performance.now() - started;
      const done = await reported(writer, 'done');
      if (problem) assert.unreachable(problem);
      assert.is(ending.how, 'complete', `receive ended with ${String(ending.error)}`);
      assert.is(seq, COUNT, 'every message arrived');
      assert.is(connection.stats.received, COUNT);
      // 'done' is reported right after complete(): the last messages may still wait in the writer's local queue.
      // If anything is still queued, the Close is its last entry (stats.sent counts Data messages only).
      assert.is(
        done.stats.sent + done.stats.queued - (done.stats.queued > 0 ? 1 : 0),
        COUNT,
        'every message written or queued',
      );
      assert.is(done.stats.dropped, 0);
      assert.is(done.stats.rejected, 0);
      connection.complete();
      const exit = await writer.exited;
      assert.equal([exit.code, exit.signal], [0, null], writer.stderr);
      console.log(
        `  block: ${COUNT} messages, ${(bytes / 2 ** 30).toFixed(2)} GiB in ${(elapsed / 1000).toFixed(1)} s ` +
          `(${paused} unsubscribe pauses, ${stalled} 3 ms stalls, receiver parks=${connection.stats.parks}, wakes=${connection.stats.wakes})`,
      );
    });
  },
);

/** A payload whose ring record (8-byte record header, frame header, payload) is 4096 bytes: 16 fill a 64 KiB ring. */
const TILE = 4096 - 8 - FRAME_HEADER_LENGTH;

/**
 * The drop-oldest floods: random sizes, and records that tile the ring exactly, so no padding record (which is
 * published on its own) ever publishes part of a burst: each burst of 50 laps the ring three times unpublished, and
 * the writer must publish before it drops past what the reader can see (a reader that saw READ_POSITION ahead of
 * WRITE_POSITION failed the channel with RingCorruptError PositionOutOfRange).
 */
const floods: readonly [string, SizeSpec][] = [
  [
    'drop-oldest: a flooding writer and a slow reader; only whole valid messages, increasing, dropped + received == written',
    [8, 4096],
  ],
  [
    'drop-oldest with records that tile the ring exactly, so every burst of the writer laps the ring before it is published: the same guarantees',
    [TILE, TILE],
  ],
];

for (const [title, sizes] of floods) {
  engine(title, async () => {
    await watched(45_000, async (scope) => {
      const name = channelName();
      const seed = 77;
      const count = 20_000;
      const server = new Opened(listen(name, { ringCapacity: 65536 }));
      scope.defer(() => server.close());
      const writer = scope.peer({
        role: 'client',
        name,
        options: { overflow: 'drop-oldest' },
        script: 'writer',
        count,
        seed,
        sizes,
        backpressure: 'none',
        yieldEvery: 50,
      });
      const connection = await server.connection();
      // A failure of the writer's ring completes listen's receive side (clientFailure 'complete') and is reported
      // on errors$ only: collect it, so the test names it rather than just seeing the writer stop before 'done'.
      const failures: string[] = [];
      connection.errors$.subscribe((error) => failures.push(`${error.name}: ${error.message}`));
      const seqs: number[] = [];
      const problems: string[] = [];
      const { ended } = receive(connection, (message) => {
        const seq = seqOf(message);
        if (seq >= count) problems.push(`seq=${seq} out of range, length=${message.length}`);
        else {
          const problem = verify(message, seed, seq, sizes);
          if (problem) problems.push(problem);
        }
        if (seqs.length > 0 && seq <= seqs[seqs.length - 1]!)
          problems.push(`seq=${seq} after ${seqs[seqs.length - 1]}`);
        seqs.push(seq);
        if (seqs.length % 20 === 0) stall(2);
      });
      const ending = await ended;
      assert.equal(failures, [], 'the ring read under drop-oldest never looks corrupt');
      const done = await reported(writer, 'done');
      assert.equal(problems.slice(0, 5), []);
      assert.is(ending.how, 'complete', String(ending.error));
      assert.is(done.stats.sent, count);
      assert.ok(done.stats.dropped > 0, 'the slow reader made the writer drop');
      assert.is(
        done.stats.dropped + connection.stats.received,
        count,
        `dropped=${done.stats.dropped}, received=${connection.stats.received}`,
      );
      assert.is(seqs.length, connection.stats.received);
      assert.is(seqs[seqs.length - 1], count - 1, 'the newest message survives');
      connection.complete();
      const exit = await writer.exited;
      assert.equal([exit.code, exit.signal], [0, null], writer.stderr);
    });
  });
}

engine(
  'reject: a full ring reports RingFullError (errors$ and send()), counts them, and delivers everything accepted intact',
  async () => {
    await watched(30_000, async (scope) => {
      const name = channelName();
      const seed = 99;
      const sizes: SizeSpec = [8, 2000];
      const extra = 5;
      // highWaterMark 0: no local backlog on the reader, so unread messages stay in the ring and fill it.
      const server = new Opened(listen(name, { ringCapacity: 16384, highWaterMark: 0 }));
      scope.defer(() => server.close());
      const writer = scope.peer({
        role: 'client',
        name,
        options: { overflow: 'reject' },
        script: 'reject',
        seed,
        sizes,
        extra,
        stdin: true,
      });
      const connection = await server.connection();
      // Nobody receives yet: the writer fills the ring until it is rejected.
      const full = await reported(writer, 'full');
      assert.ok(full.accepted > 0);
      assert.is(full.ringFullErrors, 5, 'one next() that hit the full ring, then 4 more');
      assert.equal(full.otherErrors, []);
      assert.is(full.sendError, 'RingFullError');
      assert.is(full.stats.rejected, 6, 'stats.rejected counts the 5 next() and the 1 send() rejections exactly');
      assert.is(full.stats.sent, full.accepted);
      let seq = 0;
      const problems: string[] = [];
      const { ended } = receive(connection, (message) => {
        const problem = verify(message, seed, seq++, sizes);
        if (problem) problems.push(problem);
      });
      await until(() => seq >= full.accepted, 'the accepted messages');
      writer.send('go');
      const ending = await ended;
      const done = await reported(writer, 'done');
      assert.equal(problems, []);
      assert.is(ending.how, 'complete', String(ending.error));
      assert.is(done.newlyRejected, 0, 'a drained ring accepts again');
      assert.is(seq, full.accepted + extra, 'accepted before and after the rejections, none lost, none extra');
      assert.is(connection.stats.received, full.accepted + extra);
      writer.send('quit');
      connection.complete();
      const exit = await writer.exited;
      assert.equal([exit.code, exit.signal], [0, null], writer.stderr);
    });
  },
);

engine('both directions at once: the child echoes 20,000 messages while this side keeps sending', async () => {
  await watched(45_000, async (scope) => {
    const name = channelName();
    const seed = 5;
    const sizes: SizeSpec = [1, 8192];
    const count = 20_000;
    const server = new Opened(listen(name, { ringCapacity: 65536 }));
    scope.defer(() => server.close());
    const echo = scope.peer({ role: 'client', name, script: 'echo' });
    const connection = await server.connection();
    let seq = 0;
    const problems: string[] = [];
    const { ended } = receive(connection, (message) => {
      const problem = verify(message, seed, seq++, sizes);
      if (problem) problems.push(problem);
      if (seq === count) connection.complete();
    });
    const pattern = new PatternWriter(seed, sizes);
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        connection.send(pattern.message(i)).subscribe({ complete: resolve, error: reject }),
      );
    }
    const ending = await ended;
    assert.equal(problems.slice(0, 5), []);
    assert.is(ending.how, 'complete', String(ending.error));
    assert.is(seq, count);
    const exit = await echo.exited;
    assert.equal([exit.code, exit.signal], [0, null], echo.stderr);
  });
});

engine('idle: a connected pair with no traffic parks; wakes grow only when messages come', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { wait: { pollMicros: 2000 } }));
    scope.defer(() => server.close());
    const peer = scope.peer({ role: 'client', name, script: 'hold', stdin: true });
    const connection: Connection = await server.connection();
    let received = 0;
    const { ended } = receive(connection, () => received++);
    await reported(peer, 'ready');
    await sleep(200); // well past the 2 ms poll window
    const idle = connection.stats;
    assert.ok(idle.parks > 0, `parks=${idle.parks} after 200 ms idle`);
    await sleep(300);
    const still = connection.stats;
    assert.is(still.parks, idle.parks, 'a parked side does not wake up and re-park with no traffic');
    assert.is(still.wakes, idle.wakes, 'no wake without a message');
    // The peer sends on its own (a send from this side would unpark this side itself, so no bell would be needed).
    peer.send('send');
    await until(() => received === 1, "the peer's message");
    const after = connection.stats;
    assert.ok(
      after.wakes > still.wakes,
      `the peer's message woke the parked receiver: wakes ${still.wakes} -> ${after.wakes}`,
    );
    await sleep(200);
    const again = connection.stats;
    assert.ok(
      again.parks > after.parks || again.parks > still.parks,
      `parked again after the traffic: parks ${still.parks} -> ${again.parks}`,
    );
    await sleep(200);
    assert.is(connection.stats.wakes, again.wakes, 'no wake without a message');
    peer.send('quit');
    const ending = await ended;
    assert.is(ending.how, 'complete', String(ending.error));
    const exit = await peer.exited;
    assert.equal([exit.code, exit.signal], [0, null], peer.stderr);
  });
});

engine('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

engine.run();
