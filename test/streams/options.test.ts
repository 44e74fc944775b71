/**
 * Options and names: every bad value throws ChannelOptionsError at creation, before anything is subscribed or
 * mapped, from listen, connect, spawnConnected and connectParent alike; good values create nothing until subscribe.
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
  listen,
  MAX_CHANNEL_NAME_BYTES,
  spawnConnected,
  type ChannelOptions,
} from '../../src/index.js';
import { leftovers, uniqueName } from './_helpers.js';

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
];

for (const [what, options] of bad) {
  test(`ChannelOptionsError at creation: ${what}`, () => {
    const name = uniqueName();
    for (const [factory, create] of [
      ['listen', () => listen(name, options)],
      ['connect', () => connect(name, options)],
      ['spawnConnected', () => spawnConnected(process.execPath, [], options)],
      ['connectParent', () => connectParent(options)],
    ] as const) {
      assert.throws(create, (e: unknown) => e instanceof ChannelOptionsError && e.code === 'InvalidOption', `${factory} did not throw ChannelOptionsError`);
    }
    assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`));
  });
}

test('the message names the option and the value', () => {
  try {
    listen(uniqueName(), { ringCapacity: 3000 });
    assert.unreachable('no error');
  } catch (e) {
    assert.instance(e, ChannelOptionsError);
    assert.match((e as Error).message, 'ringCapacity=3000');
  }
});

const badNames: [string, string][] = [
  ['empty', ''],
  ["with '/'", 'a/b'],
  ['300 characters', 'x'.repeat(300)],
  [`${MAX_CHANNEL_NAME_BYTES + 1} UTF-8 bytes`, 'é'.repeat(MAX_CHANNEL_NAME_BYTES / 2) + 'x'],
  ['with NUL', 'a\u0000b'],
  ['with a control character', 'a\nb'],
];

for (const [what, name] of badNames) {
  test(`ChannelOptionsError at creation for a bad name: ${what}`, () => {
    assert.throws(() => listen(name), (e: unknown) => e instanceof ChannelOptionsError);
    assert.throws(() => connect(name), (e: unknown) => e instanceof ChannelOptionsError);
  });
}

test(`a name of exactly ${MAX_CHANNEL_NAME_BYTES} bytes is fine`, () => {
  listen('n'.repeat(MAX_CHANNEL_NAME_BYTES));
  connect('n'.repeat(MAX_CHANNEL_NAME_BYTES));
});

test('spawnConnected: an empty command throws ChannelOptionsError', () => {
  assert.throws(() => spawnConnected(''), (e: unknown) => e instanceof ChannelOptionsError);
});

test('good options create nothing until subscribe (cold)', () => {
  const name = uniqueName();
  listen(name, { ringCapacity: 1024, maxMessage: 100, overflow: 'reject', wait: { spinMicros: 0, pollMicros: 0 }, receive: 'borrow', highWaterMark: 0, timeout: 0 });
  connect(name, { overflow: 'drop-oldest' });
  assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`));
  assert.is(DEFAULT_RING_CAPACITY, 2 * 1024 * 1024);
  assert.is(DEFAULT_MAX_MESSAGE, 64 * 1024);
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(leftovers(), []);
});

test.run();
