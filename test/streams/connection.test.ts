/**
 * Connection semantics across real processes: complete() completes the peer's receive both ways, copies by
 * default, borrowed views, messages held in the ring until someone subscribes, zero-copy claim/commit/abort,
 * MessageTooLargeError with nothing sent; and marble tests (TestScheduler) for statsEvery / stats$.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { map, mergeMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Connection, listen, MessageTooLargeError } from '../../src/index.js';
import type { ChannelEngine } from '../../src/streams/engine/engine.js';
import { verify, type SizeSpec } from '../fixtures/streams-payload.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { sleep, until } from '../helpers/waiting.js';

const test = suite('Connection');

test('complete() on the server completes the client receive; the client closes back and exits by itself', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'hold' });
    const connection = await server.connection();
    await child.next('ready');
    const { ended } = receive(connection);
    connection.complete();
    assert.is((await child.next('recv-complete')).received, 0);
    const ending = await ended;
    assert.is(ending.how, 'complete', String(ending.error));
    assert.ok(connection.ended);
    await child.next('source-complete');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
  });
});

test('complete() on the client (after its messages) completes the server receive after the last message', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'writer', count: 3, seed: 1, sizes: [1, 100] });
    const connection = await server.connection();
    let seq = 0;
    const problems: string[] = [];
    const { ended } = receive(connection, (m) => {
      const p = verify(m, 1, seq++, [1, 100]);
      if (p) problems.push(p);
    });
    const ending = await ended;
    assert.is(ending.how, 'complete', String(ending.error));
    assert.is(seq, 3);
    assert.equal(problems, []);
    const endedAfterPeerClose = connection.ended;
    connection.next(Uint8Array.of(1));
    connection.complete();
    assert.is((await child.next('recv-complete')).received, 1, 'this side could still send after the peer closed');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
    await until(() => connection.ended, 'the end once both sides closed');
    // Connection.ended is documented as "closed both ways, failed, or torn down"; statsEvery relies on it.
    assert.is(endedAfterPeerClose, false, 'Connection.ended was already true when only the receive side had completed');
  });
});

test('receive copies by default: kept messages stay intact while the ring is reused many times', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const sizes: SizeSpec = [1000, 4000];
    const count = 3000; // ~7 MB through a 16 KiB ring
    const server = new Opened(listen(name, { ringCapacity: 16384 }));
    scope.defer(() => server.close());
    scope.peer({ role: 'client', name, script: 'writer', count, seed: 3, sizes });
    const connection = await server.connection();
    const kept: Uint8Array[] = [];
    const { ended } = receive(connection, (m) => kept.push(m));
    assert.is((await ended).how, 'complete');
    assert.is(kept.length, count);
    const problems = kept.map((m, seq) => verify(m, 3, seq, sizes)).filter((p) => p !== null);
    assert.equal(problems, []);
    assert.ok(
      kept.every((m) => m.byteOffset === 0 && m.buffer.byteLength === m.length),
      'each message owns its buffer',
    );
    kept[0]!.fill(0);
    assert.not.ok(verify(kept[1]!, 3, 1, sizes), 'mutating one message changes no other');
    connection.complete();
  });
});

test("receive: 'borrow' delivers views into the ring, valid during the synchronous next", async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const sizes: SizeSpec = [4, 3000];
    const count = 2000;
    const server = new Opened(listen(name, { ringCapacity: 16384, receive: 'borrow' }));
    scope.defer(() => server.close());
    scope.peer({ role: 'client', name, script: 'writer', count, seed: 4, sizes });
    const connection = await server.connection();
    let seq = 0;
    let views = 0;
    const problems: string[] = [];
    const { ended } = receive(connection, (m) => {
      const p = verify(m, 4, seq++, sizes);
      if (p) problems.push(p);
      if (m.buffer.byteLength > 16384) views++; // a window on the mapped segment, not a copy
    });
    assert.is((await ended).how, 'complete');
    assert.equal(problems, []);
    assert.is(seq, count);
    assert.is(views, count, 'every message was a borrowed view');
    connection.complete();
  });
});

test('messages sent before anyone subscribes wait (local backlog, then the ring) and all arrive when a subscriber comes', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const child = scope.peer({
      role: 'client',
      name,
      script: 'writer',
      count: 200,
      seed: 8,
      sizes: [1, 1000],
      backpressure: 'none',
    });
    const connection = await server.connection();
    const done = await child.next('done'); // all 200 and the Close are in the ring
    assert.is(done.stats.sent, 200);
    await sleep(100);
    assert.is(connection.stats.received, 0, 'nothing delivered without a subscriber');
    let seq = 0;
    const problems: string[] = [];
    const { ended } = receive(connection, (m) => {
      const p = verify(m, 8, seq++, [1, 1000]);
      if (p) problems.push(p);
    });
    assert.is((await ended).how, 'complete');
    assert.equal(problems, []);
    assert.is(seq, 200);
    connection.complete();
  });
});

test('claim(length) + commit(n) delivers exactly the n written bytes; abort() sends nothing; MessageTooLargeError sends nothing', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { maxMessage: 1000 }));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'hold', report: true });
    const connection = await server.connection();
    assert.is(connection.maxMessage, 1000);
    assert.is((await child.next('ready')).maxMessage, 1000, "the server's maxMessage wins");

    const aborted = connection.claim(10);
    assert.ok(aborted);
    aborted!.bytes.fill(0xee);
    aborted!.abort();
    assert.throws(
      () => connection.next(new Uint8Array(1001)),
      (e: unknown) => e instanceof MessageTooLargeError && e.length === 1001 && e.maxMessage === 1000,
    );
    assert.throws(
      () => connection.claim(1001),
      (e: unknown) => e instanceof MessageTooLargeError,
    );
    assert.is(connection.stats.sent, 0);

    const claim = connection.claim(100);
    assert.ok(claim);
    assert.is(claim!.bytes.length, 100);
    for (let i = 0; i < 100; i++) claim!.bytes[i] = i;
    claim!.commit(50);
    connection.next(new Uint8Array(1000).fill(5));
    const first = await child.next('message');
    assert.equal(
      [first.n, first.length, first.head],
      [1, 50, [0, 1, 2, 3, 4, 5, 6, 7]],
      'the committed 50 bytes, first: the aborted claim sent nothing',
    );
    const second = await child.next('message');
    assert.equal([second.n, second.length, second.head], [2, 1000, [5, 5, 5, 5, 5, 5, 5, 5]]);
    assert.is(connection.stats.sent, 2);
    await sleep(50);
    assert.is(child.events.filter((e) => e.ev === 'message').length, 0, 'nothing else arrived');
    const { ended } = receive(connection);
    connection.complete();
    assert.is((await ended).how, 'complete');
  });
});

// ---- marble tests: statsEvery / stats$ are interval + startWith + takeUntil(end) ----

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected));

/** A Connection over a stand-in engine: only what `stats` reads. */
function offline(): { connection: Connection; counters: { sent: number } } {
  const connection = new Connection({ channel: 'marbles', side: 'server', generation: 1, peerPid: 1, maxMessage: 10 });
  const counters = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, rejected: 0, parks: 0, wakes: 0, bells: 0 };
  connection.attach({ stats: counters, dropped: 0, queued: 0 } as unknown as ChannelEngine);
  return { connection, counters };
}

test('statsEvery(period): a snapshot at once, then every period, completing when the connection ends', () => {
  scheduler().run(({ expectObservable, cold }) => {
    const { connection, counters } = offline();
    cold('---------------a').subscribe(() => (counters.sent = 7)); // t=15
    cold('-------------------------e').subscribe(() => connection.sink().ended()); // t=25
    expectObservable(connection.statsEvery(10).pipe(map((s) => s.sent))).toBe('a 9ms a 9ms b 4ms |', { a: 0, b: 7 });
  });
});

test('stats$ ticks every 1000 ms; after the end, statsEvery gives one snapshot and completes', () => {
  scheduler().run(({ expectObservable, cold }) => {
    const { connection } = offline();
    cold('2500ms e').subscribe(() => connection.sink().ended());
    expectObservable(connection.stats$.pipe(map((s) => s.sent))).toBe('a 999ms a 999ms a 499ms |', { a: 0 });
    // Subscribed after the end (t=3000): one snapshot, complete at once.
    expectObservable(
      cold('3000ms (x|)').pipe(
        mergeMap(() => connection.statsEvery(10)),
        map((s) => s.sent),
      ),
    ).toBe('3000ms (a|)', { a: 0 });
  });
  const { connection } = offline();
  connection.sink().ended();
  const seen: number[] = [];
  let completed = false;
  connection.statsEvery(10).subscribe({ next: (s) => seen.push(s.sent), complete: () => (completed = true) });
  assert.equal([seen, completed], [[0], true]);
});

test("statsEvery keeps ticking after the peer's Close while this side can still send", () => {
  scheduler().run(({ expectObservable, cold }) => {
    const { connection } = offline();
    cold('---------------c').subscribe(() => connection.sink().closed()); // t=15: the peer's Close, receive completes
    cold('---------------------------------------------e').subscribe(() => connection.sink().ended()); // t=45: both closed
    const late = cold('20ms (x|)').pipe(
      mergeMap(() => connection.statsEvery(10)),
      map((s) => s.sent),
    );
    expectObservable(late).toBe('20ms a 9ms a 9ms a 4ms |', { a: 0 });
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
