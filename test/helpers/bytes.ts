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
