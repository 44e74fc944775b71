/**
 * ChannelEngine: one side of a connected channel. It runs the Receiver and the Sender, waits for work with a
 * WaitLoop (spin, poll, park on the doorbell), and turns the peer's Close or its doorbell's end into a clean close or
 * PeerExitedError. No rxjs here: Connection wraps it.
 *
 * Cross-process invariants relied on:
 * - This side is the only consumer of its receive ring and the only producer of its send ring (SPSC).
 * - Parking never loses a bell, and a lost or forged one costs latency only (see wait-loop.ts).
 * - The doorbell socket closes when the peer process dies (the kernel closes its fds), so its end is the death
 *   notice; the ring is drained before the end is reported, so nothing the peer committed is lost.
 * - A clean close is announced only when nothing this side sent is lost (see close-sequence.ts).
 * - The segment stays mapped until `dispose()` has returned outside any delivery and no claim points into it.
 */
import type { Socket } from 'node:net';
import type { RingReader, RingWriter } from '../../layout/index.js';
import { RingCorruptError } from '../../layout/index.js';
import type { ResolvedOptions } from '../channel/options.js';
import { CloseSequence, type CloseMarks } from './close-sequence.js';
import { Doorbell } from './doorbell.js';
import { EngineStats } from './engine-stats.js';
import { atProcessExit } from './exit-hook.js';
import type { FrameFields } from './frame-fields.js';
import type { DataMode, FrameSink, SendResult } from './frame-sink.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';
import { WaitLoop } from './wait-loop.js';

export { LINGER_MS, type CloseMarks } from './close-sequence.js';
export { PARK_RECHECK_MAX_MS, PARK_RECHECK_MIN_MS } from './wait-loop.js';
/** The engine's contract types, re-exported for its users (see frame-sink.ts). */
export type { DataMode, FrameSink, SendResult };

/**
 * One side of a connected channel, below Connection: sends and receives frames over the two rings, parks on the
 * doorbell when idle, and reports everything that happens to its FrameSink. Built by wireConnection.
 */
export class ChannelEngine {
  /** This side's counters (Connection.stats snapshots them). */
  readonly stats = new EngineStats();
  /** Builds the PeerExitedError with the right pid (set by the owner). */
  peerExitedError: () => Error = () => new Error('peer exited');
  /** Builds the ConnectionAbortedError for a peer that left with messages undelivered (set by the owner). */
  peerAbortedError: () => Error = () => new Error('peer aborted');
  private readonly receiver: Receiver;
  private readonly sender: Sender;
  private readonly doorbell: Doorbell;
  private readonly loop: WaitLoop;
  private readonly closing: CloseSequence;
  private readonly leaveAtExit: () => void;
  /** The doorbell closed: the peer process is gone (or closed its end). */
  private peerGone = false;
  /** The owner uses this side (subscribers, serve, requests): the doorbell keeps the process alive. */
  private inUse = false;
  /** `dispose()` ran: the connection ended, failed or was torn down. */
  private disposed = false;

  constructor(
    readonly channel: string,
    rx: RingReader,
    tx: RingWriter,
    socket: Socket,
    options: ResolvedOptions,
    private readonly sink: FrameSink,
    private readonly marks: CloseMarks,
  ) {
    const ring = (): void => this.doorbell.ring();
    this.receiver = new Receiver(channel, rx, options.receive, sink, ring);
    this.sender = new Sender(tx, options, this.stats, {
      ring,
      activity: () => this.loop.wake(),
      closeSent: () => this.closing.wrote(),
      writableChanged: (writable) => sink.writableChanged(writable),
    });
    this.closing = new CloseSequence(this.sender, marks, {
      channel,
      disposed: () => this.disposed,
      send: (header, payload) => this.send(header, payload),
      wake: () => this.loop.wake(),
      end: () => this.end(),
      fail: (error) => this.fail(error),
    });
    this.loop = new WaitLoop(this.sender, this.receiver, options, this.stats, {
      disposed: () => this.disposed,
      settle: () => this.settle(),
      endIfClosed: () => this.endIfClosed(),
      fail: (error) => this.fail(error),
      keepAlive: () => this.keepAlive(),
    });
    this.doorbell = new Doorbell(socket, this.stats, {
      bell: () => this.loop.bell(),
      closed: () => this.peerClosedDoorbell(),
    });
    this.leaveAtExit = atProcessExit((code) => this.closing.atExit(code));
    this.loop.schedule();
  }

  /** True once Close was queued or the engine is gone: further sends fail. */
  get sendClosed(): boolean {
    return this.closing.queued || this.disposed;
  }

  /** Records dropped from the send ring to make room (drop-oldest). */
  get dropped(): number {
    return this.sender.dropped;
  }

  /** Frames waiting in the local send queue (block). */
  get queued(): number {
    return this.sender.queued;
  }

  /** Sends one frame, or queues it; 'failed' when the ring turned out corrupt (the connection then failed). */
  send(header: FrameFields, payload: Uint8Array, done?: (e?: Error) => void): SendResult {
    try {
      return this.sender.send(header, payload, done);
    } catch (error) {
      if (!(error instanceof RingCorruptError)) throw error; // the caller's own mistake: nothing changed
      this.fail(error);
      return 'failed';
    }
  }

  /** Zero-copy: room for a Data payload of `length` bytes, or null (ring full, queue busy, ring corrupt). */
  claim(length: number): Uint8Array | null {
    try {
      return this.sender.claim(length);
    } catch (error) {
      if (!(error instanceof RingCorruptError)) throw error;
      this.fail(error);
      return null;
    }
  }

  /** Publishes the claimed Data frame; false once disposed (the caller throws ConnectionClosedError). */
  commit(length: number): boolean {
    if (this.disposed) {
      this.sender.abortClaim(); // the connection ended under the claim: nothing to publish into
      return false;
    }
    this.sender.commit(length);
    return true;
  }

  /** Gives the claimed ring memory back unsent. */
  abortClaim(): void {
    this.sender.abortClaim();
  }

  /** Queues Close after everything already queued. */
  close(): void {
    this.closing.queue();
  }

  /** This side is done: see CloseSequence.leave (Close, then end without waiting for the peer; linger bounded). */
  leave(): void {
    this.closing.leave();
  }

  /** Whether something in this process waits on the connection; see `keepAlive`. */
  setInUse(inUse: boolean): void {
    this.inUse = inUse;
    this.keepAlive();
  }

  /** Demand for Data appeared again: resume a held drain. */
  resume(): void {
    if (this.receiver.held) this.loop.schedule();
  }

  /**
   * Stops everything: best-effort Close (unless `abrupt`), header close mark, socket closed, queued sends failed.
   * `then` (e.g. unmapping) runs once no delivery is on the stack and no claim is open. Idempotent.
   */
  dispose(error: Error, then?: () => void, abrupt = false): void {
    if (!this.disposed) {
      abrupt = this.closing.seal(abrupt, this.peerGone);
      this.disposed = true;
      this.leaveAtExit();
      this.loop.stop();
      this.receiver.disposed = true;
      this.sender.clear(error);
      this.doorbell.shut(abrupt);
    }
    if (then) this.loop.whenIdle(() => this.sender.whenNoClaim(then));
  }

  /**
   * The doorbell socket holds the process open only while something needs this connection: a user, messages still
   * queued, or a close in progress. An idle connection lets the process exit; the exit hook then closes it.
   */
  private keepAlive(): void {
    this.doorbell.holdProcess(!this.disposed && (this.inUse || this.sender.queued > 0 || this.closing.leaving));
  }

  private peerClosedDoorbell(): void {
    if (this.disposed) return;
    this.peerGone = true;
    this.loop.wake();
  }

  /** After a look: ends the engine if the peer is gone or Close went out with nothing more to wait for. */
  private settle(): boolean {
    if (!this.peerGone) return this.endIfClosed();
    this.finishPeerGone();
    return true;
  }

  /** Ends once this side's Close is in the ring and the peer's came too (or this side leaves). */
  private endIfClosed(): boolean {
    if (!this.closing.written || !(this.receiver.closeReceived || this.closing.leaving)) return false;
    this.end();
    return true;
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
