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

/** Bytes one entry of a `length`-byte message takes in a Batch payload (header, message, padding). */
export function batchEntryLength(length: number): number {
  return (BATCH_ENTRY_HEADER_LENGTH + length + 7) & ~7;
}

/**
 * The first rule the Batch payload at `view[at, at + length)` breaks, or `undefined`: at least one entry; each
 * entry's header and message inside the payload; the last entry's padding ending exactly at the payload's end.
 *
 * @example
 * ```ts
 * batchViolation(new DataView(new ArrayBuffer(8)), 0, 0); // 'Batch frame must carry at least one message'
 * ```
 */
export function batchViolation(view: DataView, at: number, length: number): string | undefined {
  if (length === 0) return 'Batch frame must carry at least one message';
  let offset = 0;
  while (offset < length) {
    if (length - offset < BATCH_ENTRY_HEADER_LENGTH) return entryCut(offset, length);
    const size = view.getUint32(at + offset, true);
    if (size > length - offset - BATCH_ENTRY_HEADER_LENGTH) return entryTooLong(offset, size, length);
    offset += batchEntryLength(size);
  }
  return offset === length ? undefined : paddingCut(offset, length);
}

// Messages are built outside the check: a template literal inside a hot function had V8 convert its numbers to
// strings on every call, thrown or not (see layout/ring-view.ts).

function entryCut(offset: number, length: number): string {
  return `Batch entry header cut short: entry at payload byte ${offset}, payload length=${length}`;
}

function entryTooLong(offset: number, size: number, length: number): string {
  return `Batch entry longer than its frame: entry at payload byte ${offset}, length=${size}, payload length=${length}`;
}

function paddingCut(offset: number, length: number): string {
  return `Batch entry padding cut short: entries end at payload byte ${offset}, payload length=${length}`;
}
