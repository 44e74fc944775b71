/**
 * The consumer side of an SPSC ring. `poll()` positions a cursor on the next message (skipping padding), the
 * caller copies or borrows the payload, then `release()` frees it.
 *
 * Every number read from the ring is checked before use: positions against the capacity, lengths against the
 * used bytes, the end of the data area and the segment's maximum message, padding against the end of the data
 * area. A violation throws RingCorruptError; nothing is read out of range and no loop depends on ring contents.
 *
 * Under drop-oldest the producer may advance READ_POSITION (by compare-exchange) and overwrite the record being
 * read. So the reader re-validates when something looks wrong, and `release()` is a compare-exchange that returns
 * false when the record was dropped meanwhile: the caller then discards what it read (it may be torn).
 */
import { RingCorruptError, type RingCorruptCode } from './errors.js';
import {
  CONSUMER_FLAG_READS_BATCHES,
  PRODUCER_FLAG_DROP_OLDEST,
  RECORD_FLAGS_OFFSET,
  RECORD_HEADER_LENGTH,
  RECORD_LENGTH_OFFSET,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_OFFSET,
  RECORD_TYPE_PADDING,
  recordLength,
} from './ring-descriptor.js';
import { RingView } from './ring-view.js';

/** How often poll() re-reads a position moved by a dropping producer before calling the ring corrupt. */
const MAX_DROP_RETRIES = 1000;

/** Consumer handle over one ring; exactly one per ring across all processes. */
export class RingReader {
  private readonly view: RingView;
  private read: number;
  private next = -1;
  /**
   * WRITE_POSITION as last loaded. Reloaded only once `read` caught up with it (and at every poll under drop-oldest):
   * the producer only moves it forward, so records before it stay published, and each load of the line the producer
   * keeps storing to is a cache miss on both cores. Checked against `read` at every use, like a fresh load.
   */
  private write: number;
  /** Record type of the message under the cursor (RECORD_TYPE_MESSAGE on a channel). */
  type = 0;
  /** Record flags of the message under the cursor. */
  flags = 0;
  /** Absolute byte offset of the payload under the cursor in `bytes`. */
  payloadOffset = 0;
  /** Payload length of the message under the cursor. */
  payloadLength = 0;
  /** Messages released by this reader. */
  messages = 0;

  constructor(
    buffer: ArrayBufferLike,
    ringOffset: number,
    capacity: number,
    /** Largest payload a valid record may carry (the segment's MAX_MESSAGE). */
    readonly maxMessage: number,
    /**
     * Whether the producer may drop records (drop-oldest): then every release is a compare-exchange. `'auto'`
     * decides from PRODUCER_FLAGS once the first record is visible (the producer writes its flags before it
     * publishes anything).
     */
    dropOldest: boolean | 'auto' = false,
  ) {
    this.view = new RingView(buffer, ringOffset, capacity);
    this.read = this.view.loadRead();
    this.write = this.read; // the first poll loads it
    this.dropOldest = dropOldest === 'auto' ? undefined : dropOldest;
  }

  /** undefined until decided (`'auto'`). */
  private dropOldest: boolean | undefined;
  /** READ_POSITION moved locally but not stored yet (deferred releases). */
  private unpublished = false;

  /** Where this reader is in the ring (moves on release and when padding is skipped); local, maybe not yet stored. */
  get readPosition(): number {
    return this.read;
  }

  /** The whole buffer as bytes: the payload is `bytes.subarray(payloadOffset, payloadOffset + payloadLength)`. */
  get bytes(): Uint8Array {
    return this.view.bytes;
  }

  /** True when a message is ready (the cursor is on it); false when the ring is empty. */
  poll(): boolean {
    if (this.next >= 0) return true;
    if (this.dropOldest === undefined) {
      // Decide only once a record is visible (the producer sets its flags before publishing); until then report
      // empty, so no record is ever read before the release mode is known.
      if (this.view.loadWrite() === this.read) return false;
      this.dropOldest = this.producerDropsOldest();
    }
    for (let retries = 0; ; retries++) {
      if (this.dropOldest) this.read = this.view.loadRead();
      const found = this.tryPosition();
      if (found !== undefined) return found;
      if (retries >= MAX_DROP_RETRIES) throw keepsMoving(retries);
    }
  }

  /** A copy of the payload under the cursor (safe to keep). */
  copy(): Uint8Array {
    return this.view.bytes.slice(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }

  /** A borrowed view of the payload under the cursor: valid only until release(). */
  borrow(): Uint8Array {
    return this.view.bytes.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }

  /**
   * Frees the message under the cursor. Returns false (drop-oldest only) when the producer dropped it while it
   * was being read: whatever was read must be discarded.
   */
  release(defer = false): boolean {
    if (this.next < 0) throw new Error('release: no message under the cursor');
    const next = this.next;
    this.next = -1;
    if (defer && this.dropOldest === false) {
      // Batch the store: the producer sees the room at publish(), the end of the caller's batch.
      this.read = next;
      this.unpublished = true;
    } else if (!this.advance(next)) return false;
    this.messages++;
    return true;
  }

  /** Stores READ_POSITION after deferred releases (`release(true)`); cheap when there is nothing to store. */
  publish(): void {
    if (!this.unpublished) return;
    this.unpublished = false;
    Atomics.store(this.view.words, this.view.readIndex, this.read | 0);
  }

  /** Announces that the consumer waits for data (CONSUMER_PARKED); poll() again after this, before sleeping. */
  park(): void {
    this.view.consumerParked.park();
  }

  /** Withdraws park(): woken, or the re-check found data. */
  unpark(): void {
    this.view.consumerParked.unpark();
  }

  /**
   * Wakes the producer if it waits for space (PRODUCER_PARKED): true when the caller must ring the doorbell. Call it
   * after READ_POSITION is stored (release or publish), never before: that order is what makes it Dekker-safe.
   */
  takeProducerParked(): boolean {
    return this.view.producerParked.take();
  }

  /**
   * Sets CONSUMER_FLAG_READS_BATCHES (LAYOUT.md 4.1): this consumer reads Batch frames, so the producer may pack
   * Data messages. Call it only from a consumer that does (the channel engine's Receiver).
   */
  announceReadsBatches(): void {
    Atomics.or(this.view.words, this.view.consumerFlagsIndex, CONSUMER_FLAG_READS_BATCHES);
  }

  /** True when the producer announced drop-oldest: a borrowed view may then be overwritten while in use. */
  producerDropsOldest(): boolean {
    return (Atomics.load(this.view.words, this.view.producerFlagsIndex) & PRODUCER_FLAG_DROP_OLDEST) !== 0;
  }

  /** Bytes waiting to be read. */
  usedBytes(): number {
    return this.view.used(this.view.loadWrite(), this.dropOldest ? this.view.loadRead() : this.read);
  }

  /** One attempt: true/false when decided, undefined when a dropping producer moved the position (retry). */
  private tryPosition(): boolean | undefined {
    const { view } = this;
    for (;;) {
      const read = this.read;
      if (this.dropOldest || this.write === read) this.write = view.loadWrite();
      const write = this.write;
      const apparent = (write - read) >>> 0;
      // Under drop-oldest the producer may have moved both positions since we loaded `read`: re-read, do not accuse.
      if (this.dropOldest && apparent > view.capacity && view.loadRead() !== read) return undefined;
      const used = view.used(write, read);
      if (used === 0) return false;
      const offset = read & view.mask;
      const at = view.dataStart + offset;
      const length = view.data.getUint32(at + RECORD_LENGTH_OFFSET, true);
      const type = view.data.getUint16(at + RECORD_TYPE_OFFSET, true);
      const problem = this.check(offset, length, type, used);
      if (problem) {
        if (this.dropOldest && view.loadRead() !== read) return undefined;
        throw problem;
      }
      if (type === RECORD_TYPE_PADDING) {
        if (!this.advance((read + view.capacity - offset) >>> 0)) return undefined;
        continue;
      }
      this.type = type;
      this.flags = view.data.getUint16(at + RECORD_FLAGS_OFFSET, true);
      this.payloadOffset = at + RECORD_HEADER_LENGTH;
      this.payloadLength = length;
      this.next = (read + recordLength(length)) >>> 0;
      return true;
    }
  }

  /** The error a record header at `offset` deserves, or null when it is well-formed. */
  private check(offset: number, length: number, type: number, used: number): RingCorruptError | null {
    const { capacity } = this.view;
    if (type === RECORD_TYPE_PADDING) {
      return offset + RECORD_HEADER_LENGTH + length === capacity && capacity - offset <= used
        ? null
        : corrupt(
            'BadPadding',
            'padding record does not end at the end of the ring',
            offset,
            length,
            type,
            used,
            capacity,
          );
    }
    if (type !== RECORD_TYPE_MESSAGE)
      return corrupt('UnknownRecordType', 'unknown record type', offset, length, type, used, capacity);
    if (length > this.maxMessage) {
      return corrupt(
        'MessageTooLarge',
        'record longer than maxMessage',
        offset,
        length,
        type,
        used,
        capacity,
        this.maxMessage,
      );
    }
    const size = recordLength(length);
    if (size > used)
      return corrupt('LengthOutOfRange', 'record longer than the used bytes', offset, length, type, used, capacity);
    if (offset + size > capacity)
      return corrupt('RecordCrossesEnd', 'record crosses the end of the ring', offset, length, type, used, capacity);
    return null;
  }

  /** Moves READ_POSITION to `next`; under drop-oldest by compare-exchange (false if the producer moved it). */
  private advance(next: number): boolean {
    const { words, readIndex } = this.view;
    if (!this.dropOldest) {
      Atomics.store(words, readIndex, next | 0);
      this.read = next;
      this.unpublished = false;
      return true;
    }
    const expected = this.read;
    const seen = Atomics.compareExchange(words, readIndex, expected | 0, next | 0) >>> 0;
    this.read = seen === expected ? next : seen;
    return seen === expected;
  }
}

/** The error of a read position that never settles (a message of its own, see ring-view.ts's `used`). */
function keepsMoving(retries: number): RingCorruptError {
  return new RingCorruptError('PositionOutOfRange', `read position keeps moving: retries=${retries}`);
}

/** Builds the error for a bad record; a plain function, since a closure per checked record costs on the hot path. */
function corrupt(
  code: RingCorruptCode,
  what: string,
  offset: number,
  length: number,
  type: number,
  used: number,
  capacity: number,
  maxMessage?: number,
): RingCorruptError {
  const limit = maxMessage === undefined ? '' : `=${maxMessage}`;
  return new RingCorruptError(
    code,
    `${what}${limit}: offset=${offset}, length=${length}, type=${type}, used=${used}, capacity=${capacity}`,
  );
}
