/**
 * A whole payload as raw bytes.
 *
 * Zero-copy both ways: `decode` returns the input view itself and `encode` returns the value itself. The stream layer
 * delivers each received message as its own copy, so aliasing it is safe there; if you decode a view over live
 * shared memory yourself, `slice()` what you keep.
 */
import * as t from 'io-ts';
import { notBytes } from './internal/context.js';

/** The type of `bytes`. */
export interface BytesC extends t.Type<Uint8Array, Uint8Array, Uint8Array> {}

/**
 * Identity codec of `Uint8Array` payloads.
 *
 * @example
 * ```ts
 * connection.pipe(decode(bytes)); // Observable<Uint8Array>, no copy
 * ```
 */
export const bytes: BytesC = new t.Type<Uint8Array, Uint8Array, Uint8Array>(
  'bytes',
  (u): u is Uint8Array => u instanceof Uint8Array,
  (input, context) => (input instanceof Uint8Array ? t.success(input) : notBytes(input, context)),
  t.identity,
);
