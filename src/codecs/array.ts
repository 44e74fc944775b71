/**
 * A fixed-length array of one field codec, laid out back to back (no length prefix, no padding).
 */
import * as t from 'io-ts';
import { fieldType, INVALID, type FieldC } from './FieldC.js';

/** The type of `array(field, n)`: its element codec and length stay readable (EncodeError walks them). */
export interface ArrayC<A> extends FieldC<A[]> {
  /** The codec of each element. */
  readonly element: FieldC<A>;
  /** The number of elements. */
  readonly length: number;
}

/**
 * An array of exactly `n` elements of `field`; size `n * field.size`.
 *
 * @example
 * ```ts
 * const Levels = struct({ bids: array(f64, 5), asks: array(f64, 5) });
 * ```
 */
export function array<A>(field: FieldC<A>, n: number): ArrayC<A> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`array: length must be a positive integer, n=${n}`);
  const step = field.size;
  const base = fieldType<A[]>({
    name: `${field.name}[${n}]`,
    size: step * n,
    is: (u): u is A[] => {
      if (!Array.isArray(u) || u.length !== n) return false;
      for (let i = 0; i < n; i++) if (!field.is(u[i])) return false;
      return true;
    },
    read: (view, byteOffset) => {
      const out = new Array<A>(n);
      for (let i = 0; i < n; i++) {
        const a = field.read(view, byteOffset + i * step);
        if (a === INVALID) return INVALID;
        out[i] = a;
      }
      return out;
    },
    write: (view, byteOffset, a) => {
      for (let i = 0; i < n; i++) field.write(view, byteOffset + i * step, a[i]!);
    },
    explain: (view, byteOffset, context) => {
      const errors: t.ValidationError[] = [];
      for (let i = 0; i < n; i++) {
        const at = byteOffset + i * step;
        if (field.read(view, at) === INVALID)
          errors.push(...field.explain(view, at, t.appendContext(context, String(i), field)));
      }
      return errors;
    },
  });
  return Object.assign(base, { element: field, length: n });
}
