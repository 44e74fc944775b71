import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeUtf8, utf8ErrorOffset, utf8Length, writeUtf8 } from '../../../src/codecs/internal/utf8.js';
import { prngFloat } from '../../helpers/random.js';

test('utf8Length and writeUtf8 agree with TextEncoder on well-formed strings', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b€c\u07ff\u0800\uffff', '\u{10ffff}']) {
    const expected = new TextEncoder().encode(s);
    assert.is(utf8Length(s), expected.length, s);
    const out = new Uint8Array(expected.length);
    assert.is(writeUtf8(new DataView(out.buffer), 0, s), expected.length);
    assert.equal(out, expected);
  }
  assert.is(utf8Length('\ud800'), -1);
  assert.is(utf8Length('\udc00a'), -1);
  assert.is(utf8Length('a\ud800b'), -1);
});

test('utf8ErrorOffset agrees with a fatal TextDecoder on random bytes', () => {
  const seed = 0x5eed;
  const random = prngFloat(seed);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // Bias towards the interesting bytes (leads and continuations) so most inputs are near-valid.
  const pool = [
    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbd, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
    0xff,
  ];
  for (let n = 0; n < 20000; n++) {
    const bytes = new Uint8Array(Math.floor(random() * 8));
    for (let i = 0; i < bytes.length; i++) bytes[i] = pool[Math.floor(random() * pool.length)]!;
    let expected: string | undefined;
    try {
      expected = decoder.decode(bytes);
    } catch {
      expected = undefined;
    }
    if ((utf8ErrorOffset(bytes) === -1) !== (expected !== undefined) || decodeUtf8(bytes) !== expected) {
      assert.unreachable(`seed=${seed} bytes=${Array.from(bytes)}`);
    }
  }
});

test('decodeUtf8: a genuine U+FFFD is kept, a replacement is refused', () => {
  assert.is(decodeUtf8(Uint8Array.from([0x61, 0xef, 0xbf, 0xbd])), 'a\ufffd');
  assert.is(decodeUtf8(Uint8Array.from([0x61, 0xff])), undefined);
  assert.is(decodeUtf8(Uint8Array.from([0xef, 0xbf, 0xbd, 0xff])), undefined);
  assert.is(decodeUtf8(new Uint8Array(0)), '');
});

test.run();
