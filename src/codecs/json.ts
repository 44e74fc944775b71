/**
 * A whole payload as UTF-8 JSON, validated by an io-ts type on decode.
 *
 * Decode: fatal UTF-8 (failure names the byte offset), then `JSON.parse` (failure carries its message), then
 * `type.validate` (failures carry io-ts paths, e.g. `json(Order)/price: number`). Encode: `type.encode`, then
 * `JSON.stringify`, then UTF-8. `is` is the inner type's `is`; values must also be JSON-representable (no bigint,
 * no cycles, no top-level `undefined`): `encode` throws a `TypeError` for those, and the `encode` operator turns that
 * into an `EncodeError`. JSON itself maps NaN and ±Infinity to null.
 */
import * as t from 'io-ts';
import { failAt, notBytes } from './internal/context.js';
import { decodeUtf8, encoder, utf8ErrorOffset } from './internal/utf8.js';

/** The type of `json(type)`. */
export interface JsonC<C extends t.Any> extends t.Type<t.TypeOf<C>, Uint8Array, Uint8Array> {
  /** The inner io-ts type. */
  readonly type: C;
}

/**
 * JSON codec over `type`.
 *
 * @example
 * ```ts
 * const Order = t.type({ id: t.string, price: t.number });
 * const OrderJson = json(Order);
 * OrderJson.decode(OrderJson.encode({ id: 'a', price: 1 })); // Right({ id: 'a', price: 1 })
 * ```
 */
export function json<C extends t.Any>(type: C, name = `json(${type.name})`): JsonC<C> {
  const codec = new t.Type<t.TypeOf<C>, Uint8Array, Uint8Array>(
    name,
    (u): u is t.TypeOf<C> => type.is(u),
    (input, context) => {
      if (!(input instanceof Uint8Array)) return notBytes(input, context);
      const text = decodeUtf8(input);
      if (text === undefined) return failAt(input, context, `invalid UTF-8 at byte ${utf8ErrorOffset(input)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return failAt(input, context, `invalid JSON: ${(e as Error).message}`);
      }
      return type.validate(parsed, context);
    },
    (a) => {
      const text: string | undefined = JSON.stringify(type.encode(a));
      if (text === undefined) throw new TypeError(`${name}: value has no JSON representation`);
      return encoder.encode(text);
    },
  );
  return Object.assign(codec, { type });
}
