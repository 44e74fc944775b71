/**
 * serve(): statuses of Error frames, concurrency, Served records and completion, against rpc-server.ts in a child
 * process, plus the in-process rules (one serve per connection, bad configuration).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, lastValueFrom, mergeMap, of, range, toArray } from 'rxjs';
import {
  connect,
  listen,
  RemoteError,
  type RequestTimeoutError,
  serve,
  Status,
  type Connection,
  type Served,
} from '../../src/index.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { Opened, failure, receive, served } from '../helpers/connections.js';
import { sleep, until, within } from '../helpers/waiting.js';
import { u32At, u32Bytes } from '../helpers/bytes.js';
import { watched } from '../helpers/watched.js';
import { Method } from '../fixtures/rpc-methods.js';

const test = suite('serve');
const text = new TextEncoder();

test('unknown method: RemoteError with Status.NoSuchMethod', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const error = (await failure(
      connection.request(new Uint8Array([1]), { method: 99, timeout: 10_000 }),
    )) as RemoteError;
    assert.instance(error, RemoteError);
    assert.is(error.status, Status.NoSuchMethod);
    assert.is(error.method, 99);
    assert.match(error.remoteMessage, 'no such method: 99');
    const record = await child.next('served');
    assert.equal([record.correlation, record.method, record.status], [error.correlation, 99, Status.NoSuchMethod]);
  }));

test('handler error: Status.HandlerError with its message; StatusError(300) answers status 300', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const thrown = (await failure(
      connection.request(text.encode('xyz'), { method: Method.Fail, timeout: 10_000 }),
    )) as RemoteError;
    assert.instance(thrown, RemoteError);
    assert.is(thrown.status, Status.HandlerError);
    assert.is(thrown.remoteMessage, 'boom: xyz');
    assert.match(thrown.message, 'boom: xyz');
    const custom = (await failure(
      connection.request(new Uint8Array(0), { method: Method.Custom, timeout: 10_000 }),
    )) as RemoteError;
    assert.instance(custom, RemoteError);
    assert.is(custom.status, 300);
    assert.is(custom.remoteMessage, 'custom');
    assert.is(custom.method, Method.Custom);
    assert.equal(
      [(await child.next('served')).status, (await child.next('served')).status],
      [Status.HandlerError, 300],
    );
  }));

test('{ concurrency: 2 }: never more than 2 handlers at once; serve completes when the connection ends cleanly', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch, { concurrency: 2 });
    const running = await lastValueFrom(
      range(0, 12).pipe(
        mergeMap(() => connection.request(new Uint8Array(0), { method: Method.Gauge, timeout: 10_000 })),
        toArray(),
      ),
    );
    const counts = running.map((bytes) => u32At(bytes));
    assert.is(counts.length, 12);
    assert.is(Math.max(...counts), 2, `handlers running at once: ${counts.join(',')}`);
    // Our Close completes the server's receive side, it closes too, and its serve completes.
    connection.complete();
    const done = await child.next('serve-complete');
    assert.is(done.gaugeMax, 2);
    assert.equal((await child.exited).code, 0);
  }));

test("a cancelled request's Served record names its correlation id and its method", () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch);
    const error = (await failure(
      connection.request(u32Bytes(60_000), { method: Method.Slow, timeout: 100 }),
    )) as RequestTimeoutError;
    const record = await child.next('served');
    assert.equal(
      { correlation: record.correlation, status: record.status, method: record.method },
      { correlation: error.correlation, status: Status.Cancelled, method: Method.Slow },
    );
  }));

test('a request cancelled while it waits for a free slot (concurrency) is dropped and reported as Cancelled', () =>
  watched(20_000, async (watch) => {
    const { connection, child } = await served(watch, { concurrency: 1 });
    const first = connection.request(u32Bytes(60_000), { method: Method.Slow }).subscribe({ error: () => undefined });
    const started = await child.next('started');
    const error = (await failure(
      connection.request(u32Bytes(0), { method: Method.Slow, timeout: 100 }),
    )) as RequestTimeoutError;
    first.unsubscribe();
    // Cancel(second) reaches the server before Cancel(first): once the first's record is out, the second's is too.
    await child.next('served', (e) => e.correlation === started.correlation);
    await sleep(100);
    const records = child.events.filter((e) => e.ev === 'served' || e.ev === 'started');
    assert.not.ok(
      records.some((e) => e.ev === 'started' && e.correlation === error.correlation),
      'the cancelled request never started',
    );
    assert.ok(
      records.some((e) => e.ev === 'served' && e.correlation === error.correlation && e.status === Status.Cancelled),
      `a Served record with Status.Cancelled for correlation ${error.correlation}; got ${JSON.stringify(records)}`,
    );
  }));

test('in one process: serve answers, a second serve on the same connection errors, serve completes on a clean end', () =>
  watched(10_000, async () => {
    const name = channelName();
    const server = new Opened(listen(name));
    const client = new Opened(connect(name));
    try {
      const [s, c] = await Promise.all([server.connection(), client.connection()]);
      const records: Served[] = [];
      let completed = false;
      serve(s, (payload) => of(payload.slice().reverse())).subscribe({
        next: (r) => records.push(r),
        complete: () => (completed = true),
      });
      const second = await failure(serve(s, () => of(new Uint8Array(0))));
      assert.match((second as Error).message, 'already being served');
      const answer = await firstValueFrom(c.request(new Uint8Array([1, 2, 3]), { method: 5, timeout: 5000 }));
      assert.equal([...answer], [3, 2, 1]);
      assert.equal(
        records.map((r) => [r.method, r.status]),
        [[5, Status.Ok]],
      );
      s.subscribe({ complete: () => s.complete(), error: () => undefined });
      c.subscribe({ error: () => undefined });
      c.complete();
      await until(() => completed, 'serve to complete');
    } finally {
      client.close();
      server.close();
    }
  }));

test('serve() subscribed after the connection ended completes at once, on either side', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const serverSide: Connection[] = [];
    const server = listen(name).subscribe((c) => {
      serverSide.push(c);
      c.subscribe({ complete: () => undefined, error: () => undefined });
      c.complete();
    });
    scope.defer(() => server.unsubscribe());
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await within(receive(connection).ended, 3000, "the server's Close");
    connection.complete();
    await until(() => connection.ended && serverSide[0]?.ended === true, 'both sides of the connection ending', 3000);
    for (const [side, c] of [
      ['client', connection],
      ['server', serverSide[0]!],
    ] as const) {
      const started = performance.now();
      const done = await within(
        new Promise<{ how: 'complete' | 'error'; error?: unknown }>((resolve) => {
          const subscription = serve(c, () => of(Uint8Array.of(1))).subscribe({
            complete: () => resolve({ how: 'complete' }),
            error: (error) => resolve({ how: 'error', error }),
          });
          scope.defer(() => subscription.unsubscribe());
        }),
        1000,
        `serve() on the ended ${side} connection completing`,
      );
      assert.is(done.how, 'complete', `${side}: ${String(done.error)}`);
      const took = performance.now() - started;
      assert.ok(took < 100, `${side}: serve() completed ${took.toFixed(0)} ms after subscribing, not at once`);
    }
  }));

test('bad configuration throws at creation', () => {
  assert.throws(
    () => serve({} as Connection, () => of(new Uint8Array(0)), { concurrency: 0 }),
    /concurrency must be >= 1/,
  );
});

test('leaves no rxshm.* segment in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
