/**
 * Channel names: every bad name throws ChannelOptionsError when listen()/connect() is called, before subscribe;
 * every good one, up to exactly MAX_CHANNEL_NAME_BYTES (ASCII or multi-byte, short enough for a plain doorbell
 * address or hashed), works end to end: a real listen + connect pair exchanges a message each way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChannelOptionsError, connect, listen, MAX_CHANNEL_NAME_BYTES } from '../../src/index.js';
import { segmentName, validateChannelName } from '../../src/streams/channel/channel-name.js';
import { MAX_NAME_BYTES } from '../../src/native/names.js';
import { native } from '../../src/native/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { until } from '../helpers/waiting.js';

const test = suite('channel names');
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A unique name (so `shmLeft()` sees it) of exactly `bytes` UTF-8 bytes, filled with `fill` as far as it goes. */
function nameOf(bytes: number, fill: string): string {
  let name = `${channelName()}-`;
  while (utf8Bytes(name) + utf8Bytes(fill) <= bytes) name += fill;
  return name + 'x'.repeat(bytes - utf8Bytes(name));
}

const bad: [string, unknown][] = [
  ['empty', ''],
  ['.', '.'],
  ['..', '..'],
  ["with '/'", 'a/b'],
  ["only '/'", '/'],
  ['with NUL', 'a\u0000b'],
  ['with a C0 control character', 'a\nb'],
  ['with BEL', 'bell\u0007'],
  ['with DEL', 'del\u007f'],
  ['with U+0080 (C1)', 'c1\u0080'],
  ['with U+0085 (C1, NEL)', 'c1\u0085'],
  ['with U+009F (C1)', 'c1\u009f'],
  ['with a lone high surrogate', 'half\uD800'],
  ['with a lone low surrogate', '\uDC00half'],
  [`${MAX_CHANNEL_NAME_BYTES + 1} ASCII bytes`, 'x'.repeat(MAX_CHANNEL_NAME_BYTES + 1)],
  [
    `${MAX_CHANNEL_NAME_BYTES + 1} UTF-8 bytes, ${MAX_CHANNEL_NAME_BYTES / 2 + 1} characters`,
    'é'.repeat(MAX_CHANNEL_NAME_BYTES / 2) + 'x',
  ],
  [`${MAX_CHANNEL_NAME_BYTES + 2} UTF-8 bytes of 4-byte characters`, '😀'.repeat(MAX_CHANNEL_NAME_BYTES / 4) + 'xx'],
  ['300 characters', 'x'.repeat(300)],
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
];

for (const [what, name] of bad) {
  test(`ChannelOptionsError when listen()/connect() is called: ${what}`, () => {
    for (const create of [() => listen(name as string), () => connect(name as string)]) {
      assert.throws(
        create,
        (e: unknown) => e instanceof ChannelOptionsError && e.code === 'InvalidOption',
        String(create),
      );
    }
  });
}

test('the message names the name and the rule', () => {
  const message = (name: unknown): string => {
    try {
      validateChannelName(name as string);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.is(message('.'), 'invalid channel name ".": "." is a directory entry');
  assert.is(
    message('c1\u0085'),
    'invalid channel name "c1\u0085": it contains a control character or a lone surrogate',
  );
  assert.is(
    message('half\uD800'),
    'invalid channel name "half\\ud800": it contains a control character or a lone surrogate',
  );
  assert.is(message(null), 'invalid channel name: expected a string, got object');
  assert.is(
    message('x'.repeat(201)),
    `invalid channel name "${'x'.repeat(64)}"…: 201 UTF-8 bytes, at most ${MAX_CHANNEL_NAME_BYTES}`,
  );
});

test('accepted: printable names, non-ASCII, NBSP and other characters above the C1 range, emoji', () => {
  for (const name of [
    'x',
    'rxshm.chat-1',
    '...',
    '.hidden',
    'a b',
    'héllo',
    '\u00a0nbsp',
    'ÿ',
    '日本語',
    'emoji😀',
    'a\\b',
  ]) {
    validateChannelName(name);
  }
});

test(`the segment name of a ${MAX_CHANNEL_NAME_BYTES}-byte channel fits the native limit`, () => {
  assert.ok(utf8Bytes(segmentName('x'.repeat(MAX_CHANNEL_NAME_BYTES))) <= MAX_NAME_BYTES);
});

/** listen + connect in this process, one message each way; both sides must see the channel's name. */
async function exchange(name: string): Promise<void> {
  await watched(20_000, async (scope) => {
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const client = new Opened(connect(name, { timeout: 5000 }));
    scope.defer(() => client.close());
    const [s, c] = await Promise.all([server.connection(), client.connection()]);
    assert.is(s.channel, name);
    assert.is(c.channel, name);
    const atServer: number[] = [];
    const atClient: number[] = [];
    receive(s, (m) => atServer.push(...m));
    receive(c, (m) => atClient.push(...m));
    c.next(Uint8Array.of(1, 2, 3));
    s.next(Uint8Array.of(4, 5));
    await until(() => atServer.length === 3 && atClient.length === 2, 'a message each way');
    assert.equal(
      [atServer, atClient],
      [
        [1, 2, 3],
        [4, 5],
      ],
    );
    assert.ok(listening(native.doorbellPath(name)), 'the doorbell is bound at its exact length');
    assert.not.ok(existsSync(`/dev/shm/${segmentName(name)}`), 'nothing of the channel has a name in /dev/shm');
  });
  assert.not.ok(listening(native.doorbellPath(name)), 'the address is released after unsubscribe');
}

/** Whether a socket listens on the abstract `address` in /proc/net/unix (flag __SO_ACCEPTCON; NUL shown as '@'). */
const listening = (address: string): boolean =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .some((fields) => fields[3] === '00010000' && fields[7] === `@${address.slice(1)}`);

const good: [string, string][] = [
  [`exactly ${MAX_CHANNEL_NAME_BYTES} ASCII bytes (hashed doorbell address)`, nameOf(MAX_CHANNEL_NAME_BYTES, 'n')],
  [`exactly ${MAX_CHANNEL_NAME_BYTES} bytes of 2-byte characters`, nameOf(MAX_CHANNEL_NAME_BYTES, 'é')],
  [
    `exactly ${MAX_CHANNEL_NAME_BYTES} bytes of 3- and 4-byte characters`,
    nameOf(MAX_CHANNEL_NAME_BYTES - 40, '€') + '😀'.repeat(10),
  ],
  ['100 bytes: the longest plain doorbell address', nameOf(100, 'a')],
  ['101 bytes: the shortest hashed doorbell address', nameOf(101, 'a')],
];

for (const [what, name] of good) {
  test(`works end to end with a real listen + connect: ${what}`, async () => {
    assert.ok(utf8Bytes(name) <= MAX_CHANNEL_NAME_BYTES);
    await exchange(name);
  });
}

test('the exact lengths are what the titles say', () => {
  assert.equal(
    good.map(([, name]) => utf8Bytes(name)),
    [200, 200, 200, 100, 101],
  );
  assert.ok(good[1]![1].includes('é'.repeat(80)));
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
