/**
 * An optional field of fixed size: a presence byte (0 absent, 1 present; anything else fails) then the field's
 * bytes, which are zero when absent. The size is the same either way, so struct offsets stay constant.
 */
import { fieldType, INVALID, type FieldC } from './FieldC.js';
import { errorAt } from './internal/context.js';

/** A `FieldC` of `A | undefined`; `struct` makes its key optional. */
export interface OptionalC<A> extends FieldC<A | undefined> {
  /** The present-value codec. */
  readonly field: FieldC<A>;
  /** Marks the codec as optional for `struct`'s type. */
  readonly optional: true;
}

/**
 * Makes `field` optional: `undefined` encodes as a 0 presence byte and zero bytes.
 *
 * @example
 * ```ts
 * const Order = struct({ qty: u32, limit: optional(f64) }); // size 4 + 1 + 8
 * Order.encode({ qty: 5 }); // limit absent
 * ```
 */
export function optional<A>(field: FieldC<A>): OptionalC<A> {
  const base = fieldType<A | undefined>({
    name: `optional(${field.name})`,
    size: 1 + field.size,
    is: (u): u is A | undefined => u === undefined || field.is(u),
    read: (view, byteOffset) => {
      const flag = view.getUint8(byteOffset);
      return flag === 0 ? undefined : flag === 1 ? field.read(view, byteOffset + 1) : INVALID;
    },
    write: (view, byteOffset, a) => {
      if (a === undefined) {
        // Zero the whole slot: the target may be a reused buffer, and zeros are the canonical absent form.
        for (let i = 0; i <= field.size; i++) view.setUint8(byteOffset + i, 0);
      } else {
        view.setUint8(byteOffset, 1);
        field.write(view, byteOffset + 1, a);
      }
    },
    explain: (view, byteOffset, context) => {
      const flag = view.getUint8(byteOffset);
      if (flag === 1) return field.explain(view, byteOffset + 1, context);
      const message = `expected a presence byte (0 or 1) at offset ${byteOffset}, got 0x${flag.toString(16).padStart(2, '0')}`;
      return [errorAt(flag, context, message)];
    },
  });
  return Object.assign(base, { field, optional: true as const });
}
