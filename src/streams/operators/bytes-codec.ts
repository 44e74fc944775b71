/**
 * `BytesCodec<A>`: the one type for "a codec between values of A and bytes". The `encode` operator, `typed` and the
 * method contracts (`defineMethod`, `implement`, `call`) take it; src/codecs makes them (`u32`, `utf8`, `struct(...)`,
 * `json(...)`). A type only: importing it loads nothing.
 */
import type * as t from 'io-ts';

/**
 * A codec between values of type A and bytes: `is` checks a value, `encode` turns a valid one into bytes, `decode`
 * validates bytes into a value (failures are values, never throws), `name` names it in errors.
 * @example
 * ```ts
 * const Tick: BytesCodec<{ seq: number; price: number }> = struct({ seq: u32, price: f64 });
 * defineMethod(1, Tick, Tick);
 * ```
 */
export type BytesCodec<A> = t.Type<A, Uint8Array, Uint8Array>;
