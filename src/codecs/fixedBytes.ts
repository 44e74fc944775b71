/**
 * Raw bytes of a fixed length inside a struct (hashes, ids, padding).
 *
 * Decoding copies: a decoded struct owns its data and never aliases the message buffer, which a ring may reuse
 * (unlike the whole-payload `bytes` codec, which is zero-copy).
 */
import { fieldType, type FieldC } from './FieldC.js';

/**
 * A field of exactly `n` raw bytes; the A side is a `Uint8Array` of length `n`.
 *
 * @example
 * ```ts
 * const Blob = struct({ sha256: fixedBytes(32), size: u32 });
 * ```
 */
export function fixedBytes(n: number): FieldC<Uint8Array> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`fixedBytes: length must be a positive integer, n=${n}`);
  return fieldType<Uint8Array>({
    name: `fixedBytes(${n})`,
    size: n,
    is: (u): u is Uint8Array => u instanceof Uint8Array && u.length === n,
    read: (view, byteOffset) => new Uint8Array(view.buffer, view.byteOffset + byteOffset, n).slice(),
    write: (view, byteOffset, a) => new Uint8Array(view.buffer, view.byteOffset + byteOffset, n).set(a),
  });
}
