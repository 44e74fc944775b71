/**
 * The building block of binary structs: a codec of a fixed byte size that can also read and write itself at an
 * offset inside a larger buffer, so a struct lays out its fields once (offsets precomputed at construction) and
 * then encodes or decodes without allocating per field.
 *
 * Every field codec is a full `t.Type<A, Uint8Array, Uint8Array>` too: `u32.decode(bytes)` works on a 4-byte input.
 */
import * as t from 'io-ts';
import { errorAt, failAt, notBytes } from './internal/context.js';

/**
 * Returned by `FieldC.read` when the bytes are not a valid value. A sentinel rather than an `Either`, so the
 * success path allocates nothing; the failure path then calls `explain` for the detailed errors.
 */
export const INVALID: unique symbol = Symbol('rxshm.codecs.INVALID');

/**
 * A fixed-size binary codec (see the module header). Little-endian always.
 *
 * Contract: `write` assumes `is(a)` (it does not check, like io-ts `encode`); `read` never throws and returns
 * `INVALID` for bytes that are not an encoding of a valid value; `explain` is called only after `read` returned
 * `INVALID` at the same place and returns at least one error.
 *
 * @example
 * ```ts
 * const view = new DataView(buffer);
 * u32.write(view, 8, 42);
 * u32.read(view, 8); // 42
 * ```
 */
export interface FieldC<A> extends t.Type<A, Uint8Array, Uint8Array> {
  /** Size in bytes of the encoding. */
  readonly size: number;
  read(view: DataView, byteOffset: number): A | typeof INVALID;
  write(view: DataView, byteOffset: number, a: A): void;
  explain(view: DataView, byteOffset: number, context: t.Context): t.Errors;
}

/** What `fieldType` needs to build a `FieldC`. */
export interface FieldSpec<A> {
  readonly name: string;
  readonly size: number;
  readonly is: t.Is<A>;
  readonly read: (view: DataView, byteOffset: number) => A | typeof INVALID;
  readonly write: (view: DataView, byteOffset: number, a: A) => void;
  /** Says what is wrong with the bytes at `byteOffset`, for fields whose `read` can fail. */
  readonly describe?: (view: DataView, byteOffset: number) => string;
  /** Replaces the default single-error `explain` (used by composite fields that report per sub-field). */
  readonly explain?: (view: DataView, byteOffset: number, context: t.Context) => t.Errors;
}

/**
 * Builds a `FieldC` from its layout functions; `validate` checks the exact length, `encode` allocates exactly
 * `size` bytes (the only allocation).
 *
 * @example
 * ```ts
 * const u24 = fieldType<number>({
 *   name: 'u24', size: 3,
 *   is: (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < 2 ** 24,
 *   read: (v, o) => v.getUint16(o, true) | (v.getUint8(o + 2) << 16),
 *   write: (v, o, a) => { v.setUint16(o, a & 0xffff, true); v.setUint8(o + 2, a >>> 16); },
 * });
 * ```
 */
export function fieldType<A>(spec: FieldSpec<A>): FieldC<A> {
  const { name, size, is, read, write, describe } = spec;
  const explain =
    spec.explain ??
    ((view: DataView, byteOffset: number, context: t.Context): t.Errors => {
      const what = describe?.(view, byteOffset) ?? `invalid ${name}`;
      const value = new Uint8Array(view.buffer, view.byteOffset + byteOffset, size).slice();
      return [errorAt(value, context, `${what} at offset ${byteOffset}`)];
    });
  const validate = (input: Uint8Array, context: t.Context): t.Validation<A> => {
    if (!(input instanceof Uint8Array)) return notBytes(input, context);
    if (input.byteLength !== size)
      return failAt(input, context, `expected ${size} bytes for ${name}, got ${input.byteLength}`);
    const view = new DataView(input.buffer, input.byteOffset, size);
    const a = read(view, 0);
    return a === INVALID ? t.failures(explain(view, 0, context)) : t.success(a);
  };
  const encode = (a: A): Uint8Array => {
    const out = new Uint8Array(size);
    write(new DataView(out.buffer), 0, a);
    return out;
  };
  const type = new t.Type<A, Uint8Array, Uint8Array>(name, is, validate, encode);
  // io-ts `decode` builds a fresh root context per call; a fixed one saves an allocation on the hot path.
  const root: t.Context = [{ key: '', type }];
  return Object.assign(type, {
    size,
    read,
    write,
    explain,
    decode: (input: Uint8Array) => validate(input, root),
  });
}
