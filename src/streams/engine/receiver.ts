/**
 * The receiving half of a channel engine: drains the receive ring, checks each frame header, delivers Data (copied,
 * or borrowed for the duration of the call) and routes every other frame, holding Data in the ring while nobody
 * wants it.
 *
 * Cross-process invariants: this process is the ring's only consumer; it releases by compare-exchange, so a record
 * the producer dropped under drop-oldest while it was being read is discarded, never delivered torn; after
 * consuming it wakes a producer that waits for room.
 */
import type { RingReader } from '../../layout/index.js';
import {
  BATCH_ENTRY_HEADER_LENGTH,
  FRAME_HEADER_LENGTH,
  FrameKind,
  batchEntryLength,
  batchViolation,
  readFrameCorrelation,
  readFrameKind,
  readFrameMethod,
  readFrameStatus,
  frameViolation,
} from '../../codecs/index.js';
import { MalformedFrameError } from '../errors.js';

const EMPTY = new Uint8Array(0);
import { BatchCopies } from './copy-batch.js';
import { copyOut } from './copy-out.js';
import type { DataMode, FrameSink } from './frame-sink.js';
import { RecycledCopies } from './recycled-copies.js';

/** Most frames one drain delivers before letting the event loop run. */
const MAX_BATCH = 4096;
/**
 * Within a drain, READ_POSITION is published (and a producer waiting for room rung) every this many bytes: a drain
 * can span the whole ring (Batch frames, or large messages), and a producer that saw no room until its end would
 * take turns with it instead of refilling the ring while it is drained.
 */
export const RELEASE_EVERY_BYTES = 64 * 1024;

/**
 * The consumer of one receive ring: `drain()` reads up to MAX_BATCH frames, checks each header, hands Data to the
 * sink (or holds it in the ring when the sink says so) and every other frame with a copy of its payload.
 */
export class Receiver {
  private readonly frame: DataView;
  /** The ring's buffer and where `rx.bytes` starts in it (for borrowed views). */
  private readonly ringBuffer: ArrayBufferLike;
  private readonly ringStart: number;
  private readonly batchCopies = new BatchCopies();
  /** The copies kept Data gets: the connection's recycled buffers under `receive: 'pooled'`, else fresh ones. */
  private readonly copies: (source: Uint8Array, at: number, length: number) => Uint8Array;
  private readonly borrow: boolean;
  /** A Data frame waits at the head of the ring because nobody subscribes. */
  held = false;
  /** The peer's Close was read: nothing more will come. */
  closeReceived = false;
  /** Set by the engine when it is disposed: stop touching the ring at once. */
  disposed = false;
  /** Set when the peer is gone: every Data frame left is copied out before the ring is unmapped. */
  keepAll = false;

  constructor(
    private readonly channel: string,
    private readonly rx: RingReader,
    receive: 'copy' | 'borrow' | 'pooled',
    private readonly sink: FrameSink,
    private readonly ring: () => void,
  ) {
    rx.announceReadsBatches(); // this drain unpacks Batch frames: the peer may send them
    this.borrow = receive === 'borrow';
    const pooled = receive === 'pooled' ? new RecycledCopies() : null;
    this.copies = pooled === null ? copyOut : (source, at, length) => pooled.copy(source, at, length);
    this.frame = new DataView(rx.bytes.buffer, rx.bytes.byteOffset, rx.bytes.byteLength);
    this.ringBuffer = rx.bytes.buffer;
    this.ringStart = rx.bytes.byteOffset;
  }

  /** Delivers up to MAX_BATCH frames. True if any was consumed. Throws MalformedFrameError / RingCorruptError. */
  drain(): boolean {
    const { rx, frame, sink } = this;
    const start = rx.readPosition;
    let published = start;
    let count = 0;
    let delivered = 0;
    this.held = false;
    while (count < MAX_BATCH && !this.closeReceived && !this.disposed && rx.poll()) {
      const at = rx.payloadOffset;
      const length = rx.payloadLength;
      const kind = length < FRAME_HEADER_LENGTH ? 0 : readFrameKind(frame, at);
      if (kind < FrameKind.Data || kind > FrameKind.Batch) {
        // Under drop-oldest the producer may be overwriting this record as we read it: if it was dropped meanwhile
        // (release fails), what we read is torn, not malformed.
        if (rx.producerDropsOldest() && !rx.release()) continue;
        throw unknownFrame(this.channel, kind, length);
      }
      const status = readFrameStatus(frame, at);
      const correlation = readFrameCorrelation(frame, at);
      const method = readFrameMethod(frame, at);
      // LAYOUT.md 6: Data carries no status, correlation or method; control frames are checked in full below.
      if (kind === FrameKind.Data && (status | correlation | method) !== 0) {
        const violation = frameViolation(kind, status, correlation, method, EMPTY);
        if (this.tornOrThrow(violation ?? 'Data frame with a non-zero header field', length)) continue;
      }
      if (kind === FrameKind.Data) {
        let mode = sink.dataMode();
        if (mode === 'hold' && this.keepAll) mode = 'keep';
        if (mode === 'hold') {
          this.held = true;
          break;
        }
        count++;
        delivered++;
        this.deliverData(at + FRAME_HEADER_LENGTH, length - FRAME_HEADER_LENGTH, mode);
        published = this.releaseEvery(published);
        continue;
      }
      if (kind === FrameKind.Batch) {
        const payloadAt = at + FRAME_HEADER_LENGTH;
        const violation = this.batchViolation(payloadAt, length - FRAME_HEADER_LENGTH, status | correlation | method);
        if (violation !== undefined && this.tornOrThrow(violation, length)) continue;
        let mode = sink.dataMode();
        if (mode === 'hold' && this.keepAll) mode = 'keep';
        if (mode === 'hold') {
          this.held = true;
          break;
        }
        const messages = this.deliverBatch(payloadAt, length - FRAME_HEADER_LENGTH, mode);
        count += messages;
        delivered += messages;
        published = this.releaseEvery(published);
        continue;
      }
      // A fresh header per control frame (it already costs a payload copy): handlers may keep it. Data frames,
      // the hot path, never build one.
      const header = { kind: kind as FrameKind, status, correlation, method };
      const payload = copyOut(rx.bytes, at + FRAME_HEADER_LENGTH, length - FRAME_HEADER_LENGTH);
      const violation = frameViolation(header.kind, status, correlation, method, payload);
      if (violation !== undefined && this.tornOrThrow(violation, length)) continue;
      count++;
      if (!rx.release(true)) continue;
      rx.publish(); // a control frame's handler may wait for room we freed
      if (kind === FrameKind.Close) {
        this.closeReceived = true;
        sink.closed();
      } else {
        sink.control(header, payload);
      }
    }
    if (delivered > 0 && !this.disposed) sink.drainEnded();
    if (this.disposed) return count > 0;
    // Any move frees room, padding alone included: a producer parked for room must hear it, not wait for its timer.
    if (count > 0 || rx.readPosition !== start) this.publishRoom();
    else rx.publish();
    return count > 0;
  }

  /**
   * Publishes the read position mid-drain once RELEASE_EVERY_BYTES were consumed since `published`; returns the
   * position last published. A producer parked on a full ring then refills it while this drain goes on.
   */
  private releaseEvery(published: number): number {
    const position = this.rx.readPosition;
    if ((position - published) >>> 0 < RELEASE_EVERY_BYTES || this.disposed) return published;
    this.publishRoom();
    return position;
  }

  /** Stores READ_POSITION, then wakes a producer parked for room (in that order: LAYOUT.md 4.6). */
  private publishRoom(): void {
    this.rx.publish();
    if (this.rx.takeProducerParked()) this.ring();
  }

  /** Announces that this side waits for data (then re-check before sleeping). */
  park(): void {
    this.rx.park();
  }

  /** Withdraws the wait for data (something else woke this side). */
  unpark(): void {
    this.rx.unpark();
  }

  /**
   * A frame broke a rule of LAYOUT.md 6: under drop-oldest the producer may have overwritten it as we read it (the
   * release fails: it was torn, not malformed; true = skip it); otherwise a MalformedFrameError.
   */
  private tornOrThrow(violation: string, length: number): boolean {
    if (this.rx.producerDropsOldest() && !this.rx.release()) return true;
    throw malformed(this.channel, violation, length);
  }

  /**
   * The rule a Batch frame breaks, checked whole before any of it is delivered: its header fields as Data's; a
   * producer that may drop records never packs (a record overwritten mid-batch would be half delivered); entries.
   */
  private batchViolation(at: number, length: number, fields: number): string | undefined {
    if (fields !== 0) return 'Batch frame with a non-zero header field';
    if (this.rx.producerDropsOldest()) return 'Batch frame from a producer that may drop records';
    return batchViolation(this.frame, at, length, this.entrySizes);
  }

  /** The checked lengths of the Batch frame being delivered (read once from shared memory: see batchViolation). */
  private readonly entrySizes: number[] = [];

  /**
   * Delivers every message of a checked Batch payload in order, each as a Data frame would be (`first` is the mode
   * of the first; a later one that would be held is kept instead: the record is released whole, so its messages
   * stay in order and the backlog may pass its limit by one record). Returns how many it delivered.
   */
  private deliverBatch(start: number, length: number, first: DataMode): number {
    const { rx, entrySizes: sizes } = this;
    const target = first === 'batch' ? this.sink.batchTarget() : null;
    if (target !== null) return this.appendBatch(start, length, target);
    let mode = first;
    let messages = 0;
    // For batch subscribers the whole payload is copied once and its messages are views of that copy.
    const block = mode === 'batch' ? this.batchCopies.copyBlock(rx.bytes, start, length) : null;
    const blockStart = block === null ? 0 : block.byteOffset - start;
    for (let offset = 0; messages < sizes.length && !this.disposed; messages++) {
      if (messages > 0 && (mode = this.sink.dataMode()) === 'hold') mode = 'keep';
      const size = sizes[messages]!;
      const at = start + offset + BATCH_ENTRY_HEADER_LENGTH;
      offset += batchEntryLength(size);
      if (mode === 'deliver' && this.borrow) this.sink.data(new Uint8Array(this.ringBuffer, this.ringStart + at, size));
      else if (mode === 'batch' && block !== null) this.sink.data(new Uint8Array(block.buffer, blockStart + at, size));
      else if (mode === 'batch') this.sink.data(this.batchCopies.copy(rx.bytes, at, size));
      else this.sink.data(this.copies(rx.bytes, at, size));
    }
    if (!this.disposed) rx.release(true);
    return messages;
  }

  /**
   * deliverBatch for batch subscribers alone: one copy of the payload, a view of it per message appended to `target`
   * (no user code runs before drainEnded, so nothing can change the mode within the frame).
   */
  private appendBatch(start: number, length: number, target: Uint8Array[]): number {
    const { rx, entrySizes: sizes } = this;
    const block = this.batchCopies.copyBlock(rx.bytes, start, length);
    const buffer = block.buffer;
    let at = block.byteOffset + BATCH_ENTRY_HEADER_LENGTH;
    let bytes = 0;
    for (let i = 0; i < sizes.length; i++) {
      const size = sizes[i]!;
      target.push(new Uint8Array(buffer, at, size));
      at += batchEntryLength(size);
      bytes += size;
    }
    this.sink.batched(sizes.length, bytes);
    rx.release(true);
    return sizes.length;
  }

  private deliverData(at: number, length: number, mode: DataMode): void {
    const { rx } = this;
    if (mode === 'deliver' && this.borrow && !rx.producerDropsOldest()) {
      // A view built on the buffer, not `subarray` (the species lookup is a builtin call TurboFan does not inline).
      this.sink.data(new Uint8Array(this.ringBuffer, this.ringStart + at, length));
      if (!this.disposed) rx.release(true);
      return;
    }
    // Copied before the release, always: no copy relies on the record staying in the ring after its release.
    const copy = mode === 'batch' ? this.batchCopies.copy(rx.bytes, at, length) : this.copies(rx.bytes, at, length);
    if (rx.release(true)) this.sink.data(copy); // else dropped by the producer while we copied it: it may be torn
  }
}

// Messages are built outside the drain: a template literal inside a hot function had V8 convert its numbers to
// strings on every call, thrown or not (see layout/ring-view.ts).

function unknownFrame(channel: string, kind: number, length: number): MalformedFrameError {
  const why =
    length < FRAME_HEADER_LENGTH
      ? `frame shorter than its header: length=${length}, header=${FRAME_HEADER_LENGTH}`
      : `unknown frame kind=${kind}, length=${length}`;
  return new MalformedFrameError(channel, why);
}

function malformed(channel: string, violation: string, length: number): MalformedFrameError {
  return new MalformedFrameError(channel, `${violation}, length=${length}`);
}
