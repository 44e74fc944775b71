/**
 * SPSC ring descriptor: offsets within a ring region (a 128-byte header then the data area) and of the
 * 8-byte record header. Normative spec: docs/LAYOUT.md.
 *
 * Cross-process invariants:
 * - Only the producer writes WRITE_POSITION and the records in free space; only the consumer advances
 *   READ_POSITION, except under drop-oldest, where the producer may advance it too, by compare-exchange only.
 * - Positions are free-running u32 byte counts; `(write - read) mod 2^32` is the used space and never exceeds
 *   the capacity; both are multiples of RECORD_ALIGNMENT.
 * - A record is written completely before WRITE_POSITION moves past it (the store publishes it).
 *
 * ```
 * ring header (128 bytes)
 *  0              4                8                16              24              32        64
 *  +--------------+----------------+----------------+---------------+---------------+---------+
 *  |WRITE_POSITION|PRODUCER_PARKED | MESSAGES (u64) |  BYTES (u64)  | DROPPED (u64) |FLAGS|res|  producer line
 *  +--------------+----------------+----------------+---------------+---------------+---------+
 *  |READ_POSITION |CONSUMER_PARKED |CONSUMER_FLAGS| reserved to 128                           |  consumer line
 *  +--------------+----------------+--------------+-------------------------------------------+
 *  | data area: CAPACITY bytes of records                                                      |
 *
 * record (8-byte aligned)
 *  0                   4         6         8
 *  +-------------------+---------+---------+---------------------------+---------------+
 *  | LENGTH (u32)      |TYPE u16 |FLAGS u16| payload (LENGTH bytes)    | pad to 8      |
 *  +-------------------+---------+---------+---------------------------+---------------+
 * ```
 */

/** u32: producer's free-running position of the next record, in bytes. */
export const WRITE_POSITION_OFFSET = 0;
/** u32: 1 while the producer waits for space; cleared (compare-exchange 1 -> 0) by whoever wakes it. */
export const PRODUCER_PARKED_OFFSET = WRITE_POSITION_OFFSET + 4;
/** u64: messages committed (padding excluded); advisory, updated by the producer at batch ends. */
export const MESSAGES_OFFSET = PRODUCER_PARKED_OFFSET + 4;
/** u64: payload bytes committed; advisory like MESSAGES. */
export const BYTES_OFFSET = MESSAGES_OFFSET + 8;
/** u64: messages the producer dropped under the drop-oldest policy; advisory like MESSAGES. */
export const DROPPED_OFFSET = BYTES_OFFSET + 8;

/** u32: producer flags, written by the producer when it attaches; PRODUCER_FLAG_* bits. */
export const PRODUCER_FLAGS_OFFSET = DROPPED_OFFSET + 8;
/** Producer flag: the producer may drop the oldest records (drop-oldest), so READ_POSITION moves under the consumer. */
export const PRODUCER_FLAG_DROP_OLDEST = 1;

/** u32: consumer's free-running position of the next record to read, in bytes. */
export const READ_POSITION_OFFSET = 64;
/** u32: 1 while the consumer waits for data; cleared (compare-exchange 1 -> 0) by whoever wakes it. */
export const CONSUMER_PARKED_OFFSET = READ_POSITION_OFFSET + 4;
/** u32: consumer flags, written by the consumer when it attaches; CONSUMER_FLAG_* bits (LAYOUT.md 4.1). */
export const CONSUMER_FLAGS_OFFSET = CONSUMER_PARKED_OFFSET + 4;
/**
 * Consumer flag: the consumer reads Batch frames (LAYOUT.md 6), so the producer may pack several Data messages into
 * one record. A producer never writes a Batch frame to a consumer that has not set it (C peers built on version 1).
 */
export const CONSUMER_FLAG_READS_BATCHES = 1;

/** Length of the ring header; the data area starts here. */
export const RING_HEADER_LENGTH = 128;

/** u32 within a record: payload length in bytes (header and alignment padding excluded). */
export const RECORD_LENGTH_OFFSET = 0;
/** u16 within a record: RECORD_TYPE_*. */
export const RECORD_TYPE_OFFSET = RECORD_LENGTH_OFFSET + 4;
/** u16 within a record: flags, 0 for now; readers ignore them. */
export const RECORD_FLAGS_OFFSET = RECORD_TYPE_OFFSET + 2;
/** Length of the record header; the payload starts here. */
export const RECORD_HEADER_LENGTH = RECORD_FLAGS_OFFSET + 2;
/** Records start at multiples of this. */
export const RECORD_ALIGNMENT = 8;

/** Record type: filler from here to the end of the data area, so every payload is contiguous. */
export const RECORD_TYPE_PADDING = 0;
/** Record type: a message (on a channel, one frame). */
export const RECORD_TYPE_MESSAGE = 1;

/** Smallest data capacity a ring may have (capacities are powers of two in between). */
export const MIN_RING_CAPACITY = 1024;
/** Largest data capacity a ring may have: 1 GiB, so positions and lengths stay well inside a u32. */
export const MAX_RING_CAPACITY = 1 << 30;

/** Bytes a record with a payload of `length` bytes occupies, header and alignment included. */
export function recordLength(length: number): number {
  return (RECORD_HEADER_LENGTH + length + RECORD_ALIGNMENT - 1) & ~(RECORD_ALIGNMENT - 1);
}

/** Largest payload a ring of `capacity` bytes can ever hold in one record. */
export function maxPayloadFor(capacity: number): number {
  return capacity - RECORD_HEADER_LENGTH;
}

/** Bytes a ring region of `capacity` data bytes occupies, header included. */
export function ringRegionLength(capacity: number): number {
  return RING_HEADER_LENGTH + capacity;
}

/** True for a power of two within [MIN_RING_CAPACITY, MAX_RING_CAPACITY]. */
export function isValidCapacity(capacity: number): boolean {
  return (
    Number.isInteger(capacity) &&
    capacity >= MIN_RING_CAPACITY &&
    capacity <= MAX_RING_CAPACITY &&
    (capacity & (capacity - 1)) === 0
  );
}
