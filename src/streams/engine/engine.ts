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
import type { RingReader, RingWriter } from '../../layout/index.js';
import { RingCorruptError } from '../../layout/index.js';
import { BELL } from '../handshake/handshake.js';
import { ConnectionClosedError } from '../errors.js';
import { EngineStats } from './engine-stats.js';
import type { DataMode, FrameSink, SendResult } from './frame-sink.js';
import { CLOSE_FRAME, EMPTY_PAYLOAD, type FrameFields } from './frame-fields.js';
import type { ResolvedOptions } from '../channel/options.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

/** Longest synchronous spin slice (ms), so timers and I/O still run under a busy peer. */
const MAX_SPIN_SLICE_MS = 2;

/**
 * A parked side re-checks its rings after this long (ms), doubling up to PARK_RECHECK_MAX_MS while idle: the
 * parked flag lives in shared memory, so a lost or forged wake-up must cost latency, never liveness.
 */
export const PARK_RECHECK_MIN_MS = 50;
export const PARK_RECHECK_MAX_MS = 1000;

/** Most time (ms) a leaving side waits for the peer to take what it had queued before it aborts instead. */
export const LINGER_MS = 10_000;

/** Engines not yet disposed: a process that exits with them open closes each (see `closeAtExit`). */
const open = new Set<ChannelEngine>();
let exitHookInstalled = false;

/** What the engine's owner tells it about the segment header's close bits. */
export interface CloseMarks {
  /** This side sent Close (or leaves with everything delivered): set its closed bit. */
  mark(): void;
  /** This side leaves with messages undelivered: set its aborted bit, so the peer fails instead of completing. */
  markAborted(): void;
  /** How the peer left according to its bits: `closed` (cleanly), `aborted`, or null (no bit: it died). */
  peerMark(): 'closed' | 'aborted' | null;
}

export class ChannelEngine {
  readonly stats = new EngineStats();
  /** Builds the PeerExitedError with the right pid (set by the owner). */
  peerExitedError: () => Error = () => new Error('peer exited');
  /** Builds the ConnectionAbortedError for a peer that left with messages undelivered (set by the owner). */
  peerAbortedError: () => Error = () => new Error('peer aborted');
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
  /** This side is done: end as soon as Close is in the ring, without waiting for the peer's Close. */
  private leaving = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** The owner uses this side (subscribers, serve, requests): the doorbell keeps the process alive. */
  private inUse = false;
  private socketRef = true;
  private recheckMs = PARK_RECHECK_MIN_MS;
  private recheckTimer: NodeJS.Timeout | null = null;
  private rechecking = false;
  private readonly recheck = (): void => {
    this.recheckTimer = null;
    if (!this.parked || this.disposed) return;
    this.rechecking = true; // a re-park after an empty look is the same park, not a new one (stats.parks)
    this.unpark();
    this.schedule(); // one look at the rings; with nothing there it parks again, re-checking later
  };
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
    open.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', (code) => {
        for (const engine of open) engine.closeAtExit(code);
      });
    }
    this.schedule();
  }

  /** True once this side's Close is in the ring. */
  get closeWritten(): boolean {
    return this.closeSent;
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

  send(header: FrameFields, payload: Uint8Array, done?: (e?: Error) => void): SendResult {
    try {
      return this.sender.send(header, payload, done);
    } catch (error) {
      if (!(error instanceof RingCorruptError)) throw error; // the caller's own mistake: nothing changed
      this.fail(error);
      return 'failed';
    }
  }

  claim(length: number): Uint8Array | null {
    try {
      return this.sender.claim(length);
    } catch (error) {
      if (!(error instanceof RingCorruptError)) throw error;
      this.fail(error);
      return null;
    }
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
    this.send(CLOSE_FRAME, EMPTY_PAYLOAD);
    this.wake();
  }

  /**
   * This side is done with the connection: Close goes after everything queued, and the engine ends once it is in the
   * ring (everything sent is then delivered) instead of waiting for the peer's Close. A peer that takes nothing for
   * LINGER_MS makes it abort (the peer is told: aborted bit) rather than hold this process forever.
   */
  leave(): void {
    if (this.disposed || this.leaving) return;
    this.leaving = true;
    // An open zero-copy claim was never sent: Close cannot go behind it, and nothing is lost without it.
    if (this.sender.claimOpen && this.undelivered() === 0) return this.end();
    this.close();
    if (!this.closeSent) {
      const gaveUp = (): ConnectionClosedError =>
        new ConnectionClosedError(this.channel, `was closed by this side after its peer took nothing for ${LINGER_MS} ms (LINGER_MS); what it had queued was discarded`);
      this.lingerTimer = setTimeout(() => this.fail(gaveUp()), LINGER_MS);
      this.lingerTimer.unref(); // the socket keeps the process alive while there is something to deliver
    }
    this.wake();
  }

  /**
   * The process exits with this connection open (an idle connection does not hold it): a clean exit (code 0) with
   * nothing queued writes Close, so the peer completes; otherwise the aborted bit tells the peer something was lost.
   */
  private closeAtExit(code: number): void {
    if (this.disposed) return;
    const lossless = code === 0 && this.undelivered() === 0;
    try {
      if (lossless && !this.closeSent && !this.sender.claimOpen) this.closeSent = this.sender.writeFrame(CLOSE_FRAME, EMPTY_PAYLOAD);
      this.sender.publish();
    } catch {
      return this.marks.markAborted(); // a corrupt ring: the process still exits as it meant to, the peer is told
    }
    if (lossless) this.marks.mark();
    else this.marks.markAborted();
  }

  /** Frames queued locally other than our own Close: what a close now would lose. */
  private undelivered(): number {
    return this.sender.queued - (this.closeQueued && !this.closeSent ? 1 : 0);
  }

  /** Whether something in this process waits on the connection; see `keepAlive`. */
  setInUse(inUse: boolean): void {
    this.inUse = inUse;
    this.keepAlive();
  }

  /**
   * The doorbell socket holds the process open only while something needs this connection: a user, messages still
   * queued, or a close in progress. An idle connection lets the process exit; the exit hook then closes it.
   */
  private keepAlive(): void {
    const want = !this.disposed && (this.inUse || this.sender.queued > 0 || this.leaving);
    if (want === this.socketRef) return;
    this.socketRef = want;
    if (want) this.socket.ref();
    else this.socket.unref();
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
    // A clean close only if nothing is lost: messages still queued make it an abort the peer sees.
    const lossless = this.undelivered() === 0;
    try {
      if (!abrupt && lossless && !this.closeSent && !this.peerGone && !this.sender.claimOpen) {
        this.closeSent = this.sender.writeFrame(CLOSE_FRAME, EMPTY_PAYLOAD);
      }
      if (!abrupt) this.sender.publish(); // everything written so far becomes visible before the socket closes
    } catch {
      abrupt = true; // a corrupt ring: teardown still completes, and the peer is told it was not clean
    }
    if (!abrupt && (lossless || this.closeSent)) this.marks.mark();
    else this.marks.markAborted();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.disposed = true;
    open.delete(this);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
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
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = null;
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
    const moved = this.step();
    if (moved || this.activity) {
      this.recheckMs = PARK_RECHECK_MIN_MS;
      this.rechecking = false;
    }
    if (moved || this.activity) this.lastActivity = start;
    this.activity = false;
    this.keepAlive();
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
    if (this.closeSent && (this.receiver.closeReceived || this.leaving)) return this.end();
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
        // The peer's Close may have come in this very re-check: end now, as run() would, so the connection is
        // `ended` by the time its receive side's completion is observed.
        if (this.closeSent && (this.receiver.closeReceived || this.leaving)) return this.end();
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
    if (!this.rechecking) this.stats.parks++;
    this.recheckTimer = setTimeout(this.recheck, this.recheckMs);
    this.recheckTimer.unref(); // the doorbell socket decides whether the process stays
    this.recheckMs = Math.min(this.recheckMs * 2, PARK_RECHECK_MAX_MS);
  }

  private finishPeerGone(): void {
    // Everything the peer committed before it went away is delivered, or copied out for a later subscriber.
    this.receiver.keepAll = true;
    while (!this.disposed && this.receiver.drain()) {
      // drain to the end
    }
    if (this.disposed) return;
    const mark = this.marks.peerMark();
    if (mark === 'aborted' && !this.receiver.closeReceived) return this.fail(this.peerAbortedError());
    if (this.receiver.closeReceived || mark === 'closed') {
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
