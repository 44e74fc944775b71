import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bool, f32, f64, i16, i32, i64, i8, u16, u32, u64, u8 } from '../../src/codecs/fields.js';
import type { FieldC } from '../../src/codecs/FieldC.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

/** Encode then decode (at a non-zero byteOffset), comparing with Object.is so -0 and NaN count. */
function roundTrip<A>(codec: FieldC<A>, a: A): A {
  assert.ok(codec.is(a), `${codec.name}.is(${String(a)})`);
  const bytes = codec.encode(a);
  assert.is(bytes.length, codec.size);
  return right(codec.decode(offsetView(bytes)));
}

const ints: [FieldC<number>, number, number][] = [
  [u8, 0, 0xff],
  [u16, 0, 0xffff],
  [u32, 0, 0xffffffff],
  [i8, -128, 127],
  [i16, -32768, 32767],
  [i32, -(2 ** 31), 2 ** 31 - 1],
];

test('ints: min, max, 0, 1 round-trip; sizes', () => {
  assert.equal(
    ints.map(([c]) => c.size),
    [1, 2, 4, 1, 2, 4],
  );
  for (const [codec, min, max] of ints)
    for (const v of [min, max, 0, 1]) assert.is(roundTrip(codec, v), v, `${codec.name} ${v}`);
});

test('ints: is rejects out of range, non-integers, NaN, Infinity, wrong types', () => {
  for (const [codec, min, max] of ints) {
    for (const bad of [min - 1, max + 1, 0.5, NaN, Infinity, -Infinity, '1', 1n, null, undefined]) {
      assert.not.ok(codec.is(bad), `${codec.name}.is(${String(bad)})`);
    }
  }
});

test('ints: -0 is valid and decodes as 0', () => {
  assert.ok(u8.is(-0));
  assert.ok(Object.is(roundTrip(i32, -0), 0));
});

test('ints: little-endian bytes', () => {
  assert.equal(Array.from(u32.encode(0x01020304)), [4, 3, 2, 1]);
  assert.equal(Array.from(i16.encode(-2)), [0xfe, 0xff]);
});

test('f64: exact for every special value', () => {
  for (const v of [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MAX_VALUE,
    0.1,
    Number.MAX_SAFE_INTEGER,
  ]) {
    assert.ok(Object.is(roundTrip(f64, v), v), `f64 ${v}`);
  }
});

test('f32: specials survive, other values round to float32', () => {
  for (const v of [0, -0, NaN, Infinity, -Infinity, 1.5, 3.4028234663852886e38])
    assert.ok(Object.is(roundTrip(f32, v), v), `f32 ${v}`);
  assert.is(roundTrip(f32, 0.1), Math.fround(0.1));
  assert.is(roundTrip(f32, 1e39), Infinity);
  assert.not.ok(f32.is('1') || f32.is(1n));
});

test('u64 and i64: extremes', () => {
  for (const v of [0n, 1n, 2n ** 64n - 1n, 2n ** 53n + 1n]) assert.is(roundTrip(u64, v), v);
  for (const v of [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n]) assert.is(roundTrip(i64, v), v);
  assert.equal(Array.from(u64.encode(2n ** 64n - 1n)), [255, 255, 255, 255, 255, 255, 255, 255]);
  for (const bad of [-1n, 2n ** 64n, 1, '1']) assert.not.ok(u64.is(bad), String(bad));
  for (const bad of [-(2n ** 63n) - 1n, 2n ** 63n, 0]) assert.not.ok(i64.is(bad), String(bad));
});

test('bool: 0 and 1 only', () => {
  assert.is(roundTrip(bool, true), true);
  assert.is(roundTrip(bool, false), false);
  assert.equal(Array.from(bool.encode(true)), [1]);
  assert.not.ok(bool.is(1));
  assert.equal(leftLines(bool.decode(u8a(2))), ['<root>: expected a bool byte (0 or 1), got 0x02 at offset 0']);
});

test('decode: wrong length', () => {
  assert.equal(leftLines(u32.decode(u8a(1, 2, 3))), ['<root>: expected 4 bytes for u32, got 3']);
  assert.equal(leftLines(f64.decode(new Uint8Array(9))), ['<root>: expected 8 bytes for f64, got 9']);
});

test.run();
