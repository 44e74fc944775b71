import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixedUtf8 } from '../../src/codecs/fixedUtf8.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const name8 = fixedUtf8(8);

test('round trips: empty, short, exactly max, multi-byte at the boundary, long non-ASCII', () => {
  for (const s of ['', 'a', 'EURUSD', '12345678', 'héllo', 'ab€def', 'abcd😀', '€€']) {
    assert.ok(name8.is(s), s);
    const bytes = name8.encode(s);
    assert.is(bytes.length, 8);
    assert.is(right(name8.decode(offsetView(bytes))), s);
  }
  const long = fixedUtf8(100);
  const s = 'ÄÖÜ'.repeat(16);
  assert.is(right(long.decode(long.encode(s))), s);
  const ascii = 'x'.repeat(100);
  assert.is(right(long.decode(long.encode(ascii))), ascii);
});

test('NUL padding on encode', () => {
  assert.equal(Array.from(name8.encode('ab')), [0x61, 0x62, 0, 0, 0, 0, 0, 0]);
});

test('is: too long (in bytes), NUL, lone surrogate, non-string', () => {
  assert.not.ok(name8.is('123456789'));
  assert.not.ok(name8.is('1234567€')); // 10 bytes
  assert.not.ok(name8.is('abcde😀')); // 9 bytes: the 4-byte char crosses the boundary
  assert.not.ok(name8.is('a\0b'));
  assert.not.ok(name8.is('\ud800'));
  assert.not.ok(name8.is(8));
});

test('decode failures: bytes after the terminator, invalid UTF-8, wrong length', () => {
  assert.equal(leftLines(name8.decode(u8a(0x61, 0, 0x62, 0, 0, 0, 0, 0))), [
    '<root>: non-NUL byte after the NUL terminator at byte 2 of fixedUtf8(8) at offset 0',
  ]);
  assert.equal(leftLines(name8.decode(u8a(0x61, 0xe2, 0x82, 0, 0, 0, 0, 0))), [
    '<root>: invalid UTF-8 at byte 1 of fixedUtf8(8) at offset 0',
  ]);
  assert.equal(leftLines(name8.decode(u8a(0x61))), ['<root>: expected 8 bytes for fixedUtf8(8), got 1']);
});

test('construction: bad length throws', () => {
  assert.throws(() => fixedUtf8(0), /fixedUtf8: length must be a positive integer, n=0/);
  assert.throws(() => fixedUtf8(1.5), /n=1.5/);
});

test.run();
