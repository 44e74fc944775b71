/**
 * The producer side of an SPSC ring: claim/commit (zero-copy), tryWrite, and the drop-oldest policy.
 * The hot path never throws for a full ring: it returns RING_FULL. It throws RingCorruptError only when
 * positions or records read back from shared memory break the layout.
 *
 * Commit protocol, step by step: (1) claim space, writing a padding record first when the payload would not
 * be contiguous; (2) the caller writes the payload into the claimed bytes; (3) commit writes the record header;
 * (4) an atomic store of WRITE_POSITION publishes it. The consumer never reads past WRITE_POSITION.
 */
import { RingCorruptError } from './errors.js';
import {
  BYTES_OFFSET,
  CONSUMER_FLAG_READS_BATCHES,
  DROPPED_OFFSET,
  MESSAGES_OFFSET,
  PRODUCER_FLAG_DROP_OLDEST,
  RECORD_HEADER_LENGTH,
  RECORD_LENGTH_OFFSET,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_OFFSET,
  RECORD_TYPE_PADDING,
  RECORD_FLAGS_OFFSET,
  recordLength,
} from './ring-descriptor.js';
import { RingView } from './ring-view.js';

/** tryClaim's answer when the ring has no room for the record now. */
export const RING_FULL = -1;

/** Overflow policy of a ring writer: `block` and `reject` both see RING_FULL; the caller decides. */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'reject';

/** Producer handle over one ring; exactly one per ring across all processes. */
export class RingWriter {
  private readonly view: RingView;
  private write: number;
  private cachedRead: number;
  private claimedOffset = -1;
  private claimedLength = 0;
  /** Messages committed by this writer since construction or reset. */
  messages = 0;
  /** Payload bytes committed. */
  bytesWritten = 0;
  /** Messages dropped to make room (drop-oldest). */
  dropped = 0;

  constructor(
    buffer: ArrayBufferLike,
    ringOffset: number,
    capacity: number,
    readonly dropOldest = false,
    /** The segment's MAX_MESSAGE: the largest record payload its consumer accepts (tryClaimUpTo stays within it). */
    readonly maxMessage = capacity - RECORD_HEADER_LENGTH,
  ) {
    this.view = new RingView(buffer, ringOffset, capacity);
    this.write = this.view.loadWrite();
    // Not validated here: the peer may corrupt the positions at any moment, so every use checks them (ensureFree,
    // freeBytes) and reports RingCorruptError where the caller can fail the connection, not while it is being built.
    this.cachedRead = this.view.loadRead();
    Atomics.store(this.view.words, this.view.producerFlagsIndex, dropOldest ? PRODUCER_FLAG_DROP_OLDEST : 0);
  }

  get capacity(): number {
    return this.view.capacity;
  }

  /** Largest payload one record can carry in this ring. */
  get maxPayload(): number {
    return this.view.capacity - RECORD_HEADER_LENGTH;
  }

  /**
   * Reserves room for a payload of up to `length` bytes and returns the absolute byte offset of the payload in
   * the buffer, or RING_FULL. Under drop-oldest it drops the oldest records instead and never returns RING_FULL.
   * `length` must be at most `maxPayload` (checked: a larger claim can never succeed and is a caller bug).
   */
  tryClaim(length: number): number {
    if (this.claimedOffset >= 0) throw new Error('tryClaim: previous claim not committed');
    if (!(length >= 0 && length <= this.maxPayload)) throw tooLong('tryClaim', length, 'maxPayload', this.maxPayload);
    const size = recordLength(length);
    const { capacity, mask } = this.view;
    let offset = this.write & mask;
    const toEnd = capacity - offset;
    if (size > toEnd) {
      // The payload must be contiguous: fill to the end with padding, published on its own so the consumer can
      // free it even when the record itself does not fit yet.
      if (!this.ensureFree(toEnd)) return RING_FULL;
      this.view.data.setUint32(this.view.dataStart + offset + RECORD_LENGTH_OFFSET, toEnd - RECORD_HEADER_LENGTH, true);
      this.view.data.setUint16(this.view.dataStart + offset + RECORD_TYPE_OFFSET, RECORD_TYPE_PADDING, true);
      this.view.data.setUint16(this.view.dataStart + offset + RECORD_FLAGS_OFFSET, 0, true);
      this.publish((this.write + toEnd) >>> 0);
      offset = 0;
    }
    if (!this.ensureFree(size)) return RING_FULL;
    this.claimedOffset = offset;
    this.claimedLength = length;
    return this.view.dataStart + offset + RECORD_HEADER_LENGTH;
  }

  /**
   * Like tryClaim, but reserves as much payload room as is free and contiguous now, up to `most` bytes (and never
   * more than maxMessage) and at least `least` (a packed Batch record, filled and committed with its real length
   * later); `claimedBytes` says how much. Only when even `least` does not fit contiguously does it go through
   * tryClaim (padding to the end as usual).
   */
  tryClaimUpTo(least: number, most: number): number {
    if (this.claimedOffset >= 0) throw new Error('tryClaimUpTo: previous claim not committed');
    const limit = this.maxRecordPayload;
    if (!(least >= 0 && least <= limit)) throw tooLong('tryClaimUpTo', least, 'maxMessage', limit);
    if (!(most >= least)) throw tooLong('tryClaimUpTo: least', least, 'most', most);
    most = Math.min(most, limit);
    const { capacity } = this.view;
    const offset = this.write & this.view.mask;
    let free = capacity - this.view.used(this.write, this.cachedRead);
    if (free < recordLength(most)) {
      this.cachedRead = this.view.loadRead();
      free = capacity - this.view.used(this.write, this.cachedRead);
    }
    // Both terms are multiples of RECORD_ALIGNMENT, so the room is too, and its record exactly fills it.
    const room = Math.min(free, capacity - offset) - RECORD_HEADER_LENGTH;
    if (room < least || this.dropOldest) return this.tryClaim(least);
    this.claimedOffset = offset;
    this.claimedLength = Math.min(most, room);
    return this.view.dataStart + offset + RECORD_HEADER_LENGTH;
  }

  /** The largest record payload tryClaimUpTo reserves: what fits in the ring and what its consumer accepts. */
  get maxRecordPayload(): number {
    return Math.min(this.maxPayload, this.maxMessage);
  }

  /** Payload bytes reserved by the open claim (tryClaim's length, or what tryClaimUpTo could reserve). */
  get claimedBytes(): number {
    return this.claimedLength;
  }

  /**
   * True when the consumer set CONSUMER_FLAG_READS_BATCHES (LAYOUT.md 4.1): Batch frames may be written to it. Loaded
   * each time, not cached: a ring reset for a new client clears the word.
   */
  consumerReadsBatches(): boolean {
    return (Atomics.load(this.view.words, this.view.consumerFlagsIndex) & CONSUMER_FLAG_READS_BATCHES) !== 0;
  }

  /**
   * Completes the claimed record with `length` (at most the claimed length) payload bytes and publishes it, or,
   * with `defer`, leaves WRITE_POSITION for `publishPending()` so a burst of records costs one atomic store.
   */
  commit(length = this.claimedLength, type = RECORD_TYPE_MESSAGE, flags = 0, defer = false): void {
    const offset = this.claimedOffset;
    if (offset < 0) throw new Error('commit: nothing claimed');
    if (!(length >= 0 && length <= this.claimedLength)) throw tooLong('commit', length, 'claimed', this.claimedLength);
    const at = this.view.dataStart + offset;
    this.view.data.setUint32(at + RECORD_LENGTH_OFFSET, length, true);
    this.view.data.setUint16(at + RECORD_TYPE_OFFSET, type, true);
    this.view.data.setUint16(at + RECORD_FLAGS_OFFSET, flags, true);
    this.claimedOffset = -1;
    this.messages++;
    this.bytesWritten += length;
    const next = (this.write + recordLength(length)) >>> 0;
    if (defer) {
      this.write = next;
      this.unpublished = true;
    } else this.publish(next);
  }

  /** Stores WRITE_POSITION after deferred commits; true if there was something to publish. */
  publishPending(): boolean {
    if (!this.unpublished) return false;
    this.publish(this.write);
    return true;
  }

  /** Deferred commits not yet visible to the consumer. */
  private unpublished = false;

  /** Gives up a claim without publishing anything. */
  abort(): void {
    this.claimedOffset = -1;
  }

  /** True between tryClaim and commit/abort: nothing else may be written meanwhile. */
  get claiming(): boolean {
    return this.claimedOffset >= 0;
  }

  /** Copies `payload` into one record; false when the ring is full (never under drop-oldest). */
  tryWrite(payload: Uint8Array, type = RECORD_TYPE_MESSAGE, flags = 0): boolean {
    const at = this.tryClaim(payload.length);
    if (at === RING_FULL) return false;
    this.view.bytes.set(payload, at);
    this.commit(payload.length, type, flags);
    return true;
  }

  /** The whole buffer as bytes, for writing a claimed payload in place. */
  get bytes(): Uint8Array {
    return this.view.bytes;
  }

  /**
   * Wakes the consumer if it parked (CONSUMER_PARKED): true when the caller must ring the doorbell. Call it after
   * WRITE_POSITION is stored (commit or publishPending), never before: that order is what makes it Dekker-safe.
   */
  takeConsumerParked(): boolean {
    return this.view.consumerParked.take();
  }

  /** Announces that the producer waits for space (PRODUCER_PARKED); re-check for space after this, before sleeping. */
  park(): void {
    this.view.producerParked.park();
  }

  /** Withdraws park(): woken, or the re-check found room. */
  unpark(): void {
    this.view.producerParked.unpark();
  }

  /** Where this producer writes next (deferred commits included). */
  get writePosition(): number {
    return this.write;
  }

  /** The consumer's position now (reloaded, and checked against this side's: a corrupt one throws). */
  consumerPosition(): number {
    this.freeBytes();
    return this.cachedRead;
  }

  /** Free bytes now (reloads the consumer's position). */
  freeBytes(): number {
    this.cachedRead = this.view.loadRead();
    return this.view.capacity - this.view.used(this.write, this.cachedRead);
  }

  /** Writes the advisory counters to the ring header (call at batch ends). */
  publishCounters(): void {
    const { data, ringOffset } = this.view;
    data.setBigUint64(ringOffset + MESSAGES_OFFSET, BigInt(this.messages), true);
    data.setBigUint64(ringOffset + BYTES_OFFSET, BigInt(this.bytesWritten), true);
    data.setBigUint64(ringOffset + DROPPED_OFFSET, BigInt(this.dropped), true);
  }

  private publish(position: number): void {
    this.write = position;
    this.unpublished = false;
    Atomics.store(this.view.words, this.view.writeIndex, position | 0);
  }

  /** True when `size` bytes are free, dropping the oldest records first under drop-oldest. */
  private ensureFree(size: number): boolean {
    const { capacity } = this.view;
    if (capacity - this.view.used(this.write, this.cachedRead) >= size) return true;
    this.cachedRead = this.view.loadRead();
    if (capacity - this.view.used(this.write, this.cachedRead) >= size) return true;
    if (!this.dropOldest) return false;
    // Records committed with `defer` are not visible yet: publish them before moving READ_POSITION past any of
    // them, or the consumer would see READ ahead of WRITE (PositionOutOfRange) and fail the channel.
    this.publishPending();
    while (capacity - this.view.used(this.write, this.cachedRead) < size) this.dropOne();
    return true;
  }

  /** Advances READ_POSITION past the oldest record by compare-exchange, racing the consumer fairly. */
  private dropOne(): void {
    const read = this.cachedRead;
    const offset = read & this.view.mask;
    const at = this.view.dataStart + offset;
    const length = this.view.data.getUint32(at + RECORD_LENGTH_OFFSET, true);
    const type = this.view.data.getUint16(at + RECORD_TYPE_OFFSET, true);
    const size = type === RECORD_TYPE_PADDING ? this.view.capacity - offset : recordLength(length);
    const used = this.view.used(this.write, read);
    if (length > this.view.capacity || size > used || offset + size > this.view.capacity) {
      throw dropOutOfRange(length, offset, used);
    }
    const next = (read + size) >>> 0;
    const seen = Atomics.compareExchange(this.view.words, this.view.readIndex, read | 0, next | 0) >>> 0;
    if (seen === read) {
      if (type !== RECORD_TYPE_PADDING) this.dropped++;
      this.cachedRead = next;
    } else {
      this.cachedRead = seen; // the consumer took it first: nothing dropped
    }
  }
}

/**
 * A caller's length beyond what it may write. Built here, not in the checking method: a template literal inside a
 * hot function had V8 convert its numbers to strings on every call, thrown or not.
 */
function tooLong(what: string, length: number, limitName: string, limit: number): RangeError {
  return new RangeError(`${what}: length=${length} exceeds ${limitName}=${limit}`);
}

function dropOutOfRange(length: number, offset: number, used: number): RingCorruptError {
  const message = `record length out of range while dropping: length=${length}, offset=${offset}, used=${used}`;
  return new RingCorruptError('LengthOutOfRange', message);
}
