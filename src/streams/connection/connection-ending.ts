/**
 * How a Connection ends, once: why this side is closed (for every later use's ConnectionClosedError), the end
 * event (`end$`), the receive side's completion or error, the failure of whatever waits on control frames, and the
 * unmapping of the segment. Process-local bookkeeping over the engine's teardown.
 *
 * Invariants relied on: a connection ends exactly once, and only the first reason for closing is kept; the segment
 * is unmapped only after the end and after the owner let go (the engine defers it past any delivery or open claim).
 */
import { ReplaySubject, Subject, type Observable } from 'rxjs';
import type { ChannelEngine } from '../engine/engine.js';
import { ConnectionClosedError } from '../errors.js';

/** How a connection ended, as `end$` tells it. */
export interface ConnectionEnd {
  /** True when nothing was lost: both sides closed, or this side closed and everything it sent was delivered. */
  readonly clean: boolean;
  /** Why it ended, when not clean: PeerExitedError, ConnectionAbortedError, MalformedFrameError, ... */
  readonly error: Error | null;
  /** Who ended it: `both` (Close both ways), `self` (this side closed or let go), `peer` (the peer died or failed). */
  readonly by: 'both' | 'self' | 'peer';
}

/** What the ending needs from its connection. */
export interface EndingHost {
  readonly channel: string;
  /** What the peer's failure does to the receive side: `error` it, or `complete` it (reported on errors$). */
  readonly peerFailure: 'error' | 'complete';
  /** The engine (attached after the connection is built). */
  engine(): ChannelEngine;
  /** Ends the receive side after its backlog (null: complete). */
  endReceive(error: Error | null): void;
  /** Fails every request, serve and liveness waiting on control frames. */
  failControl(error: Error): void;
  /** The connection ended (null: cleanly): complete the connection's own streams, run its owner's hook. */
  ended(error: Error | null): void;
}

/** The end of one connection: why it is closed, how it ended, and what is told. */
export class ConnectionEnding {
  private readonly errorsSubject = new Subject<Error>();
  private readonly endSubject = new ReplaySubject<ConnectionEnd>(1);
  private readonly endedSubject = new Subject<void>();
  /** Non-fatal problems (see Connection.errors$). */
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();
  /** Emits once how the connection ended, then completes; replays it to late subscribers. */
  readonly end$: Observable<ConnectionEnd> = this.endSubject.asObservable();
  /** Emits once when the connection ends (stats$ stops there). */
  readonly ended$: Observable<void> = this.endedSubject.asObservable();
  private finished = false;
  /** How it ended, once it has (null: closed both ways). */
  private endError: Error | null = null;
  /** Why sends are refused, once this side closed (for ConnectionClosedError's message). */
  private closedReason: string | null = null;
  /** Unmaps the segment once the connection ended and its owner let go. */
  private unmap: (() => void) | null = null;

  constructor(private readonly host: EndingHost) {}

  /** True once the connection ended (closed both ways, this side closed and left, failed, or torn down). */
  get ended(): boolean {
    return this.finished;
  }

  /** Records why this side is closed; the first reason wins, and is returned. */
  closing(reason: string): string {
    return (this.closedReason ??= reason);
  }

  /** Reports a non-fatal error on errors$. */
  report(error: Error): void {
    this.errorsSubject.next(error);
  }

  /** The error a use of this closed side fails with, naming why it is closed. */
  closedError(): ConnectionClosedError {
    const why = this.closedReason ?? (this.endError ? `failed: ${this.endError.message}` : 'was closed by both sides');
    return new ConnectionClosedError(this.host.channel, `${why}; nothing was sent`, this.endError ?? undefined);
  }

  /** The owner let go: `unmap` runs once the connection has ended (at once if it has). */
  unmapAfterEnd(unmap: () => void): void {
    this.unmap = unmap;
    if (this.finished) this.host.engine().dispose(this.endError ?? new ConnectionClosedError(this.host.channel), unmap);
  }

  /** Closes at once, by this side, failing the receive side with `error`. */
  abort(error: unknown): void {
    const reason = error instanceof Error ? error : new Error(String(error));
    this.host.engine().dispose(reason);
    this.finish(reason, 'self');
  }

  /** The peer misbehaved: ends as the peer's failure, and the peer is told (aborted close bit, doorbell closed). */
  rejectPeer(error: Error): void {
    if (this.finished) return;
    this.closing(`was closed because its peer misbehaved: ${error.message}`);
    this.host.engine().dispose(error, undefined, true);
    this.finish(error, 'peer');
  }

  /**
   * Ends the connection once. `error` null: closed both ways. A side that closed and left ends its receive side with
   * ConnectionClosedError (completion only means the peer closed); a failed peer errors it, or completes it under
   * `peerFailure: 'complete'` (the error then goes to errors$ and end$).
   */
  finish(error: Error | null, by: ConnectionEnd['by']): void {
    if (this.finished) return;
    this.finished = true;
    const { channel } = this.host;
    const left = error === null && by === 'self';
    this.endError = left ? new ConnectionClosedError(channel, this.closedReason ?? 'was closed by this side') : error;
    this.closedReason ??= error ? `failed: ${error.message}` : null;
    if (error && by === 'peer' && this.host.peerFailure === 'complete') {
      this.report(error);
      this.host.endReceive(null);
    } else this.host.endReceive(this.endError);
    this.host.failControl(this.endError ?? new ConnectionClosedError(channel, 'was closed by both sides'));
    this.endSubject.next({ clean: error === null, error, by });
    this.endSubject.complete();
    this.errorsSubject.complete();
    this.endedSubject.next();
    this.endedSubject.complete();
    this.host.ended(error);
    if (this.unmap) this.host.engine().dispose(this.endError ?? new ConnectionClosedError(channel), this.unmap);
  }
}
