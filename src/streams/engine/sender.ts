/**
 * The sending half of a channel engine: writes frames into the send ring, queues them locally when it is full
 * (overflow `block`), tracks `writable` against the high-water mark, and offers zero-copy claim/commit.
 *
 * Cross-process invariants: this process is the ring's only producer; after every publish (and after a failed
 * claim, which may have published a padding record) a parked consumer is woken by compare-exchange + bell.
 */
import { RING_FULL, type RingWriter } from '../../layout/index.js';
import { FRAME_HEADER_LENGTH, FrameKind, writeFrameHeader } from '../../codecs/index.js';
import { BatchPacker, PACK_MAX_MESSAGE } from './batch-packer.js';
import type { EngineStats } from './engine-stats.js';
import type { FrameFields } from './frame-fields.js';
import type { SendResult } from './frame-sink.js';
import type { ResolvedOptions } from '../channel/options.js';
import { SendQueue } from './send-queue.js';
import { BufferPool } from './buffer-pool.js';
import { PeerStall } from './peer-stall.js';
import { atProcessExit } from './exit-hook.js';
import { POOL_BUDGET_MAX, PUBLISH_EVERY, type SenderHooks } from './sender-hooks.js';

/**
 * The producer of one send ring: writes frames in order (the local queue first), defers publishing to the end of a
 * synchronous burst (and every PUBLISH_EVERY frames within it), wakes a parked consumer, and offers one zero-copy
 * claim at a time.
 */
export class Sender {
  private readonly queue = new SendQueue();
  /** The memory of queued copies, reused once they are written (enough for the high-water mark's worth). */
  private readonly pool: BufferPool;
  private readonly frame: DataView;
  /** The ring's buffer and where `tx.bytes` starts in it (for claimed views). */
  private readonly ringBuffer: ArrayBufferLike;
  private readonly ringStart: number;
  private readonly stall: PeerStall;
  private blockedOnRoom = false;
  private readonly afterClaim: (() => void)[] = [];
  private readonly forgetAtExit: () => void;
  private writableNow = true;
  private publishQueued = false;
  /** Deferred commits since the last publish. */
  private unpublished = 0;
  /** Publishes deferred commits at the end of the current synchronous burst (bound once: no closure per send). */
  private readonly publishLater = (): void => {
    this.publishQueued = false;
    this.publish();
  };
  /** Packs bursts of small Data messages into Batch frames (batch-packer.ts). */
  private readonly packer: BatchPacker;
  /** The last frame written in this synchronous burst was Data: a Data frame now may start a Batch frame. */
  private lastWasData = false;
  /** Set by clear(): the ring may be unmapped, nothing more is written. */
  disposed = false;
  /** Frames written or queued so far: the wait loop compares it to see whether a delivery was answered at once. */
  sends = 0;

  constructor(
    private readonly tx: RingWriter,
    private readonly options: ResolvedOptions,
    private readonly stats: EngineStats,
    private readonly hooks: SenderHooks,
  ) {
    this.frame = new DataView(tx.bytes.buffer, tx.bytes.byteOffset, tx.bytes.byteLength);
    this.ringBuffer = tx.bytes.buffer;
    this.ringStart = tx.bytes.byteOffset;
    this.stall = new PeerStall(tx);
    this.packer = new BatchPacker(tx, this.frame);
    this.pool = new BufferPool(Math.min(Math.max(options.highWaterMark, 2 * options.maxMessage), POOL_BUDGET_MAX));
    this.forgetAtExit = atProcessExit(() => this.publish()); // while mapped: nothing sent is lost at exit
  }

  /** False while the local queue holds highWaterMark bytes or more. */
  get writable(): boolean {
    return this.writableNow;
  }

  /** True while the user holds a zero-copy claim (the ring's claim may also be this sender's open Batch frame). */
  get claimOpen(): boolean {
    return this.tx.claiming && !this.packer.isOpen;
  }

  /** Frames waiting in the local queue. */
  get queued(): number {
    return this.queue.length;
  }

  /** Records dropped from the ring to make room (drop-oldest). */
  get dropped(): number {
    return this.tx.dropped;
  }

  /** Sends one frame, or queues it (block), or reports 'rejected' (reject, ring full). */
  send(header: FrameFields, payload: Uint8Array, done?: (e?: Error) => void): SendResult {
    // Room freed since the last pump goes to the queue first (order), and then to this frame without a copy.
    if (this.queue.length > 0) this.flush();
    if (this.queue.length === 0 && !this.claimOpen && this.writeFrame(header, payload)) {
      this.noteSent(header.kind, payload.length);
      done?.();
      return 'written';
    }
    // `reject` refuses the application's own messages; frames the protocol owes the peer (Close, Response, Error,
    // Alive, Cancel) always wait their turn, or a full ring would silently break the conversation.
    const own = header.kind === FrameKind.Data || header.kind === FrameKind.Request;
    if (this.options.overflow === 'reject' && own && !this.claimOpen) return 'rejected';
    this.queue.push({ header, payload: this.pool.copy(payload), done });
    this.sends++;
    this.stats.queuedPeak = Math.max(this.stats.queuedPeak, this.queue.length);
    this.updateWritable();
    this.hooks.activity();
    return 'queued';
  }

  /** The last flush stopped at a full ring, frames still queued: the consumer rings when it frees room (if parked). */
  get waitingForRoom(): boolean {
    return this.blockedOnRoom && this.queue.length > 0;
  }

  /** Writes as much of the local queue as fits. True if anything moved. */
  flush(): boolean {
    if (this.claimOpen) return false; // the user's zero-copy claim comes first
    let moved = false;
    this.blockedOnRoom = false;
    for (let frame = this.queue.peek(); frame; frame = this.queue.peek()) {
      if (!this.writeFrame(frame.header, frame.payload)) {
        this.blockedOnRoom = !this.disposed;
        break;
      }
      this.queue.shift();
      const length = frame.payload.length;
      this.pool.release(frame.payload); // in the ring and out of the queue: nothing reads this copy any more
      this.noteSent(frame.header.kind, length);
      frame.done?.();
      moved = true;
    }
    if (moved) this.updateWritable();
    return moved;
  }

  /** Zero-copy: room for a Data payload of `length` bytes, written in place, or null (ring full or queue busy). */
  claim(length: number): Uint8Array | null {
    if (this.queue.length > 0 || this.disposed) return null;
    this.closeBatch();
    const at = this.tx.tryClaim(FRAME_HEADER_LENGTH + length);
    if (at === RING_FULL) {
      this.tx.publishPending();
      this.wakeConsumer(); // a padding record may have been published
      return null;
    }
    writeFrameHeader(this.frame, at, FrameKind.Data, 0, 0, 0, 0);
    // Not `subarray` (a species lookup TurboFan does not inline; 64 B claims: ~51 vs ~34 ns per view + set).
    return new Uint8Array(this.ringBuffer, this.ringStart + at + FRAME_HEADER_LENGTH, length);
  }

  /** Publishes the claimed Data frame with `length` payload bytes (at the end of the burst, see writeFrame). */
  commit(length: number): void {
    this.tx.commit(FRAME_HEADER_LENGTH + length, undefined, undefined, true);
    this.afterWrite();
    this.noteSent(FrameKind.Data, length);
    this.claimEnded();
  }

  /** Gives the claimed ring memory back unsent. */
  abortClaim(): void {
    this.tx.abort();
    this.claimEnded();
  }

  /** Runs `then` once no user claim is open (the ring memory under a claim must stay mapped). */
  whenNoClaim(then: () => void): void {
    if (this.claimOpen) this.afterClaim.push(then);
    else then();
  }

  private claimEnded(): void {
    if (this.afterClaim.length === 0) return; // the usual case: no array copied per commit
    for (const then of this.afterClaim.splice(0)) then();
  }

  /** Publishes and wakes a parked consumer, between bursts: at a burst's end, each engine step, parking, exit. */
  publish(): void {
    this.lastWasData = false; // the next message may go alone (a spin loop runs many bursts before any microtask)
    this.publishWritten();
  }

  private publishWritten(): void {
    if (this.disposed) return;
    this.closeBatch();
    this.unpublished = 0;
    if (this.tx.publishPending()) this.wakeConsumer();
  }

  /** Empties the queue, failing every waiting send with `error`. */
  clear(error: Error): void {
    this.publish();
    this.disposed = true;
    this.forgetAtExit();
    this.queue.clear(error);
    this.pool.drop();
  }

  /** Writes one frame into the ring now; false when it does not fit. */
  writeFrame(header: FrameFields, payload: Uint8Array): boolean {
    if (this.disposed) return false;
    const small = this.lastWasData && header.kind === FrameKind.Data && payload.length <= PACK_MAX_MESSAGE;
    if (small && this.tryPack(payload)) return true;
    this.closeBatch();
    this.lastWasData = header.kind === FrameKind.Data;
    const at = this.tx.tryClaim(FRAME_HEADER_LENGTH + payload.length);
    if (at === RING_FULL) {
      // A parked consumer must see what is pending (and a padding tryClaim published), or both sides sleep.
      this.tx.publishPending();
      this.wakeConsumer();
      return false;
    }
    try {
      this.tx.bytes.set(payload, at + FRAME_HEADER_LENGTH); // throws for a detached buffer
    } catch (error) {
      this.tx.abort(); // a refused send leaves the ring exactly as it was
      throw error;
    }
    // The only place the header becomes positional numbers: the ring write itself (flags are always 0).
    writeFrameHeader(this.frame, at, header.kind, 0, header.status, header.correlation, header.method);
    if (header.kind === FrameKind.Close) {
      // Published at once: the close mark that follows must never announce records the peer cannot see.
      this.tx.commit(FRAME_HEADER_LENGTH + payload.length);
      this.sends++;
      this.wakeConsumer();
      this.hooks.activity();
      return true;
    }
    // Deferred: one WRITE_POSITION store and one parked-flag check per PUBLISH_EVERY frames, not per message.
    this.tx.commit(FRAME_HEADER_LENGTH + payload.length, undefined, undefined, true);
    this.afterWrite();
    return true;
  }

  /** Commits and publishes the open Batch frame, if any: at most PACK_BYTES wait before the consumer may start. */
  private closeBatch(): void {
    if (!this.packer.close()) return;
    this.unpublished = PUBLISH_EVERY - 1; // afterWrite publishes it
    this.afterWrite();
  }

  /** Records wait unread and the peer's read position stood still for PEER_STALL_MS before `now` (peer-stall.ts). */
  peerStalled(now: number): boolean {
    return !this.disposed && this.stall.stalled(now);
  }

  /** Announces that this side waits for room (then re-check before sleeping). */
  parkForRoom(): void {
    this.tx.park();
  }

  /** Withdraws the wait for room (something else woke this side). */
  unpark(): void {
    this.tx.unpark();
  }

  /** Puts a small Data message after one of this burst (as any open Batch frame is) into the frame, or a new one. */
  private tryPack(payload: Uint8Array): boolean {
    if (!this.packer.pack(payload)) {
      this.closeBatch();
      if (!this.packer.openWith(payload)) return false;
      this.publishSoon(); // the burst's end closes the frame
      this.hooks.activity();
    }
    return ++this.sends > 0;
  }

  private afterWrite(): void {
    this.sends++;
    if (++this.unpublished >= PUBLISH_EVERY) this.publishWritten();
    else this.publishSoon();
    this.hooks.activity();
  }

  /** Publishes at the end of the current synchronous burst (once per burst: one microtask). */
  private publishSoon(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    queueMicrotask(this.publishLater);
  }

  private wakeConsumer(): void {
    if (this.tx.takeConsumerParked()) this.hooks.ring();
  }

  private noteSent(kind: number, length: number): void {
    if (kind === FrameKind.Close) this.hooks.closeSent();
    if (kind !== FrameKind.Data) return;
    this.stats.sent++;
    this.stats.bytesSent += length;
  }

  private updateWritable(): void {
    const writable = this.queue.length === 0 || this.queue.bytes < this.options.highWaterMark;
    if (writable === this.writableNow) return;
    this.writableNow = writable;
    this.hooks.writableChanged(writable);
  }
}
