/**
 * ChannelEngine: one side of a connected channel. It runs the Receiver and the Sender, waits in three phases
 * (spin, poll once per event-loop turn, park on the doorbell socket) and turns the peer's Close or its doorbell's end
 * into a clean close or PeerExitedError. No rxjs here: Connection wraps it.
 *
 * Cross-process invariants relied on:
 * - This side is the only consumer of its receive ring and the only producer of its send ring (SPSC).
 * - Parking: store parked=1, re-check, then sleep; the peer compare-exchanges the flag 1 -> 0 after publishing and
 *   rings one byte if it was 1. So a bell is never lost and at most one is sent per park.
 * - The doorbell socket closes when the peer process dies (the kernel closes its fds), so its end is the death
 *   notice; the ring is drained before the end is reported, so nothing the peer committed is lost.
 * - The segment stays mapped until `dispose()` has returned outside any delivery (`afterDispose`).
 */
import type { Socket } from 'node:net';
import type { RingReader, RingWriter } from '../layout/index.js';
import { FrameKind } from '../codecs/index.js';
import { BELL } from './handshake.js';
import { EngineStats } from './engine-stats.js';
import type { DataMode, FrameSink, SendResult } from './frame-sink.js';
import type { ResolvedOptions } from './options.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

/** Longest synchronous spin slice (ms), so timers and I/O still run under a busy peer. */
const MAX_SPIN_SLICE_MS = 2;
const EMPTY = new Uint8Array(0);

/** What the engine's owner tells it about the segment header's close bits. */
export interface CloseMarks {
  /** This side sent Close (or leaves): set its bit. */
  mark(): void;
  /** The peer's bit is set: it left after closing. */
  peerMarked(): boolean;
}

export class ChannelEngine {
  readonly stats = new EngineStats();
  /** Builds the PeerExitedError with the right pid (set by the owner). */
  peerExitedError: () => Error = () => new Error('peer exited');
  private readonly receiver: Receiver;
  private readonly sender: Sender;
  private scheduled = false;
  private parked = false;
  private inPump = false;
  private activity = true;
  private lastActivity = 0;
  private peerGone = false;
  private closeQueued = false;
  private closeSent = false;
  private disposed = false;
  private afterDispose: (() => void) | null = null;

  constructor(
    readonly channel: string,
    rx: RingReader,
    tx: RingWriter,
    private readonly socket: Socket,
    private readonly options: ResolvedOptions,
    private readonly sink: FrameSink,
    private readonly marks: CloseMarks,
  ) {
    const ring = (): void => this.ring();
    this.receiver = new Receiver(channel, rx, options.receive === 'borrow', sink, ring);
    this.sender = new Sender(tx, options, this.stats, {
      ring,
      activity: () => this.wake(),
      closeSent: () => {
        this.closeSent = true;
        this.marks.mark();
      },
      writableChanged: (writable) => sink.writableChanged(writable),
    });
    socket.on('data', () => this.onBell());
    socket.on('close', () => this.onSocketClosed());
    socket.on('error', () => undefined); // 'close' follows; the peer's death is reported there
    this.schedule();
  }

  /** True once Close was queued or the engine is gone: further sends fail. */
  get sendClosed(): boolean {
    return this.closeQueued || this.disposed;
  }

  get dropped(): number {
    return this.sender.dropped;
  }

  get queued(): number {
    return this.sender.queued;
  }

  send(kind: number, status: number, correlation: number, method: number, payload: Uint8Array, done?: (e?: Error) => void): SendResult {
    return this.sender.send(kind, status, correlation, method, payload, done);
  }

  claim(length: number): Uint8Array | null {
    return this.sender.claim(length);
  }

  /** Publishes the claimed Data frame; ConnectionClosedError-like failure (thrown by the caller) once disposed. */
  commit(length: number): boolean {
    if (this.disposed) {
      this.sender.abortClaim(); // the connection ended under the claim: nothing to publish into
      return false;
    }
    this.sender.commit(length);
    return true;
  }

  abortClaim(): void {
    this.sender.abortClaim();
  }

  /** Queues Close after everything already queued. */
  close(): void {
    if (this.closeQueued || this.disposed) return;
    this.closeQueued = true;
    this.sender.send(FrameKind.Close, 0, 0, 0, EMPTY);
    this.wake();
  }

  /** Demand for Data appeared again: resume a held drain. */
  resume(): void {
    if (this.receiver.held) this.schedule();
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
    if (!abrupt && !this.closeSent && !this.peerGone && this.sender.queued === 0 && !this.sender.claimOpen) {
      this.closeSent = this.sender.writeFrame(FrameKind.Close, 0, 0, 0, EMPTY);
    }
    if (!abrupt) this.sender.publish(); // everything written so far becomes visible before the socket closes
    if (!abrupt) this.marks.mark();
    this.disposed = true;
    this.receiver.disposed = true;
    this.parked = false;
    this.sender.clear(error);
    if (abrupt) this.socket.destroy();
    else {
      // A graceful end: the peer sees EOF, and our 'close' comes only once the peer closed too, which tells a
      // server that the old client has stopped touching the rings. unref: a slow peer never holds this process.
      this.socket.end();
      this.socket.unref();
    }
    if (then) this.runAfterDispose(then);
  }

  /** Runs `then` (unmapping) once no delivery is on the stack and no user claim still points into the ring. */
  private runAfterDispose(then: () => void): void {
    const afterClaims = (): void => this.sender.whenNoClaim(then);
    if (this.inPump) this.afterDispose = afterClaims;
    else afterClaims();
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
    this.receiver.unpark();
    this.sender.unpark();
  }

  private ring(): void {
    this.stats.bells++;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(BELL);
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
    const start = performance.now();
    if (this.step() || this.activity) this.lastActivity = start;
    this.activity = false;
    const { spinMicros, pollMicros } = this.options;
    if (spinMicros > 0) {
      const sliceEnd = start + Math.max(MAX_SPIN_SLICE_MS, spinMicros / 1000);
      let t = performance.now();
      for (let idle = 0; !this.disposed && t - this.lastActivity < spinMicros / 1000 && t < sliceEnd; ) {
        if (this.step()) {
          t = this.lastActivity = performance.now();
          idle = 0;
        } else if ((++idle & 31) === 0) t = performance.now(); // the clock costs more than a poll of the ring
      }
    }
    if (this.disposed) return;
    if (this.peerGone) return this.finishPeerGone();
    if (this.closeSent && this.receiver.closeReceived) return this.end();
    if (this.receiver.held && this.sender.queued === 0) return; // resume() restarts us
    if (performance.now() - this.lastActivity < pollMicros / 1000) return this.schedule();
    this.park();
  }

  /** One pass: flush queued sends, then drain the receive ring. True if anything moved. */
  private step(): boolean {
    this.sender.publish();
    const flushed = this.sender.queued > 0 && this.sender.flush();
    const drained = this.receiver.drain();
    return flushed || drained;
  }

  private park(): void {
    this.receiver.park();
    const waitingForRoom = this.sender.queued > 0;
    if (waitingForRoom) this.sender.parkForRoom();
    // Re-check after announcing the park, or a message published in between would sleep until the next one.
    if (this.step() || this.disposed) {
      if (!this.disposed) {
        this.unpark();
        this.activity = true;
        this.schedule();
      }
      return;
    }
    if (this.receiver.held && !waitingForRoom) {
      this.receiver.unpark();
      return;
    }
    this.parked = true;
    this.stats.parks++;
  }

  private finishPeerGone(): void {
    // Everything the peer committed before it went away is delivered, or copied out for a later subscriber.
    this.receiver.keepAll = true;
    while (!this.disposed && this.receiver.drain()) {
      // drain to the end
    }
    if (this.disposed) return;
    if (this.receiver.closeReceived || this.marks.peerMarked()) {
      if (!this.receiver.closeReceived) {
        this.receiver.closeReceived = true;
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
}

export type { DataMode, FrameSink, SendResult };
