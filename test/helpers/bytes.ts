/** Byte-level helpers: literal bytes, views at an offset, and u32 little-endian values as the wire carries them. */

/** Bytes from a list of numbers. */
export function u8a(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A copy of `bytes` placed at `offset` inside a larger buffer, to prove `byteOffset` is honoured. */
export function offsetView(bytes: Uint8Array, offset = 5): Uint8Array {
  const backing = new Uint8Array(offset + bytes.length + 3).fill(0xee);
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

/** The u32 little-endian at `offset` in `bytes`. */
export const u32At = (bytes: Uint8Array, offset = 0): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);

/** Four bytes holding `n` as a u32 little-endian. */
export const u32Bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
