/**
 * Options: every bad value throws ChannelOptionsError at creation, before anything is subscribed or mapped, from
 * listen, connect, spawnConnected, connectParent and nativeChannel alike; good values create nothing until subscribe. maxMessage
 * is exactly what the option table says, on both sides of a real listen + connect pair. (Names: channel-name.test.ts.)
 */
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ChannelOptionsError,
  connect,
  connectParent,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_RING_CAPACITY,
  FRAME_HEADER_LENGTH,
  listen,
  MessageTooLargeError,
  nativeChannel,
  RECORD_HEADER_LENGTH,
  spawnConnected,
  type ChannelOptions,
  type Connection,
} from '../../src/index.js';
import { maxMessageFor, resolveOptions } from '../../src/streams/channel/options.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { until } from '../helpers/waiting.js';

const test = suite('channel options');

const bad: [string, ChannelOptions][] = [
  ['ringCapacity not a power of two', { ringCapacity: 3000 }],
  ['ringCapacity 0', { ringCapacity: 0 }],
  ['ringCapacity below 1 KiB', { ringCapacity: 512 }],
  ['ringCapacity above 1 GiB', { ringCapacity: 2 ** 31 }],
  ['maxMessage 0', { maxMessage: 0 }],
  ['maxMessage negative', { maxMessage: -1 }],
  ['maxMessage not an integer', { maxMessage: 10.5 }],
  ['maxMessage larger than the ring allows', { ringCapacity: 1024, maxMessage: 1024 }],
  ['maxMessage far too large', { maxMessage: 2 ** 30 }],
  ['overflow unknown', { overflow: 'drop-newest' as never }],
  ['receive unknown', { receive: 'share' as never }],
  ['wait.spinMicros negative', { wait: { spinMicros: -1 } }],
  ['wait.pollMicros negative', { wait: { pollMicros: -5 } }],
  ['wait.pollMicros NaN', { wait: { pollMicros: Number.NaN } }],
  ['timeout negative', { timeout: -1 }],
  ['highWaterMark negative', { highWaterMark: -1 }],
  ['maxMessage one above ringCapacity - 24', { ringCapacity: 1024, maxMessage: 1001 }],
  ['ringCapacity a string', { ringCapacity: '1024' as never }],
  ['maxMessage a string', { maxMessage: '100' as never }],
  ['timeout a string', { timeout: '5' as never }],
  ['highWaterMark Infinity', { highWaterMark: Number.POSITIVE_INFINITY }],
  ['options null', null as never],
  ['options a number', 5 as never],
  ['options a string', 'fast' as never],
  ['options an array', [] as never],
  ['wait null', { wait: null as never }],
  ['wait a number', { wait: 5 as never }],
  ['native null', { native: null as never }],
  ['native not a backend', { native: {} as never }],
];

for (const [what, options] of bad) {
  test(`ChannelOptionsError at creation: ${what}`, () => {
    const name = channelName();
    for (const [factory, create] of [
      ['listen', () => listen(name, options)],
      ['connect', () => connect(name, options)],
      ['spawnConnected', () => spawnConnected(process.execPath, [], options)],
      ['connectParent', () => connectParent(options)],
      ['nativeChannel', () => nativeChannel(options)],
    ] as const) {
      assert.throws(
        create,
        (e: unknown) => e instanceof ChannelOptionsError && e.code === 'InvalidOption',
        `${factory} did not throw ChannelOptionsError`,
      );
    }
    assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`));
  });
}

test('the message names the option and the value', () => {
  try {
    listen(channelName(), { ringCapacity: 3000 });
    assert.unreachable('no error');
  } catch (e) {
    assert.instance(e, ChannelOptionsError);
    assert.match((e as Error).message, 'ringCapacity=3000');
  }
});

test('spawnConnected: an empty command throws ChannelOptionsError', () => {
  assert.throws(
    () => spawnConnected(''),
    (e: unknown) => e instanceof ChannelOptionsError,
  );
});

test('good options create nothing until subscribe (cold)', () => {
  const name = channelName();
  listen(name, {
    ringCapacity: 1024,
    maxMessage: 100,
    overflow: 'reject',
    wait: { spinMicros: 0, pollMicros: 0 },
    receive: 'borrow',
    highWaterMark: 0,
    timeout: 0,
  });
  connect(name, { overflow: 'drop-oldest' });
  assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`));
  assert.is(DEFAULT_RING_CAPACITY, 2 * 1024 * 1024);
  assert.is(DEFAULT_MAX_MESSAGE, 64 * 1024);
});

test('maxMessage: 64 KiB by default, clamped to ringCapacity - 24 (record header 8 + frame header 16)', () => {
  assert.is(RECORD_HEADER_LENGTH + FRAME_HEADER_LENGTH, 24);
  assert.is(resolveOptions().maxMessage, 65536);
  assert.is(resolveOptions(undefined).maxMessage, DEFAULT_MAX_MESSAGE);
  for (let ringCapacity = 1024; ringCapacity <= 2 ** 30; ringCapacity *= 2) {
    assert.is(maxMessageFor(ringCapacity), ringCapacity - 24);
    assert.is(
      resolveOptions({ ringCapacity }).maxMessage,
      Math.min(65536, ringCapacity - 24),
      `ringCapacity=${ringCapacity}`,
    );
    assert.is(resolveOptions({ ringCapacity, maxMessage: ringCapacity - 24 }).maxMessage, ringCapacity - 24);
  }
  assert.is(resolveOptions({ ringCapacity: 65536 }).maxMessage, 65512);
  assert.is(resolveOptions({ ringCapacity: 131072 }).maxMessage, 65536);
  assert.is(resolveOptions({ ringCapacity: 2 ** 20, maxMessage: 1_000_000 }).maxMessage, 1_000_000);
});

test('the messages name the option and the value', () => {
  const message = (options: unknown): string => {
    try {
      resolveOptions(options as ChannelOptions);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.is(message(null), 'invalid option options=null: must be an object or undefined');
  assert.is(message({ wait: 5 }), 'invalid option wait=5: must be an object or undefined');
  assert.is(
    message({ ringCapacity: 1024, maxMessage: 1001 }),
    'invalid option maxMessage=1001: must be an integer from 1 to 1000 for ringCapacity=1024',
  );
  assert.is(
    message({ native: {} }),
    'invalid option native=object: must be a NativeApi (segments, processes, futex, doorbellPath)',
  );
});

/** A real listen + connect pair in this process, the server with `options`, the client with `clientOptions`. */
async function pair(
  options: ChannelOptions,
  body: (server: Connection, client: Connection) => Promise<void>,
  clientOptions: ChannelOptions = {},
): Promise<void> {
  await watched(20_000, async (scope) => {
    const name = channelName();
    const listening = new Opened(listen(name, options));
    scope.defer(() => listening.close());
    const connecting = new Opened(connect(name, clientOptions));
    scope.defer(() => connecting.close());
    const [server, client] = await Promise.all([listening.connection(), connecting.connection()]);
    await body(server, client);
  });
}

/** Sends `sizes` client -> server, each a message filled with its index, and waits for them all. */
async function roundTrip(server: Connection, client: Connection, sizes: number[]): Promise<void> {
  const got: Uint8Array[] = [];
  const { subscription } = receive(server, (m) => got.push(m));
  sizes.forEach((size, i) => client.next(new Uint8Array(size).fill(i + 1)));
  await until(() => got.length === sizes.length, `${sizes.length} messages`);
  subscription.unsubscribe();
  assert.equal(
    got.map((m) => m.length),
    sizes,
  );
  got.forEach((m, i) =>
    assert.ok(
      m.every((b) => b === i + 1),
      `message ${i} arrived intact`,
    ),
  );
}

test('a default connection carries exactly DEFAULT_MAX_MESSAGE (64 KiB) on both sides', () =>
  pair({}, async (server, client) => {
    assert.is(server.maxMessage, 65536);
    assert.is(client.maxMessage, 65536);
    await roundTrip(server, client, [65536, 1, 65536]);
    assert.throws(
      () => client.next(new Uint8Array(65537)),
      (e: unknown) => e instanceof MessageTooLargeError && e.maxMessage === 65536,
    );
    assert.throws(
      () => server.next(new Uint8Array(65537)),
      (e: unknown) => e instanceof MessageTooLargeError,
    );
  }));

test('ringCapacity 1 KiB: the default is clamped to 1000, and 1000-byte messages fill the ring one at a time', () =>
  pair({ ringCapacity: 1024 }, async (server, client) => {
    assert.is(server.maxMessage, 1000);
    assert.is(client.maxMessage, 1000);
    // Small messages between the full-ring ones move the write position, so each full record needs padding first.
    await roundTrip(server, client, [1000, 3, 1000, 1000, 17, 1000, 1]);
    assert.throws(
      () => client.next(new Uint8Array(1001)),
      (e: unknown) => e instanceof MessageTooLargeError,
    );
  }));

test("the server's maxMessage wins, also when the client asks for a different one", () =>
  pair(
    { ringCapacity: 4096, maxMessage: 4072 },
    async (server, client) => {
      assert.is(server.maxMessage, 4072);
      assert.is(client.maxMessage, 4072);
      await roundTrip(server, client, [4072, 4072]);
    },
    { ringCapacity: 1024, maxMessage: 100 },
  ));

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
