/**
 * UTF-8 helpers shared by the `utf8`, `json` and `fixedUtf8` codecs.
 *
 * They exist so that the struct hot path can measure, write and read short strings straight through a `DataView`
 * without allocating a temporary `Uint8Array`, and so that failure messages can name the offending byte offset
 * (a `TextDecoder` in fatal mode only says "invalid").
 */

/** One decoder for the module: a `TextDecoder` is stateless between non-streaming `decode` calls. */
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes well-formed UTF-8, or returns `undefined` for ill-formed input (like a fatal `TextDecoder`, which
 * throws instead: its error costs ~10 µs, a cost a peer sending garbage could impose at will). The native
 * lenient decode runs first; only when it produced U+FFFD does the byte scan decide whether that was a
 * replacement or a genuine U+FFFD, so well-formed input pays one `indexOf`.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  const s = lenientDecoder.decode(bytes);
  return s.indexOf('\ufffd') === -1 || utf8ErrorOffset(bytes) === -1 ? s : undefined;
}

/** One encoder for the module. */
export const encoder = new TextEncoder();

/**
 * The UTF-8 byte length of `s`, or -1 when `s` holds a lone surrogate (which `TextEncoder` would silently replace
 * by U+FFFD, so the string could not survive a round trip).
 */
export function utf8Length(s: string): number {
  let length = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return -1;
      length += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else length += 3;
  }
  return length;
}

/**
 * Writes the UTF-8 bytes of a well-formed `s` (see `utf8Length`) at `byteOffset`; returns the number of bytes written.
 * The caller has checked that they fit.
 */
export function writeUtf8(view: DataView, byteOffset: number, s: string): number {
  let o = byteOffset;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      view.setUint8(o++, c);
    } else if (c < 0x800) {
      view.setUint8(o++, 0xc0 | (c >> 6));
      view.setUint8(o++, 0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      view.setUint8(o++, 0xf0 | (c >> 18));
      view.setUint8(o++, 0x80 | ((c >> 12) & 0x3f));
      view.setUint8(o++, 0x80 | ((c >> 6) & 0x3f));
      view.setUint8(o++, 0x80 | (c & 0x3f));
    } else {
      view.setUint8(o++, 0xe0 | (c >> 12));
      view.setUint8(o++, 0x80 | ((c >> 6) & 0x3f));
      view.setUint8(o++, 0x80 | (c & 0x3f));
    }
  }
  return o - byteOffset;
}

/**
 * The offset (relative to `start`) of the first byte of the first ill-formed UTF-8 sequence in
 * `bytes[start, end)`, or -1 when the range is well-formed. Same acceptance as a fatal `TextDecoder`
 * (no overlongs, no surrogates, nothing above U+10FFFF).
 */
export function utf8ErrorOffset(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i - start;
    if (i + need >= end) return i - start; // truncated sequence
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return i - start;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i - start;
    }
    i += need + 1;
  }
  return -1;
}
