import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8 } from '../../src/codecs/utf8.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

test('round trips, empty and multi-byte, BOM kept', () => {
  for (const s of ['', 'a', 'héllo', '€', '😀', '\ufeffbom', '\0']) {
    assert.ok(utf8.is(s));
    assert.is(right(utf8.decode(offsetView(utf8.encode(s)))), s);
  }
  assert.equal(Array.from(utf8.encode('é')), [0xc3, 0xa9]);
});

test('is rejects lone surrogates and non-strings', () => {
  assert.not.ok(utf8.is('a\udc00') || utf8.is('\ud83d') || utf8.is(1) || utf8.is(null));
});

test('decode failures name the offset', () => {
  assert.equal(leftLines(utf8.decode(u8a(0x61, 0xff))), ['<root>: invalid UTF-8 at byte 1']);
  assert.equal(leftLines(utf8.decode(u8a(0xe2, 0x82))), ['<root>: invalid UTF-8 at byte 0']);
  assert.equal(leftLines(utf8.decode(u8a(0xed, 0xa0, 0x80))), ['<root>: invalid UTF-8 at byte 0']); // encoded surrogate
  assert.equal(leftLines(utf8.decode(u8a(0xc0, 0x80))), ['<root>: invalid UTF-8 at byte 0']); // overlong NUL
  assert.equal(leftLines(utf8.decode(null as never)), ['<root>: expected a Uint8Array, got null']);
});

test.run();
