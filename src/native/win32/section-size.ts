/**
 * A section's exact size, recorded by its creator in the section itself: Windows gives no reliable exact size of a
 * section to an opener (Wine's NtQuerySection reports a page-rounded size, up or down), and the channel layout needs
 * the exact size its creator asked for.
 *
 * Cross-process invariant relied on: this backend creates sections of a whole number of pages, so a view of the whole
 * section (MapViewOfFile with 0 bytes) spans exactly that many bytes in every process (VirtualQuery's RegionSize),
 * and the creator and every opener find the record at the same place: the last {@link SIZE_RECORD_BYTES} bytes
 * (`'RXSZ'` as u32 LE, 0, then the size as u64 LE), past the `size` bytes a segment exposes. Shared memory is
 * untrusted: a record that is absent (a section a native peer created) or impossible (larger than the view before it)
 * is ignored, and the view's size is the size.
 */
import { addressOf, kernel32, viewOf, type Handle } from './kernel32.js';

/** Bytes of the size record at the end of every section this backend creates. */
export const SIZE_RECORD_BYTES = 16;
const SIZE_RECORD_MAGIC = 0x5a535852; // 'RXSZ'
/** The page size of every Windows x64 and arm64 system. */
const PAGE = 4096;

/** The bytes of a section holding `size` bytes and the size record: whole pages. */
export function sectionBytesFor(size: number): number {
  return Math.ceil((size + SIZE_RECORD_BYTES) / PAGE) * PAGE;
}

/** Writes the size record of a new section mapped whole at `address` (`viewBytes` bytes). */
export function writeSizeRecord(address: bigint, viewBytes: number, size: number): void {
  const record = new DataView(viewOf(address + BigInt(viewBytes - SIZE_RECORD_BYTES), SIZE_RECORD_BYTES));
  record.setUint32(0, SIZE_RECORD_MAGIC, true);
  record.setBigUint64(8, BigInt(size), true);
}

/** The size a section mapped whole at `address` records, checked; `viewBytes` when it records none that fits. */
export function recordedSize(address: bigint, viewBytes: number): number {
  if (viewBytes < SIZE_RECORD_BYTES) return viewBytes;
  const record = new DataView(viewOf(address + BigInt(viewBytes - SIZE_RECORD_BYTES), SIZE_RECORD_BYTES));
  if (record.getUint32(0, true) !== SIZE_RECORD_MAGIC) return viewBytes;
  const size = record.getBigUint64(8, true);
  return size > 0n && size <= BigInt(viewBytes - SIZE_RECORD_BYTES) ? Number(size) : viewBytes;
}

/**
 * Maps the whole of `section` with `access`: the view, its address and its size in bytes (VirtualQuery), or address
 * 0n when MapViewOfFile failed (GetLastError says why).
 */
export function mapWhole(section: Handle, access: number): { view: Handle; address: bigint; bytes: number } {
  const k = kernel32();
  const view = k.MapViewOfFile(section, access, 0, 0, 0);
  const address = addressOf(view);
  if (address === 0n) return { view, address, bytes: 0 };
  // MEMORY_BASIC_INFORMATION (x64): BaseAddress, AllocationBase, AllocationProtect + PartitionId, RegionSize at 24.
  const info = Buffer.alloc(48);
  const bytes = k.VirtualQuery(view, info, info.length) === info.length ? Number(info.readBigUInt64LE(24)) : 0;
  return { view, address, bytes };
}
