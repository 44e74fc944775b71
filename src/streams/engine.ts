/**
 * ChannelEngine: one side of a connected channel. It drains the receive ring, writes the send ring, waits in three
 * phases (spin, poll once per event-loop turn, park on the doorbell socket) and turns the peer's Close or its
 * socket's end into a clean close or PeerExitedError. No rxjs here: Connection wraps it.
 *
 * Cross-process invariants relied on:
 * - This side is the only consumer of `rx` and the only producer of `tx` (SPSC).
 * - Parking: store parked=1, re-check, then sleep; the peer compare-exchanges the flag 1 -> 0 after publishing and
 *   rings one byte if it was 1. So a bell is never lost and at most one is sent per park.
 * - The doorbell socket closes when the peer process dies (the kernel closes its fds), so its end is the death
 *   notice; the ring is drained before the end is reported, so nothing the peer committed is lost.
 * - The segment stays mapped until `dispose()` has returned outside any delivery (`afterDispose`).
 */
import type { Socket } from 'node:net';
import { RING_FULL, type OverflowPolicy, type RingReader, type RingWriter } from '../layout/index.js';
import { FRAME_HEADER_LENGTH, FrameKind, readFrameKind, readFrameStatus, readFrameCorrelation, readFrameMethod, writeFrameHeader } from '../codecs/index.js';
import { BELL } from './handshake.js';
import { MalformedFrameError } from './errors.js';
import { SendQueue, type QueuedFrame } from './send-queue.js';
import type { ResolvedOptions } from './options.js';
import { EngineStats } from './engine-stats.js';

/** Most frames one drain delivers before letting the event loop run. */
const MAX_BATCH = 4096;
/** Longest synchronous spin slice (ms), so timers and I/O still run under a busy peer. */
const MAX_SPIN_SLICE_MS = 2;

/** Where the engine delivers what it reads. */
export interface FrameSink {
  /** Whether a Data frame can be delivered now; false holds it in the ring (backpressure to the peer). */
  acceptsData(): boolean;
  data(payload: Uint8Array): void;
  /** Every frame other than Data and Close, with a copy of its payload. */
  control(kind: number, status: number, correlation: number, method: number, payload: Uint8Array): void;
  /** The peer sent Close (or marked itself closed and left): nothing more will come. */
  closed(): void;
  /** The connection failed (peer exited, corrupt ring, malformed frame); the engine is disposed. */
  failed(error: Error): void;
  /** Both sides closed cleanly; the engine is disposed. */
  ended(): void;
  writableChanged(writable: boolean): void;
}

/** Outcome of a send. */
export type SendResult = 'written' | 'queued' | 'rejected';

export class ChannelEngine {
  readonly stats = new EngineStats();
  private readonly queue = new SendQueue();
  private readonly frame: DataView;
  private readonly now = () => performance.now();
  private scheduled = false;
  private parked = false;
  private held = false;
  private inPump = false;
  private activity = true;
  private lastActivity = 0;
  private peerGone = false;
  private closeReceived = false;
  private closeQueued = false;
  private closeSent = false;
  private disposed = false;
  private afterDispose: (() => void) | null = null;
  private writable = true;

  constructor(
    readonly channel: string,
    private readonly rx: RingReader,
    private readonly tx: RingWriter,
    private readonly socket: Socket,
    private readonly options: ResolvedOptions,
    private readonly sink: FrameSink,
    /** Called once this side has sent Close, to mark it in the segment header too. */
    private readonly markClosed: () => void,
    /** True when the peer marked itself closed in the segment header (it left after closing). */
    private readonly peerMarkedClosed: () => boolean,
  ) {
    this.frame = new DataView(rx.bytes.buffer, rx.bytes.byteOffset, rx.bytes.byteLength);
    socket.on('data', () => this.onBell());
    socket.on('close', () => this.onSocketClosed());
    socket.on('error', () => undefined); // 'close' follows; the peer's death is reported there
    this.schedule();
  }

  get isWritable(): boolean {
    return this.writable;
  }

  /** True once Close was queued or the engine is gone: further sends fail. */
  get sendClosed(): boolean {
    return this.closeQueued || this.disposed;
  }

  /** Records dropped from the outgoing ring (drop-oldest). */
  get dropped(): number {
    return this.tx.dropped;
  }

  /** Frames waiting in the local queue. */
  get queued(): number {
    return this.queue.length;
  }

  get policy(): OverflowPolicy {
    return this.options.overflow;
  }

  /** Sends one frame, or queues it (block), or reports 'rejected' (reject, ring full). */
  send(kind: number, status: number, correlation: number, method: number, payload: Uint8Array, done?: (e?: Error) => void): SendResult {
    if (this.queue.length === 0 && this.writeFrame(kind, status, correlation, method, payload)) {
      this.noteSent(kind, payload.length);
      done?.();
      return 'written';
    }
    if (this.options.overflow === 'reject') return 'rejected';
    this.queue.push({ kind, status, correlation, method, payload: payload.slice(), done });
    this.stats.queuedPeak = Math.max(this.stats.queuedPeak, this.queue.length);
    this.updateWritable();
    this.wake();
    return 'queued';
  }

  /** Zero-copy: room for a Data payload of `length` bytes, written in place, or null (ring full or queue busy). */
  claim(length: number): Uint8Array | null {
    if (this.queue.length > 0) return null;
    const at = this.tx.tryClaim(FRAME_HEADER_LENGTH + length);
    if (at === RING_FULL) {
      if (this.tx.takeConsumerParked()) this.ring(); // a padding record may have been published
      return null;
    }
    writeFrameHeader(this.frame, at, FrameKind.Data, 0, 0, 0, 0);
    return this.tx.bytes.subarray(at + FRAME_HEADER_LENGTH, at + FRAME_HEADER_LENGTH + length);
  }

  /** Publishes the claimed Data frame with `length` payload bytes. */
  commit(length: number): void {
    this.tx.commit(FRAME_HEADER_LENGTH + length);
    this.afterWrite();
    this.noteSent(FrameKind.Data, length);
  }

  abortClaim(): void {
    this.tx.abort();
  }

  /** Queues Close after everything already queued. */
  close(): void {
    if (this.closeQueued || this.disposed) return;
    this.closeQueued = true;
    this.send(FrameKind.Close, 0, 0, 0, new Uint8Array(0));
    this.wake();
  }

  /** Demand for Data appeared again: resume a held drain. */
  resume(): void {
    if (this.held) this.schedule();
  }

  /**
   * Stops everything: best-effort Close (unless `abrupt`), header close mark, socket destroyed, queued sends failed.
   * `then` (e.g. unmapping) runs once no delivery is on the stack. Idempotent.
   */
  dispose(error: Error, then?: () => void, abrupt = false): void {
    if (this.disposed) {
      if (then) this.runAfterDispose(then);
      return;
    }
    if (!abrupt && !this.closeSent && !this.peerGone) {
      if (this.queue.length === 0 && this.writeFrame(FrameKind.Close, 0, 0, 0, new Uint8Array(0))) this.closeSent = true;
    }
    if (!abrupt) this.markClosed();
    this.disposed = true;
    this.parked = false;
    this.queue.clear(error);
    this.socket.destroy();
    if (then) this.runAfterDispose(then);
  }

  private runAfterDispose(then: () => void): void {
    if (this.inPump) this.afterDispose = then;
    else then();
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  /** Something to do soon: leave the parked state and poll. */
  private wake(): void {
    this.activity = true;
    if (this.parked) this.unpark();
    this.schedule();
  }

  private unpark(): void {
    this.parked = false;
    this.rx.unpark();
    this.tx.unpark();
  }

  private onBell(): void {
    if (this.disposed) return;
    if (this.parked) this.stats.wakes++;
    this.wake();
  }

  private onSocketClosed(): void {
    if (this.disposed) return;
    this.peerGone = true;
    this.wake();
  }

  private pump(): void {
    this.scheduled = false;
    if (this.disposed) return;
    this.inPump = true;
    try {
      this.run();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.inPump = false;
      const then = this.afterDispose;
      this.afterDispose = null;
      then?.();
    }
  }

  private run(): void {
    const start = this.now();
    if (this.step() || this.activity) this.lastActivity = start;
    this.activity = false;
    const { spinMicros, pollMicros } = this.options;
    if (spinMicros > 0) {
      const sliceEnd = start + Math.max(MAX_SPIN_SLICE_MS, spinMicros / 1000);
      for (let t = this.now(); !this.disposed && t - this.lastActivity < spinMicros / 1000 && t < sliceEnd; t = this.now()) {
        if (this.step()) this.lastActivity = t;
      }
    }
    if (this.disposed) return;
    if (this.peerGone) return this.finishPeerGone();
    if (this.closeSent && this.closeReceived) return this.end();
    if (this.held && this.queue.length === 0) return; // resume() restarts us
    if (this.now() - this.lastActivity < pollMicros / 1000) return this.schedule();
    this.park();
  }

  /** One pass: flush queued sends, then drain the receive ring. True if anything moved. */
  private step(): boolean {
    const flushed = this.queue.length > 0 && this.flush();
    const drained = this.drain();
    return flushed || drained;
  }

  private park(): void {
    this.rx.park();
    const waitingForRoom = this.queue.length > 0;
    if (waitingForRoom) this.tx.park();
    // Re-check after announcing the park, or a message published in between would sleep until the next one.
    if (this.step() || this.disposed) {
      if (!this.disposed) {
        this.unpark();
        this.activity = true;
        this.schedule();
      }
      return;
    }
    if (this.held && !waitingForRoom) {
      this.rx.unpark();
      return;
    }
    this.parked = true;
    this.stats.parks++;
  }

  private flush(): boolean {
    let moved = false;
    for (let frame = this.queue.peek(); frame; frame = this.queue.peek()) {
      if (!this.writeFrame(frame.kind, frame.status, frame.correlation, frame.method, frame.payload)) break;
      this.queue.shift();
      this.noteSent(frame.kind, frame.payload.length);
      frame.done?.();
      moved = true;
    }
    if (moved) this.updateWritable();
    return moved;
  }

  private writeFrame(kind: number, status: number, correlation: number, method: number, payload: Uint8Array): boolean {
    if (this.disposed) return false;
    const at = this.tx.tryClaim(FRAME_HEADER_LENGTH + payload.length);
    if (at === RING_FULL) {
      // tryClaim may have published a padding record: a parked consumer must see it, or both sides sleep.
      if (this.tx.takeConsumerParked()) this.ring();
      return false;
    }
    writeFrameHeader(this.frame, at, kind, 0, status, correlation, method);
    this.tx.bytes.set(payload, at + FRAME_HEADER_LENGTH);
    this.tx.commit(FRAME_HEADER_LENGTH + payload.length);
    this.afterWrite();
    return true;
  }

  private afterWrite(): void {
    if (this.tx.takeConsumerParked()) this.ring();
    this.activity = true;
    if (this.parked) {
      this.unpark();
      this.schedule();
    }
  }

  private noteSent(kind: number, length: number): void {
    if (kind === FrameKind.Data) {
      this.stats.sent++;
      this.stats.bytesSent += length;
    } else if (kind === FrameKind.Close) {
      this.closeSent = true;
      this.markClosed();
      this.schedule();
    }
  }

  private ring(): void {
    this.stats.bells++;
    if (!this.socket.destroyed) this.socket.write(BELL);
  }

  private drain(): boolean {
    const { rx, frame, sink } = this;
    let count = 0;
    this.held = false;
    while (count < MAX_BATCH && !this.closeReceived && !this.disposed && rx.poll()) {
      const at = rx.payloadOffset;
      const length = rx.payloadLength;
      const kind = length < FRAME_HEADER_LENGTH ? 0 : readFrameKind(frame, at);
      if (kind < FrameKind.Data || kind > FrameKind.Cancel) {
        // Under drop-oldest the producer may be overwriting this record as we read it: if it was dropped meanwhile
        // (release fails), what we read is torn, not malformed.
        if (rx.producerDropsOldest() && !rx.release()) continue;
        throw new MalformedFrameError(
          this.channel,
          length < FRAME_HEADER_LENGTH ? `frame shorter than its header: length=${length}, header=${FRAME_HEADER_LENGTH}` : `unknown frame kind=${kind}, length=${length}`,
        );
      }
      if (kind === FrameKind.Data) {
        if (!sink.acceptsData()) {
          this.held = true;
          break;
        }
        count++;
        this.deliverData(at + FRAME_HEADER_LENGTH, length - FRAME_HEADER_LENGTH);
        continue;
      }
      const status = readFrameStatus(frame, at);
      const correlation = readFrameCorrelation(frame, at);
      const method = readFrameMethod(frame, at);
      const payload = rx.bytes.slice(at + FRAME_HEADER_LENGTH, at + length);
      count++;
      if (!rx.release()) continue;
      if (kind === FrameKind.Close) {
        this.closeReceived = true;
        sink.closed();
      } else {
        sink.control(kind, status, correlation, method, payload);
      }
    }
    if (count > 0 && !this.disposed && rx.takeProducerParked()) this.ring();
    return count > 0;
  }

  private deliverData(at: number, length: number): void {
    const { rx } = this;
    this.stats.received++;
    this.stats.bytesReceived += length;
    if (this.options.receive === 'borrow' && !rx.producerDropsOldest()) {
      this.sink.data(rx.bytes.subarray(at, at + length));
      if (!this.disposed) rx.release();
      return;
    }
    const copy = rx.bytes.slice(at, at + length);
    if (rx.release()) this.sink.data(copy);
    else this.stats.received--; // dropped by the producer while we copied it: it may be torn
  }

  private updateWritable(): void {
    const writable = this.queue.bytes < this.options.highWaterMark || this.queue.length === 0;
    if (writable === this.writable) return;
    this.writable = writable;
    this.sink.writableChanged(writable);
  }

  private finishPeerGone(): void {
    while (!this.disposed && !this.held && this.drain()) {
      // deliver everything the peer committed before it went away
    }
    if (this.disposed) return;
    if (this.closeReceived || this.peerMarkedClosed()) {
      if (!this.closeReceived) {
        this.closeReceived = true;
        this.sink.closed();
      }
      return this.end();
    }
    this.fail(null);
  }

  private end(): void {
    if (this.disposed) return;
    this.dispose(new Error('connection ended'));
    this.sink.ended();
  }

  /** Fails the connection; `null` means the peer exited. */
  private fail(error: Error | null): void {
    if (this.disposed) return;
    const reason = error ?? this.peerExitedError();
    this.dispose(reason, undefined, true);
    this.sink.failed(reason);
  }

  /** Set by the owner: builds the PeerExitedError with the right pid. */
  peerExitedError: () => Error = () => new Error('peer exited');
}

export type { QueuedFrame };
