/**
 * Packs a burst of small Data messages into Batch frames (docs/LAYOUT.md section 6): one ring record, one frame
 * header and one publish for up to PACK_BYTES of messages, where each would otherwise take all three.
 *
 * Cross-process invariants relied on: a Batch frame goes only to a consumer that set CONSUMER_FLAG_READS_BATCHES
 * (loaded at each frame: a ring reset for a new client clears it), never from a producer that may drop records, and
 * is committed whole (the consumer sees all of its entries or none); while it is open it holds the ring's one claim.
 */
import { RING_FULL, type RingWriter } from '../../layout/index.js';
import {
  BATCH_ENTRY_HEADER_LENGTH,
  FRAME_HEADER_LENGTH,
  FrameKind,
  batchEntryLength,
  writeFrameHeader,
} from '../../codecs/index.js';

/**
 * Data messages up to this many bytes may be packed: what a Batch frame saves (a record, a frame header and their
 * checks, ~50 ns a side) weighs less and less beside copying a larger message, which then keeps a record of its own.
 */
export const PACK_MAX_MESSAGE = 512;
/** At most this many bytes of entries per Batch frame: the consumer unpacks one while the producer fills the next. */
export const PACK_BYTES = 8192;

/** The open Batch frame of one send ring, if any. */
export class BatchPacker {
  /** The open frame's offset in `tx.bytes` (-1: none), its room for entries, and the entries' bytes so far. */
  private at = -1;
  private room = 0;
  private used = 0;
  private count = 0;
  /** The first entry's length, kept here: shared memory is never read back (the peer may have rewritten it). */
  private firstLength = 0;

  constructor(
    private readonly tx: RingWriter,
    private readonly frame: DataView,
  ) {}

  /** True while a Batch frame is open (it holds the ring's claim). */
  get isOpen(): boolean {
    return this.at >= 0;
  }

  /**
   * Opens a Batch frame with room for at least one `length`-byte message: as much as is free and contiguous, up to
   * PACK_BYTES and the segment's MAX_MESSAGE. False when the consumer does not read Batch frames, under
   * drop-oldest, when even one entry would pass MAX_MESSAGE, or when the ring is full.
   */
  open(length: number): boolean {
    if (this.at >= 0) throw new Error('BatchPacker.open: a Batch frame is open');
    if (this.tx.dropOldest || !this.tx.consumerReadsBatches()) return false;
    const least = FRAME_HEADER_LENGTH + batchEntryLength(length);
    if (least > this.tx.maxRecordPayload) return false; // records this small: the message goes alone
    const at = this.tx.tryClaimUpTo(least, FRAME_HEADER_LENGTH + PACK_BYTES);
    if (at === RING_FULL) return false;
    this.at = at;
    this.room = this.tx.claimedBytes - FRAME_HEADER_LENGTH;
    this.used = 0;
    this.count = 0;
    return true;
  }

  /** open() for `payload`, then pack() it (it fits: open reserved room for it). */
  openWith(payload: Uint8Array): boolean {
    if (!this.open(payload.length)) return false;
    try {
      return this.pack(payload);
    } catch (error) {
      this.at = -1; // a refused send (a detached buffer) leaves the ring exactly as it was
      this.tx.abort();
      throw error;
    }
  }

  /** Appends `payload` to the open frame; false when none is open or it does not fit (close, then open another). */
  pack(payload: Uint8Array): boolean {
    const entry = batchEntryLength(payload.length);
    if (this.at < 0 || this.used + entry > this.room) return false;
    const at = this.at + FRAME_HEADER_LENGTH + this.used;
    this.tx.bytes.set(payload, at + BATCH_ENTRY_HEADER_LENGTH); // throws for a detached buffer: nothing written
    this.frame.setUint32(at, payload.length, true);
    this.frame.setUint32(at + 4, 0, true);
    if (this.count++ === 0) this.firstLength = payload.length;
    this.used += entry;
    return true;
  }

  /**
   * Commits the open frame with the entries written so far (deferred: the caller publishes). True when a frame was
   * committed; an open frame without entries is given back unsent, and one with a single entry goes as the Data
   * frame it would have been (a burst of two messages is written exactly as before Batch frames existed).
   */
  close(): boolean {
    const at = this.at;
    if (at < 0) return false;
    this.at = -1;
    if (this.used === 0) {
      this.tx.abort();
      return false;
    }
    if (this.count === 1) {
      const length = this.firstLength;
      const message = at + FRAME_HEADER_LENGTH + BATCH_ENTRY_HEADER_LENGTH;
      this.tx.bytes.copyWithin(at + FRAME_HEADER_LENGTH, message, message + length);
      writeFrameHeader(this.frame, at, FrameKind.Data, 0, 0, 0, 0);
      this.tx.commit(FRAME_HEADER_LENGTH + length, undefined, undefined, true);
      return true;
    }
    writeFrameHeader(this.frame, at, FrameKind.Batch, 0, 0, 0, 0);
    this.tx.commit(FRAME_HEADER_LENGTH + this.used, undefined, undefined, true);
    this.tx.messages += this.count - 1; // the ring's MESSAGES counts messages (peer-stall.ts reads it too)
    return true;
  }
}
