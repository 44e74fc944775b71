/**
 * typed(codec): values through a real two-process channel with a struct codec and a json codec (rpc-server.ts
 * answers each value transformed), and what a message that fails to decode does under each onError mode.
 * typedConnection(connection, codec): the same view of a connection already held, over a real in-process pair.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { of, firstValueFrom } from 'rxjs';
import {
  ConnectionAbortedError,
  connect,
  DecodeError,
  type ListenOptions,
  EncodeError,
  listen,
  typed,
  typedConnection,
  TypedConnection,
  type Connection,
} from '../../src/index.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { Opened } from '../helpers/connections.js';
import { until } from '../helpers/waiting.js';
import { watched, type Watch } from '../helpers/watched.js';
import { Note, Sample } from '../fixtures/rpc-methods.js';

const test = suite('typed');

async function peer(watch: Watch, mode: string, options: ListenOptions = {}): Promise<Connection> {
  const name = channelName();
  const listening = new Opened(listen(name, options));
  watch.defer(() => listening.close());
  const child = watch.child(['test/fixtures/rpc-server.ts', 'connect', name, JSON.stringify({ mode })]);
  const connection = await listening.connection();
  await child.next('ready');
  return connection;
}

/** Tearing the channel down at the end of a test may end a receive side with an error: not what these tests check. */
const ignoreEnd = (): void => undefined;

const sample = (seq: number) => ({
  seq,
  timestamp: 1_700_000_000_000 + seq / 8,
  cpu: Math.fround(seq / 100),
  mem: 2n ** 40n + BigInt(seq),
  host: `node-${seq % 3}`,
});

test('struct codec: values round trip through a real channel', () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'typed-struct');
    const samples = await firstValueFrom(of(connection).pipe(typed(Sample)));
    const received: ReturnType<typeof sample>[] = [];
    samples.subscribe({ next: (s) => received.push(s), error: ignoreEnd });
    for (let seq = 0; seq < 100; seq++) samples.next(sample(seq));
    await until(() => received.length === 100, '100 answers');
    assert.equal(
      received,
      Array.from({ length: 100 }, (_, seq) => ({ ...sample(seq), seq: seq + 1, mem: sample(seq).mem + 1n })),
    );
    assert.is(connection.stats.decodeErrors, 0);
  }));

test('json codec: values round trip through a real channel', () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'typed-json');
    const notes = await firstValueFrom(of(connection).pipe(typed(Note)));
    const received: unknown[] = [];
    notes.subscribe({ next: (n) => received.push(n), error: ignoreEnd });
    notes.next({ seq: 1, text: 'héllo, wörld', tags: ['a', 'b', 'c'] });
    notes.next({ seq: 2, text: '', tags: [] });
    await until(() => received.length === 2, '2 answers');
    assert.equal(received, [
      { seq: 2, text: 'HÉLLO, WÖRLD', tags: ['c', 'b', 'a'] },
      { seq: 3, text: '', tags: [] },
    ]);
  }));

test("onError 'skip': a bad message is dropped, counted in stats.decodeErrors and reported on errors$", () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'echo');
    const samples: TypedConnection<ReturnType<typeof sample>> = await firstValueFrom(
      of(connection).pipe(typed(Sample, { onError: 'skip' })),
    );
    const received: number[] = [];
    const reported: Error[] = [];
    let failed: unknown = null;
    connection.errors$.subscribe((e) => reported.push(e));
    samples.subscribe({ next: (s) => received.push(s.seq), error: (e) => (failed = e) });
    samples.next(sample(1));
    connection.next(new Uint8Array([1, 2, 3])); // echoed back: too short for a Sample
    samples.next(sample(2));
    await until(() => received.length === 2, 'both good samples');
    assert.equal(received, [1, 2]);
    assert.is(connection.stats.decodeErrors, 1);
    assert.is(reported.length, 1);
    assert.instance(reported[0], DecodeError);
    assert.is(failed, null);
  }));

test("default onError with clientFailure 'error': a bad message errors the receive side with DecodeError", () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'echo', { clientFailure: 'error' });
    const samples = await firstValueFrom(of(connection).pipe(typed(Sample)));
    const received: number[] = [];
    let failed: unknown = null;
    samples.subscribe({ next: (s) => received.push(s.seq), error: (e) => (failed = e) });
    samples.next(sample(1));
    connection.next(new Uint8Array([1, 2, 3]));
    await until(() => failed !== null, 'the receive side to error');
    assert.instance(failed, DecodeError);
    assert.equal(received, [1]);
  }));

test("default onError on a server connection: an undecodable message is the client's failure; the receive side completes", () =>
  watched(20_000, async (watch) => {
    const name = channelName();
    const listening = new Opened(listen(name));
    watch.defer(() => listening.close());
    const client = await firstValueFrom(connect(name));
    const server = await listening.connection();
    const samples = typedConnection(server, Sample);
    const reported: Error[] = [];
    server.errors$.subscribe((e) => reported.push(e));
    let how = '';
    samples.subscribe({ error: () => (how = 'error'), complete: () => (how = 'complete') });
    let clientEnd: unknown = null;
    client.subscribe({ error: (e) => (clientEnd = e) });
    client.next(new Uint8Array([1, 2, 3]));
    await until(() => how !== '' && clientEnd !== null, 'both ends');
    assert.is(how, 'complete');
    assert.is(reported.length, 1);
    assert.instance(reported[0], DecodeError);
    assert.is(server.stats.decodeErrors, 1);
    const end = await firstValueFrom(server.end$);
    assert.equal([end.by, end.clean, end.error], ['peer', false, reported[0]]);
    assert.instance(clientEnd, ConnectionAbortedError);
  }));

test('next with an invalid value throws EncodeError and sends nothing', () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'echo');
    const samples = await firstValueFrom(of(connection).pipe(typed(Sample)));
    const sent = connection.stats.sent;
    assert.throws(
      () => samples.next({ ...sample(1), seq: -1 }),
      (e: unknown) => e instanceof EncodeError,
    );
    assert.throws(
      () => samples.next({ ...sample(1), host: 'a host name longer than sixteen bytes' }),
      (e: unknown) => e instanceof EncodeError,
    );
    assert.is(connection.stats.sent, sent);
  }));

test('EncodeError from next names the failing field and its value', () =>
  watched(20_000, async (watch) => {
    const connection = await peer(watch, 'echo');
    const samples = await firstValueFrom(of(connection).pipe(typed(Sample)));
    assert.throws(
      () => samples.next({ ...sample(1), seq: -1 }),
      (e: unknown) =>
        e instanceof EncodeError && e.path === 'seq' && /: seq: value -1 is not a valid u32$/.test(e.message),
    );
    assert.throws(
      () => samples.next({ ...sample(1), host: 'x'.repeat(17) }),
      (e: unknown) => e instanceof EncodeError && e.path === 'host' && e.expected === 'fixedUtf8(16)',
    );
  }));

/** A listen + connect pair in this process, both connections held (no operator chain around them). */
async function heldPair(watch: Watch): Promise<{ server: Connection; client: Connection }> {
  const name = channelName();
  const listening = new Opened(listen(name));
  watch.defer(() => listening.close());
  const connecting = new Opened(connect(name));
  watch.defer(() => connecting.close());
  const [server, client] = await Promise.all([listening.connection(), connecting.connection()]);
  return { server, client };
}

test('typedConnection: types a connection already held; values round trip over a real channel', () =>
  watched(20_000, async (watch) => {
    const { server, client } = await heldPair(watch);
    const serverSamples: TypedConnection<ReturnType<typeof sample>> = typedConnection(server, Sample);
    const clientSamples = typedConnection(client, Sample);
    assert.instance(clientSamples, TypedConnection);
    assert.is(clientSamples.connection, client);
    // The server answers each sample with seq + 1.
    serverSamples.subscribe({ next: (s) => serverSamples.next({ ...s, seq: s.seq + 1 }), error: ignoreEnd });
    const received: number[] = [];
    clientSamples.subscribe({ next: (s) => received.push(s.seq), error: ignoreEnd });
    for (let seq = 0; seq < 10; seq++) clientSamples.next(sample(seq));
    await until(() => received.length === 10, '10 answers');
    assert.equal(received, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.is(client.stats.sent, 10);
  }));

test("typedConnection: onError 'skip' and complete() close the underlying connection", () =>
  watched(20_000, async (watch) => {
    const { server, client } = await heldPair(watch);
    const samples = typedConnection(client, Sample, { onError: 'skip' });
    const received: number[] = [];
    let completed = false;
    samples.subscribe({ next: (s) => received.push(s.seq), complete: () => (completed = true), error: ignoreEnd });
    server.next(new Uint8Array([1, 2, 3]));
    server.next(Sample.encode(sample(7)));
    await until(() => received.length === 1, 'the good sample');
    assert.equal(received, [7]);
    assert.is(client.stats.decodeErrors, 1);
    const serverEnded = new Promise<void>((resolve) => server.subscribe({ complete: resolve, error: ignoreEnd }));
    samples.complete();
    await serverEnded;
    server.complete();
    await until(() => completed, 'the typed side to complete after both sides closed');
  }));

test('leaves no rxshm.* segment in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
