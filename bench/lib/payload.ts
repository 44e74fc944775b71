/**
 * Deterministic payloads: every contender sends the very same bytes for a given size, and a peer can
 * verify them. bench/c/pingpong.c fills its buffer with the same formula.
 */
const cache = new Map<number, Uint8Array>();

export function payload(size: number): Uint8Array {
  let bytes = cache.get(size);
  if (!bytes) {
    bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) & 0xff;
    cache.set(size, bytes);
  }
  return bytes;
}

/** True when `bytes` equals payload(bytes.length). */
export function isPayload(bytes: Uint8Array): boolean {
  const expected = payload(bytes.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(expected);
}

/** Human size: 8 B, 1 KiB, 64 KiB. */
export function sizeLabel(size: number): string {
  if (size >= 1 << 20 && size % (1 << 20) === 0) return `${size >> 20} MiB`;
  if (size >= 1024 && size % 1024 === 0) return `${size >> 10} KiB`;
  return `${size} B`;
}
