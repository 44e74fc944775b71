/**
 * defineMethod / implement / call: typed requests with struct and json codecs, against rpc-server.ts started as
 * a child with spawnConnected (anonymous channel).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { firstValueFrom } from 'rxjs';
import {
  bytes,
  call,
  DecodeError,
  defineMethod,
  EncodeError,
  f64,
  RemoteError,
  spawnConnected,
  Status,
  struct,
  type Connection,
} from '../../src/index.js';
import { Opened, failure } from '../helpers/connections.js';
import { root } from '../helpers/processes.js';
import { shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { Add, Broken, Greet, Method } from '../fixtures/rpc-methods.js';

const test = suite('methods');

/** rpc-server.ts under spawnConnected; `events` collects its JSON lines. */
async function spawned(watch: Watch): Promise<{ connection: Connection; events: Record<string, any>[] }> {
  let child: ChildProcess | undefined;
  const events: Record<string, any>[] = [];
  const opened = new Opened(
    spawnConnected(process.execPath, ['--import', 'tsx', 'test/fixtures/rpc-server.ts', 'parent', '{}'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      onSpawn: (c) => {
        child = c;
        createInterface({ input: c.stdout! }).on('line', (line) => events.push(JSON.parse(line)));
      },
    }),
  );
  watch.defer(() => {
    opened.close();
    child?.kill('SIGKILL');
  });
  return { connection: await opened.connection(), events };
}

test('struct and json methods round trip', () =>
  watched(20_000, async (watch) => {
    const { connection } = await spawned(watch);
    assert.equal(await firstValueFrom(call(connection, Add, { a: 1.25, b: 2.5 }, { timeout: 10_000 })), { sum: 3.75 });
    assert.equal(await firstValueFrom(call(connection, Greet, { name: 'Ada' }, { timeout: 10_000 })), {
      greeting: 'hello, Ada',
    });
  }));

test('a bad request payload is answered with Status.BadRequest naming what was wrong', () =>
  watched(20_000, async (watch) => {
    const { connection } = await spawned(watch);
    const short = (await failure(
      connection.request(new Uint8Array(3), { method: Add.id, timeout: 10_000 }),
    )) as RemoteError;
    assert.instance(short, RemoteError);
    assert.is(short.status, Status.BadRequest);
    assert.match(short.remoteMessage, 'bad request');
    const notJson = (await failure(
      connection.request(new TextEncoder().encode('{"name": 42}'), { method: Greet.id, timeout: 10_000 }),
    )) as RemoteError;
    assert.is(notJson.status, Status.BadRequest);
    assert.match(notJson.remoteMessage, 'name');
  }));

test('call with an invalid value errors with EncodeError and sends nothing', () =>
  watched(20_000, async (watch) => {
    const { connection, events } = await spawned(watch);
    const sentBefore = connection.stats.sent;
    const error = await failure(call(connection, Add, { a: 1, b: 'two' } as unknown as { a: number; b: number }));
    assert.instance(error, EncodeError);
    assert.is(connection.stats.sent, sentBefore, 'nothing sent');
    assert.is(connection.requests.size, 0);
    // The server saw no request: the next call is answered and nothing was reported for a bad one.
    assert.equal(await firstValueFrom(call(connection, Add, { a: 1, b: 2 }, { timeout: 10_000 })), { sum: 3 });
    assert.equal(
      events.filter((e) => e.ev === 'served'),
      [],
    );
  }));

test('an implementation answering an invalid value: Status.HandlerError; a bad response: DecodeError', () =>
  watched(20_000, async (watch) => {
    const { connection } = await spawned(watch);
    const broken = (await failure(call(connection, Broken, { n: 1 }, { timeout: 10_000 }))) as RemoteError;
    assert.instance(broken, RemoteError);
    assert.is(broken.status, Status.HandlerError);
    assert.match(broken.remoteMessage, 'invalid response');
    // Mirror answers 3 bytes where this contract expects an 8-byte struct.
    const Wrong = defineMethod(Method.Mirror, bytes, struct({ x: f64 }));
    const decodeError = await failure(call(connection, Wrong, new Uint8Array(3), { timeout: 10_000 }));
    assert.instance(decodeError, DecodeError);
  }));

test('defineMethod: an id that is not a u32 throws at creation', () => {
  assert.throws(() => defineMethod(-1, bytes, bytes), /id must be a u32/);
  assert.throws(() => defineMethod(2 ** 32, bytes, bytes), /id must be a u32/);
});

test('leaves no rxshm.* segment in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
