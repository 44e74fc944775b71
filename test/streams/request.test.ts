/**
 * request(): correlation across two real processes (test/fixtures/rpc-server.ts serves), timeouts, cancel, late
 * responses, and the peer's death failing every pending request.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEVER, lastValueFrom, firstValueFrom, mergeMap, of, range, map, reduce } from 'rxjs';
import {
  connect,
  ConnectionClosedError,
  listen,
  serve,
  PeerExitedError,
  RequestTimeoutError,
  Status,
} from '../../src/index.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { Opened, failure, receive, served } from '../helpers/connections.js';
import { sleep, until, within } from '../helpers/waiting.js';
import { u32Bytes } from '../helpers/bytes.js';
import { watched } from '../helpers/watched.js';
import { Method, mirror } from '../fixtures/rpc-methods.js';

const test = suite('request');

/** A request payload: its sequence number (u32 LE) then 0..28 bytes derived from it. */
function payloadOf(seq: number): Uint8Array {
  const bytes = new Uint8Array(4 + (seq % 29));
  new DataView(bytes.buffer).setUint32(0, seq, true);
  for (let i = 4; i < bytes.length; i++) bytes[i] = (seq * 7 + i) & 0xff;
  return bytes;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

test("100,000 requests, up to 256 in flight: each response is its own request's, none lost", () =>
  watched(60_000, async (watch) => {
    const { connection } = await served(watch);
    const N = 100_000;
    const seen = new Uint8Array(N);
    let inFlight = 0;
    let maxInFlight = 0;
    const mismatches: number[] = [];
    const answered = await lastValueFrom(
      range(0, N).pipe(
        mergeMap((seq) => {
          const payload = payloadOf(seq);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          return connection.request(payload, { method: Method.Mirror }).pipe(
            map((answer) => {
              inFlight--;
              if (!same(answer, mirror(payload))) mismatches.push(seq);
              seen[seq]!++;
              return 1;
            }),
          );
        }, 256),
        reduce((n, one) => n + one, 0),
      ),
    );
    assert.is(answered, N);
    assert.equal(mismatches.slice(0, 10), [], 'every response matches its own request');
    assert.is(
      seen.every((n) => n === 1),
      true,
      'each request answered exactly once',
    );
    assert.is(maxInFlight, 256);
    assert.is(connection.requests.size, 0);
    assert.is(connection.stats.lateResponses, 0);
  }));

test('timeout: RequestTimeoutError with the correlation id and method; Cancel reaches the server', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const error = (await failure(
      connection.request(u32Bytes(60_000), { method: Method.Slow, timeout: 200 }),
    )) as RequestTimeoutError;
    assert.instance(error, RequestTimeoutError);
    assert.is(error.method, Method.Slow);
    assert.is(error.timeout, 200);
    const started = await child.next('started');
    assert.is(error.correlation, started.correlation);
    assert.match(error.message, String(error.correlation));
    assert.is(connection.requests.size, 0, 'the id is freed');
    // The handler is unsubscribed (its finalize runs) and serve reports the cancellation.
    assert.is((await child.next('finalized')).correlation, error.correlation);
    const cancelled = await child.next('served');
    assert.equal([cancelled.correlation, cancelled.status], [error.correlation, Status.Cancelled]);
  }));

test('cancel: unsubscribing before the answer sends Cancel and frees the id', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const outcome: string[] = [];
    const subscription = connection.request(u32Bytes(60_000), { method: Method.Slow }).subscribe({
      next: () => outcome.push('next'),
      error: () => outcome.push('error'),
      complete: () => outcome.push('complete'),
    });
    const started = await child.next('started');
    assert.is(connection.requests.size, 1);
    subscription.unsubscribe();
    assert.is(connection.requests.size, 0, 'the id is freed at once');
    assert.is((await child.next('finalized')).correlation, started.correlation, 'the server handler is unsubscribed');
    const cancelled = await child.next('served');
    assert.equal([cancelled.correlation, cancelled.status], [started.correlation, Status.Cancelled]);
    // The connection goes on serving.
    const answer = await firstValueFrom(connection.request(payloadOf(7), { method: Method.Mirror, timeout: 10_000 }));
    assert.ok(same(answer, mirror(payloadOf(7))));
    assert.equal(outcome, []);
    assert.is(connection.stats.lateResponses, 0);
  }));

test('late responses (after timeout, after cancel) are dropped and counted, never delivered to the next caller', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const busy = (ms: number, marker: number): Uint8Array => new Uint8Array([...u32Bytes(ms), marker, marker, marker]);
    const nexts: Uint8Array[] = [];
    // 1. The server busy-waits 400 ms synchronously: the Response is written before it reads our Cancel.
    const timedOut = await failure(connection.request(busy(400, 0xaa), { method: Method.Busy, timeout: 50 }));
    assert.instance(timedOut, RequestTimeoutError);
    const second = payloadOf(1234);
    const answer = await firstValueFrom(connection.request(second, { method: Method.Mirror, timeout: 10_000 }));
    assert.ok(same(answer, mirror(second)), 'the next caller gets its own response');
    await child.next('busy-done');
    await until(() => connection.stats.lateResponses === 1, 'lateResponses = 1');
    // 2. The same after an unsubscribe.
    const subscription = connection
      .request(busy(400, 0xbb), { method: Method.Busy })
      .subscribe({ next: (v) => nexts.push(v) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    subscription.unsubscribe();
    const third = payloadOf(4321);
    const answer3 = await firstValueFrom(connection.request(third, { method: Method.Mirror, timeout: 10_000 }));
    assert.ok(same(answer3, mirror(third)));
    await until(() => connection.stats.lateResponses === 2, 'lateResponses = 2');
    assert.equal(nexts, [], 'the cancelled caller got nothing');
    assert.is(connection.requests.size, 0);
  }));

test('SIGKILL of the server: every pending request errors with PeerExitedError within one second', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const PENDING = 64;
    const ends: { error: unknown; at: number }[] = [];
    for (let i = 0; i < PENDING; i++) {
      connection.request(u32Bytes(60_000), { method: Method.Slow }).subscribe({
        next: () => ends.push({ error: new Error('unexpected response'), at: performance.now() }),
        error: (error) => ends.push({ error, at: performance.now() }),
      });
    }
    await until(() => child.events.filter((e) => e.ev === 'started').length === PENDING, 'all requests started');
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await until(() => ends.length === PENDING, 'every request to end');
    for (const { error, at } of ends) {
      assert.instance(error, PeerExitedError);
      assert.ok(at - killedAt < 1000, `failed ${Math.round(at - killedAt)} ms after the kill`);
    }
    assert.is(connection.requests.size, 0);
  }));

test("the peer's Close fails pending requests and later ones with ConnectionClosedError (they can never be answered)", () =>
  watched(10_000, async () => {
    const name = channelName();
    const server = new Opened(listen(name));
    const client = new Opened(connect(name));
    try {
      const [s, c] = await Promise.all([server.connection(), client.connection()]);
      serve(s, () => NEVER).subscribe({ error: () => undefined });
      let peerClosed = false;
      c.subscribe({ complete: () => (peerClosed = true), error: () => undefined });
      const pending = failure(c.request(new Uint8Array([1]), { method: 1 }));
      await sleep(50);
      s.complete(); // the server closes its side: nothing more will come from it
      await until(() => peerClosed, "the peer's Close");
      const outcome = await Promise.race([pending, sleep(2000).then(() => 'still pending 2 s after the Close')]);
      assert.instance(outcome, ConnectionClosedError, String(outcome));
      const later = await Promise.race([
        failure(c.request(new Uint8Array([2]), { method: 1 })),
        sleep(2000).then(() => 'still pending 2 s after it was sent'),
      ]);
      assert.instance(later, ConnectionClosedError, String(later));
    } finally {
      client.close();
      server.close();
    }
  }));

test("request() after this side's complete() errors with ConnectionClosedError (not RingFullError)", () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = listen(name).subscribe((c) => void serve(c, () => of(Uint8Array.of(1))).subscribe());
    scope.defer(() => server.unsubscribe());
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    connection.complete();
    const error = await within(
      failure(connection.request(Uint8Array.of(1), { timeout: 500 })),
      3000,
      'the request failing',
    );
    assert.instance(error, ConnectionClosedError, String(error));
  }));

test('request() is answered while Data waits unread for a subscriber; the Data still arrives later, in order', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const notices = ['notice-1', 'notice-2'];
    const server = listen(name).subscribe((c) => {
      for (const n of notices) c.next(new TextEncoder().encode(n));
      serve(c, () => of(Uint8Array.of(42))).subscribe();
    });
    scope.defer(() => server.unsubscribe());
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await sleep(50); // the Data frames are in the ring, ahead of the response
    const answer = await within(
      firstValueFrom(connection.request(Uint8Array.of(1), { timeout: 2000 })),
      5000,
      'the answer',
    );
    assert.equal([...answer], [42]);
    const got: string[] = [];
    receive(connection, (m) => got.push(new TextDecoder().decode(m)));
    await until(() => got.length >= notices.length, 'the Data messages after subscribing', 3000).catch((e) => {
      throw new Error(`${(e as Error).message}; got ${JSON.stringify(got)}`);
    });
    await sleep(50);
    assert.equal(got, notices);
  }));

test('leaves no rxshm.* segment in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
