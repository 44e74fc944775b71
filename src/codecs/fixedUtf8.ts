/**
 * A string in a fixed number of bytes: UTF-8, NUL-padded on the right (C `char name[n]` style).
 *
 * Canonical form, so a hostile peer cannot smuggle data past the terminator: the bytes after the first NUL must all
 * be NUL, and the content must be valid UTF-8. On the A side a string is valid when it has no U+0000 (it would read
 * back truncated), no lone surrogate, and at most `n` UTF-8 bytes; exactly `n` bytes (no terminator) is allowed.
 */
import { fieldType, INVALID, type FieldC } from './FieldC.js';
import { decodeUtf8, utf8ErrorOffset, utf8Length, writeUtf8 } from './internal/utf8.js';

/** Up to this many ASCII bytes are decoded by a loop instead of a `TextDecoder` call (cheaper for short names). */
const ASCII_LOOP_MAX = 32;

/** The content length: bytes before the first NUL. */
function contentLength(view: DataView, byteOffset: number, n: number): number {
  for (let i = 0; i < n; i++) if (view.getUint8(byteOffset + i) === 0) return i;
  return n;
}

/**
 * A NUL-padded UTF-8 string field of exactly `n` bytes.
 *
 * @example
 * ```ts
 * const Quote = struct({ symbol: fixedUtf8(8), price: f64 });
 * Quote.encode({ symbol: 'EURUSD', price: 1.08 }); // 16 bytes: "EURUSD\0\0" + f64
 * ```
 */
export function fixedUtf8(n: number): FieldC<string> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`fixedUtf8: length must be a positive integer, n=${n}`);
  const is = (u: unknown): u is string => {
    if (typeof u !== 'string' || u.indexOf('\0') !== -1) return false;
    const length = utf8Length(u);
    return length >= 0 && length <= n;
  };
  const read = (view: DataView, byteOffset: number): string | typeof INVALID => {
    const length = contentLength(view, byteOffset, n);
    for (let i = length + 1; i < n; i++) if (view.getUint8(byteOffset + i) !== 0) return INVALID;
    if (length <= ASCII_LOOP_MAX) {
      let s = '';
      let i = 0;
      for (; i < length; i++) {
        const b = view.getUint8(byteOffset + i);
        if (b >= 0x80) break;
        s += String.fromCharCode(b);
      }
      if (i === length) return s;
    }
    const bytes = new Uint8Array(view.buffer, view.byteOffset + byteOffset, length);
    return decodeUtf8(bytes) ?? INVALID;
  };
  const write = (view: DataView, byteOffset: number, a: string): void => {
    const written = writeUtf8(view, byteOffset, a);
    // Zero the tail: the target may be a reused buffer, and the padding is part of the canonical form.
    for (let i = written; i < n; i++) view.setUint8(byteOffset + i, 0);
  };
  const describe = (view: DataView, byteOffset: number): string => {
    const length = contentLength(view, byteOffset, n);
    for (let i = length + 1; i < n; i++) {
      if (view.getUint8(byteOffset + i) !== 0)
        return `non-NUL byte after the NUL terminator at byte ${i} of fixedUtf8(${n})`;
    }
    const bytes = new Uint8Array(view.buffer, view.byteOffset + byteOffset, length);
    return `invalid UTF-8 at byte ${utf8ErrorOffset(bytes)} of fixedUtf8(${n})`;
  };
  return fieldType<string>({ name: `fixedUtf8(${n})`, size: n, is, read, write, describe });
}
