/**
 * Scalar field codecs for `struct`: integers of every width, floats, 64-bit bigints and bools. Little-endian.
 *
 * `is` carries the range checks (io-ts `encode` cannot fail): a u8 is an integer in [0, 255], a u64 a bigint in
 * [0, 2^64-1]. `-0` is an integer, so it passes as an int and decodes as `0`. Floats accept every number; `f32`
 * rounds to the nearest float32 (NaN, ±Infinity and -0 survive), so its round trip is exact only for float32 values.
 */
import { fieldType, INVALID, type FieldC } from './FieldC.js';

function int(
  name: string,
  size: number,
  min: number,
  max: number,
  read: FieldC<number>['read'],
  write: FieldC<number>['write'],
): FieldC<number> {
  const is = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max;
  return fieldType<number>({ name, size, is, read, write });
}

/** Unsigned 8-bit integer. @example `struct({ side: u8 })` */
export const u8: FieldC<number> = int(
  'u8',
  1,
  0,
  0xff,
  (v, o) => v.getUint8(o),
  (v, o, a) => v.setUint8(o, a),
);
/** Unsigned 16-bit integer. @example `struct({ port: u16 })` */
export const u16: FieldC<number> = int(
  'u16',
  2,
  0,
  0xffff,
  (v, o) => v.getUint16(o, true),
  (v, o, a) => v.setUint16(o, a, true),
);
/** Unsigned 32-bit integer. @example `struct({ seq: u32 })` */
export const u32: FieldC<number> = int(
  'u32',
  4,
  0,
  0xffffffff,
  (v, o) => v.getUint32(o, true),
  (v, o, a) => v.setUint32(o, a, true),
);
/** Signed 8-bit integer. @example `struct({ delta: i8 })` */
export const i8: FieldC<number> = int(
  'i8',
  1,
  -0x80,
  0x7f,
  (v, o) => v.getInt8(o),
  (v, o, a) => v.setInt8(o, a),
);
/** Signed 16-bit integer. @example `struct({ temperature: i16 })` */
export const i16: FieldC<number> = int(
  'i16',
  2,
  -0x8000,
  0x7fff,
  (v, o) => v.getInt16(o, true),
  (v, o, a) => v.setInt16(o, a, true),
);
/** Signed 32-bit integer. @example `struct({ offset: i32 })` */
export const i32: FieldC<number> = int(
  'i32',
  4,
  -0x80000000,
  0x7fffffff,
  (v, o) => v.getInt32(o, true),
  (v, o, a) => v.setInt32(o, a, true),
);

const isNumber = (u: unknown): u is number => typeof u === 'number';

/** IEEE 754 single precision; rounds on encode (see the module header). @example `struct({ bid: f32 })` */
export const f32: FieldC<number> = fieldType<number>({
  name: 'f32',
  size: 4,
  is: isNumber,
  read: (v, o) => v.getFloat32(o, true),
  write: (v, o, a) => v.setFloat32(o, a, true),
});

/** IEEE 754 double precision; exact round trip of every number, -0 and NaN included. @example `struct({ price: f64 })` */
export const f64: FieldC<number> = fieldType<number>({
  name: 'f64',
  size: 8,
  is: isNumber,
  read: (v, o) => v.getFloat64(o, true),
  write: (v, o, a) => v.setFloat64(o, a, true),
});

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Unsigned 64-bit integer as a `bigint` in [0, 2^64-1]. @example `struct({ id: u64 })` */
export const u64: FieldC<bigint> = fieldType<bigint>({
  name: 'u64',
  size: 8,
  is: (u): u is bigint => typeof u === 'bigint' && u >= 0n && u <= U64_MAX,
  read: (v, o) => v.getBigUint64(o, true),
  write: (v, o, a) => v.setBigUint64(o, a, true),
});

/** Signed 64-bit integer as a `bigint` in [-2^63, 2^63-1]. @example `struct({ nanos: i64 })` */
export const i64: FieldC<bigint> = fieldType<bigint>({
  name: 'i64',
  size: 8,
  is: (u): u is bigint => typeof u === 'bigint' && u >= I64_MIN && u <= I64_MAX,
  read: (v, o) => v.getBigInt64(o, true),
  write: (v, o, a) => v.setBigInt64(o, a, true),
});

/** A boolean as one byte, 0 or 1; any other byte fails to decode. @example `struct({ active: bool })` */
export const bool: FieldC<boolean> = fieldType<boolean>({
  name: 'bool',
  size: 1,
  is: (u): u is boolean => typeof u === 'boolean',
  read: (v, o) => {
    const b = v.getUint8(o);
    return b === 1 ? true : b === 0 ? false : INVALID;
  },
  write: (v, o, a) => v.setUint8(o, a ? 1 : 0),
  describe: (v, o) => `expected a bool byte (0 or 1), got 0x${v.getUint8(o).toString(16).padStart(2, '0')}`,
});
