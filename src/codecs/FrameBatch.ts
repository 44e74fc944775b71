/**
 * The payload of a Batch frame (docs/LAYOUT.md section 6, "Batch frames"): Data messages packed one after another,
 * each as an entry `[LENGTH u32 LE | reserved u32 | LENGTH bytes | zero to 7 bytes to the next multiple of 8]`.
 * Entries start 8-byte aligned in shared memory (the frame's payload does, and every entry is a multiple of 8 long),
 * so each message keeps the alignment guarantee of a Data payload.
 *
 * A Batch payload comes from another process: `batchViolation` checks every entry before anything is delivered, so
 * a malformed batch is refused whole, never half-delivered.
 */

/** Length of an entry's header (LENGTH and a reserved word, written 0 and ignored on read). */
export const BATCH_ENTRY_HEADER_LENGTH = 8;

/** Most entries one Batch frame may carry (rxshm's sender packs at most 1024: 8 KiB of empty messages). */
export const BATCH_MAX_ENTRIES = 4096;

/** Bytes one entry of a `length`-byte message takes in a Batch payload (header, message, padding). */
export function batchEntryLength(length: number): number {
  return (BATCH_ENTRY_HEADER_LENGTH + length + 7) & ~7;
}

/**
 * The first rule the Batch payload at `view[at, at + length)` breaks, or `undefined`: at least one entry and at most
 * BATCH_MAX_ENTRIES; each entry's header and message inside the payload; the last entry's padding ending exactly at
 * the payload's end. With `sizes`, the entries' lengths as read and checked (cleared first): a receiver delivers from
 * these, never reading a length from shared memory twice (the peer may rewrite it in between).
 *
 * @example
 * ```ts
 * batchViolation(new DataView(new ArrayBuffer(8)), 0, 0); // 'Batch frame must carry at least one message'
 * ```
 */
export function batchViolation(view: DataView, at: number, length: number, sizes?: number[]): string | undefined {
  if (sizes) sizes.length = 0;
  if (length === 0) return 'Batch frame must carry at least one message';
  let offset = 0;
  for (let entries = 0; offset < length; entries++) {
    if (entries === BATCH_MAX_ENTRIES) return tooManyEntries(length);
    if (length - offset < BATCH_ENTRY_HEADER_LENGTH) return entryCut(offset, length);
    const size = view.getUint32(at + offset, true);
    if (size > length - offset - BATCH_ENTRY_HEADER_LENGTH) return entryTooLong(offset, size, length);
    sizes?.push(size);
    offset += batchEntryLength(size);
  }
  return offset === length ? undefined : paddingCut(offset, length);
}

// Messages are built outside the check: a template literal inside a hot function had V8 convert its numbers to
// strings on every call, thrown or not (see layout/ring-view.ts).

function tooManyEntries(length: number): string {
  return `Batch frame with more than ${BATCH_MAX_ENTRIES} entries: payload length=${length}`;
}

function entryCut(offset: number, length: number): string {
  return `Batch entry header cut short: entry at payload byte ${offset}, payload length=${length}`;
}

function entryTooLong(offset: number, size: number, length: number): string {
  return `Batch entry longer than its frame: entry at payload byte ${offset}, length=${size}, payload length=${length}`;
}

function paddingCut(offset: number, length: number): string {
  return `Batch entry padding cut short: entries end at payload byte ${offset}, payload length=${length}`;
}
