/**
 * How connections end (issue "Truthful CI, servers that outlive their clients, and no silent failure"): clients
 * in the pipe and await styles exit by themselves and the server's side closes in turn; every use of an ended
 * connection fails loudly, naming why; a clean close never hides lost messages. Children are real processes
 * (test/fixtures/lifecycle-client.ts, streams-peer.ts) under the watchdog.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, mergeMap, of, tap } from 'rxjs';
import {
  ConnectionAbortedError,
  ConnectionClosedError,
  PeerExitedError,
  connect,
  listen,
  serve,
  type Connection,
} from '../../src/index.js';
import { sleep, until, within } from '../helpers/waiting.js';
import { Opened, receive } from '../helpers/connections.js';
import { watched } from '../helpers/watched.js';
import { channelName, shmLeft } from '../helpers/names.js';

const test = suite('connection lifecycle');
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The README's echo server in this process, recording how each connection ended. */
function echoServer(name: string): { ends: string[]; stop: () => void } {
  const ends: string[] = [];
  const subscription = listen(name)
    .pipe(
      tap((c) => c.end$.subscribe((end) => ends.push(end.by))),
      mergeMap((connection) => connection.pipe(tap((b) => connection.next(b)))),
    )
    .subscribe();
  return { ends, stop: () => subscription.unsubscribe() };
}

for (const mode of ['pipe-echo', 'await-echo', 'await-idle']) {
  test(`${mode}: the client exits by itself and the echo server's side closes in turn, freeing the slot`, () =>
    watched(20_000, async (watch) => {
      const name = channelName();
      const server = echoServer(name);
      watch.defer(server.stop);
      const client = watch.child(['test/fixtures/lifecycle-client.ts', mode, name]);
      if (mode !== 'await-idle') assert.is((await client.next('answer')).text, 'hello');
      if (mode === 'pipe-echo') await client.next('complete'); // connect() completed
      const exit = await client.exited;
      assert.equal([exit.code, exit.signal], [0, null], client.stderr);
      await until(() => server.ends.length === 1, "the server's side to end");
      assert.equal(server.ends, ['both'], 'both sides closed cleanly');
      // The slot is free at once: the next client gets in and is served.
      const next = await firstValueFrom(connect(name));
      const answer = firstValueFrom(next);
      next.next(bytes('again'));
      assert.is(text(await answer), 'again');
      next.complete();
      await until(() => next.ended, 'the second client to end');
    }));
}

test('for await: a client iterates until the server closes', () =>
  watched(20_000, async (watch) => {
    const name = channelName();
    const listening = new Opened(listen(name));
    watch.defer(() => listening.close());
    const client = watch.child(['test/fixtures/lifecycle-client.ts', 'await-iterate', name]);
    const server = await listening.connection();
    await client.next('connected');
    for (const word of ['one', 'two', 'three']) server.next(bytes(word));
    server.complete();
    const answers = [await client.next('answer'), await client.next('answer'), await client.next('answer')].map(
      (e) => e['text'],
    );
    assert.equal(answers, ['one', 'two', 'three']);
    await client.next('complete');
    const exit = await client.exited;
    assert.equal([exit.code, exit.signal], [0, null], client.stderr);
  }));

test('pipe-request: a one-request client exits by itself; serve completes and the server side closes', () =>
  watched(20_000, async (watch) => {
    const name = channelName();
    const served: string[] = [];
    const subscription = listen(name)
      .pipe(
        mergeMap((c) =>
          serve(c, { 1: (b) => of(b.slice().reverse()) }).pipe(tap({ complete: () => served.push('complete') })),
        ),
      )
      .subscribe();
    watch.defer(() => subscription.unsubscribe());
    const client = watch.child(['test/fixtures/lifecycle-client.ts', 'pipe-request', name]);
    assert.is((await client.next('answer')).text, 'olleh');
    await client.next('complete');
    const exit = await client.exited;
    assert.equal([exit.code, exit.signal], [0, null], client.stderr);
    await until(() => served.length === 1, 'serve to complete');
  }));

test('await style: firstValueFrom(connect()) and firstValueFrom(listen()) give connections that work until closed', () =>
  watched(20_000, async () => {
    const name = channelName();
    const serverTaken = firstValueFrom(listen(name));
    const client = await firstValueFrom(connect(name));
    const server = await serverTaken;
    const atServer = firstValueFrom(server);
    client.next(bytes('ping'));
    assert.is(text(await atServer), 'ping');
    const atClient = firstValueFrom(client);
    server.next(bytes('pong'));
    assert.is(text(await atClient), 'pong');
    assert.throws(() => client.next(new Uint8Array(64 * 1024 * 1024)), /too large/);
    client.complete();
    assert.throws(
      () => client.next(bytes('late')),
      (e: unknown) =>
        e instanceof ConnectionClosedError &&
        /closed by this side \(complete\(\) was called\)/.test((e as Error).message),
    );
    server.complete();
    await until(() => client.ended && server.ended, 'both to end');
    assert.equal(await firstValueFrom(client.end$), { clean: true, error: null, by: 'both' });
    // Both closed: a late subscriber completes (the peer did close), and sending names why it cannot.
    let completed = false;
    client.subscribe({ complete: () => (completed = true) });
    assert.ok(completed);
    assert.throws(() => server.next(bytes('x')), /closed by this side \(complete\(\) was called\)/);
    assert.equal(shmLeft(), []);
  }));

test('a connection whose owning subscription ended: next() throws and subscribing errors, naming why', () =>
  watched(20_000, async () => {
    const name = channelName();
    const server = echoServer(name);
    try {
      let held: Connection | null = null;
      const owner = connect(name).subscribe((c) => (held = c));
      await until(() => held !== null, 'the connection');
      owner.unsubscribe();
      const connection = held!;
      assert.throws(
        () => connection.next(bytes('x')),
        (e: unknown) => e instanceof ConnectionClosedError && /owning subscription/.test((e as Error).message),
      );
      await until(() => connection.ended, 'the end');
      const error = await new Promise((resolve) =>
        connection.subscribe({ error: resolve, complete: () => resolve('complete') }),
      );
      assert.instance(error, ConnectionClosedError);
      assert.match((error as Error).message, /owning subscription/);
    } finally {
      server.stop();
    }
  }));

test('a client whose last receive subscription ended closes its side; connect() completes', () =>
  watched(20_000, async () => {
    const name = channelName();
    const server = echoServer(name);
    try {
      let completed = false;
      let held: Connection | null = null;
      connect(name).subscribe({ next: (c) => (held = c), complete: () => (completed = true) });
      await until(() => held !== null, 'the connection');
      const connection = held!;
      const answer = firstValueFrom(connection);
      connection.next(bytes('once'));
      assert.is(text(await answer), 'once');
      await until(() => completed, 'connect() to complete');
      assert.equal(server.ends, ['both']);
      assert.throws(() => connection.next(bytes('x')), /its last subscriber, serve or request ended/);
    } finally {
      server.stop();
    }
  }));

test("the peer's death: next() throws ConnectionClosedError whose cause is PeerExitedError", async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { clientFailure: 'error' }));
    scope.defer(() => server.close());
    const peer = scope.peer({ role: 'client', name, script: 'hold' });
    const connection = await server.connection();
    const { ended } = receive(connection);
    peer.kill('SIGKILL');
    const ending = await ended;
    assert.instance(ending.error, PeerExitedError);
    assert.throws(
      () => connection.next(bytes('x')),
      (e: unknown) =>
        e instanceof ConnectionClosedError &&
        e.cause instanceof PeerExitedError &&
        /failed: .*exited without closing/.test(e.message),
    );
  });
});

test('nothing lost behind a clean close: 20,000 x 1 KiB, complete() and unsubscribe at once; all arrive, then complete', async () => {
  await watched(60_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const writer = scope.peer({
      role: 'client',
      name,
      script: 'writer',
      count: 20_000,
      sizes: [1024, 1024],
      backpressure: 'none',
      quitAfterDone: true,
    });
    const connection = await server.connection();
    let count = 0;
    const { ended } = receive(connection, () => count++);
    const ending = await ended;
    assert.is(ending.how, 'complete', String(ending.error));
    assert.is(count, 20_000, 'every message before the Close');
    const exit = await writer.exited;
    assert.equal([exit.code, exit.signal], [0, null], writer.stderr);
  });
});

test('error() with messages still queued: the peer fails with ConnectionAbortedError, never a clean completion', async () => {
  await watched(60_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { ringCapacity: 64 * 1024, highWaterMark: 0 }));
    scope.defer(() => server.close());
    const peer = scope.peer({
      role: 'client',
      name,
      script: 'hold',
      stdin: true,
      options: { ringCapacity: 64 * 1024 },
    });
    const connection = await server.connection();
    // Faster than the client reads: most of these wait in the local queue when error() discards them.
    for (let i = 0; i < 2_000; i++) connection.next(new Uint8Array(1024));
    assert.ok(connection.stats.queued > 0, 'messages wait in the local queue');
    connection.error(new Error('giving up'));
    const failed = await peer.next('recv-error');
    assert.is(failed['name'], ConnectionAbortedError.name);
    assert.ok(failed['received'] < 2_000, `received ${failed['received']}`);
  });
});

test("overflow 'reject' with a full ring, then complete(): the reader drains every accepted message, then completes", async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    const options = { ringCapacity: 1024, maxMessage: 64, overflow: 'reject' as const };
    const sent = { total: 40, rejected: -1 };
    const server = listen(name, options).subscribe((c) => {
      c.errors$.subscribe(() => undefined); // RingFullError for each rejected message
      for (let i = 0; i < sent.total; i++) c.next(new Uint8Array(32).fill(i));
      sent.rejected = c.stats.rejected;
      c.complete();
    });
    scope.defer(() => server.unsubscribe());
    const opened = new Opened(connect(name, options));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await sleep(200);
    assert.ok(
      sent.rejected > 0,
      `precondition: the ring filled and some messages were rejected (rejected=${sent.rejected})`,
    );
    const got: number[] = [];
    const { ended } = receive(connection, (m) => got.push(m[0]!));
    const accepted = sent.total - sent.rejected;
    const ending = await within(ended, 3000, `the receive side completing after ${accepted} accepted messages`).catch(
      (e) => {
        throw new Error(`${(e as Error).message}; got ${got.length}`);
      },
    );
    assert.is(ending.how, 'complete', String(ending.error));
    assert.equal(
      got,
      Array.from({ length: accepted }, (_, i) => i),
      'every accepted message, in order',
    );
  });
});

test.run();
