import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { struct } from '../../src/codecs/struct.js';
import { array } from '../../src/codecs/array.js';
import { bool, f32, f64, i16, i32, i64, i8, u16, u32, u64, u8 } from '../../src/codecs/fields.js';
import { fixedBytes } from '../../src/codecs/fixedBytes.js';
import { fixedUtf8 } from '../../src/codecs/fixedUtf8.js';
import { optional } from '../../src/codecs/optional.js';
import { utf8 } from '../../src/codecs/utf8.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const Point = struct({ x: f64, y: f64 });
const Everything = struct({
  a: u8,
  b: u16,
  c: u32,
  d: i8,
  e: i16,
  f: i32,
  g: f32,
  h: f64,
  i: u64,
  j: i64,
  k: bool,
  name: fixedUtf8(6),
  raw: fixedBytes(2),
  list: array(i16, 2),
  at: Point,
  maybe: optional(u16),
});

test('size and offsets are precomputed, packed in key order', () => {
  assert.is(Point.size, 16);
  assert.equal(Point.offsets, { x: 0, y: 8 });
  assert.is(Everything.size, 1 + 2 + 4 + 1 + 2 + 4 + 4 + 8 + 8 + 8 + 1 + 6 + 2 + 4 + 16 + 3);
  assert.is(Everything.offsets.maybe, Everything.size - 3);
  assert.is(Point.name, '{ x: f64, y: f64 }');
  assert.is(struct({ x: u8 }, 'X').name, 'X');
});

test('round trip of every field kind, extremes, at a non-zero byteOffset', () => {
  const value = {
    a: 255,
    b: 65535,
    c: 2 ** 32 - 1,
    d: -128,
    e: -32768,
    f: -(2 ** 31),
    g: -Infinity,
    h: -0,
    i: 2n ** 64n - 1n,
    j: -(2n ** 63n),
    k: true,
    name: 'ab€d',
    raw: u8a(1, 2),
    list: [-1, 32767],
    at: { x: NaN, y: Infinity },
    maybe: 9,
  };
  assert.ok(Everything.is(value));
  const decoded = right(Everything.decode(offsetView(Everything.encode(value))));
  assert.equal({ ...decoded, raw: Array.from(decoded.raw) }, { ...value, raw: [1, 2] });
  assert.ok(Object.is(decoded.h, -0));
  const absent = right(Everything.decode(Everything.encode({ ...value, maybe: undefined })));
  assert.is(absent.maybe, undefined);
});

test('optional fields are optional keys', () => {
  const Order = struct({ qty: u32, limit: optional(f64) });
  const o: { qty: number; limit?: number } = { qty: 1 };
  assert.ok(Order.is(o));
  assert.equal(right(Order.decode(Order.encode(o))), { qty: 1, limit: undefined });
});

test('is rejects a bad field, a missing field, non-objects', () => {
  assert.not.ok(Point.is({ x: 1 }) || Point.is({ x: 1, y: '2' }) || Point.is(null) || Point.is(1));
  assert.ok(Point.is({ x: 1, y: 2, extra: true }));
});

test('decode failures: wrong length; every bad field with its path and offset', () => {
  assert.equal(leftLines(Point.decode(new Uint8Array(15))), [
    '<root>: expected 16 bytes for { x: f64, y: f64 }, got 15',
  ]);
  const Nested = struct({ id: u8, flags: struct({ on: bool, off: bool }), names: array(fixedUtf8(2), 2) });
  assert.equal(leftLines(Nested.decode(u8a(1, 1, 7, 0x61, 0, 0xff, 0))), [
    '.flags.off: expected a bool byte (0 or 1), got 0x07 at offset 2',
    '.names[1]: invalid UTF-8 at byte 0 of fixedUtf8(2) at offset 5',
  ]);
});

test('construction errors', () => {
  assert.throws(() => struct({ 1: u8 }), /integer-like field names are reordered by JavaScript, key=1/);
  assert.throws(() => struct(JSON.parse('{"__proto__": 1}')), /cannot be named __proto__/);
  const odd = struct({ 'a"b': u8, 'c\\nd': u8 });
  assert.equal(right(odd.decode(u8a(1, 2))), { 'a"b': 1, 'c\\nd': 2 });
  assert.throws(() => struct({ s: utf8 as never }), /field is not a fixed-size field codec, key=s, codec=utf8/);
});

test('encode writes every byte (no stale bytes from a reused buffer)', () => {
  const S = struct({ s: fixedUtf8(4), m: optional(u16) });
  const view = new DataView(new Uint8Array(7).fill(0xff).buffer);
  S.write(view, 0, { s: 'a' });
  assert.equal(Array.from(new Uint8Array(view.buffer)), [0x61, 0, 0, 0, 0, 0, 0]);
});

test.run();
