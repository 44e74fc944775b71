/**
 * A whole payload as a UTF-8 string. Decoding is fatal: invalid UTF-8 is a failure naming the byte offset, never
 * a U+FFFD substitution. A byte-order mark is kept as U+FEFF, so every valid input round-trips byte for byte.
 */
import * as t from 'io-ts';
import { failAt, notBytes } from './internal/context.js';
import { decodeUtf8, encoder, utf8ErrorOffset, utf8Length } from './internal/utf8.js';

/** The type of `utf8`. */
export interface Utf8C extends t.Type<string, Uint8Array, Uint8Array> {}

/**
 * UTF-8 text codec. On the A side a string is valid when it has no lone surrogate (which would not round-trip).
 *
 * @example
 * ```ts
 * utf8.encode('héllo'); // Uint8Array(6)
 * utf8.decode(new Uint8Array([0xff])); // Left: "<root>: invalid UTF-8 at byte 0"
 * ```
 */
export const utf8: Utf8C = new t.Type<string, Uint8Array, Uint8Array>(
  'utf8',
  (u): u is string => typeof u === 'string' && utf8Length(u) >= 0,
  (input, context) => {
    if (!(input instanceof Uint8Array)) return notBytes(input, context);
    const s = decodeUtf8(input);
    return s !== undefined ? t.success(s) : failAt(input, context, `invalid UTF-8 at byte ${utf8ErrorOffset(input)}`);
  },
  (s) => encoder.encode(s),
);
