/**
 * Who owns a Connection and who uses it. Its owner (listen/connect) either scopes it, or hands it to the caller
 * (an owner that lets go while emitting it: firstValueFrom, take(1)); its users (receive subscriptions, serve,
 * pending requests) keep this side open and the process alive. A scoped connection closes its side once its users
 * are gone; a handed one when its holder says so. Process-local only.
 *
 * Invariants relied on: the idle check runs a turn after the last user left, so a re-subscription in the same turn
 * carries over; closing by the owner or by idleness goes through ChannelEngine.leave, so what this side queued is
 * still delivered before its Close (or the peer is told it was not).
 */
import type { ChannelEngine } from '../engine/engine.js';
import { ConnectionClosedError } from '../errors.js';
import type { ConnectionEnding } from './connection-ending.js';

/** What ownership needs from its connection. */
export interface OwnershipHost {
  readonly channel: string;
  readonly ending: ConnectionEnding;
  /** The engine (attached after the connection is built). */
  engine(): ChannelEngine;
  /** The last receive subscription ended and none came since. */
  receiversGone(): boolean;
  /** The peer's Close arrived. */
  peerClosed(): boolean;
  /** The owner stopped it: receiving and pending requests end now with `error`. */
  stop(error: Error): void;
}

/** The owner and the users of one connection, and when that makes this side close. */
export class ConnectionOwnership {
  /** Receive subscriptions, serves and pending requests: while any is there, this side stays open. */
  private users = 0;
  private idleCheckQueued = false;
  /**
   * `scoped`: its listen/connect subscription owns it; `handed`: that subscription let go while emitting it, so the
   * caller owns it until it ends; `gone`: the owner unsubscribed to stop it.
   */
  private owner: 'scoped' | 'handed' | 'gone' = 'scoped';
  private emitting = false;

  constructor(private readonly host: OwnershipHost) {}

  /**
   * One user of this side (a receive subscription, serve, a pending request) until the returned function runs (once;
   * later calls do nothing). Users keep the process alive; without them a connection does not (its exit hook still
   * closes it cleanly). When the last receive subscription has ended and no user is left (checked a turn later, so a
   * re-subscription carries over), a connection its listen/connect subscription still owns closes its side: the
   * pipe style ends by itself.
   */
  retain(): () => void {
    if (this.users++ === 0) this.host.engine().setInUse(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.users > 0) return;
      this.host.engine().setInUse(false);
      this.queueIdleCheck();
    };
  }

  /** Something happened that may leave the connection unused (Close sent or received): check a turn later. */
  checkIdle(): void {
    if (this.users === 0) this.queueIdleCheck();
  }

  /** Emits the connection to its owner's subscriber; an owner that lets go meanwhile hands it over. */
  emitTo<T>(connection: T, subscriber: { next(connection: T): void }): void {
    this.emitting = true;
    try {
      subscriber.next(connection);
    } finally {
      this.emitting = false;
    }
  }

  /**
   * The owning subscription ended; `unmap` runs once the connection has ended. Letting go while emitting hands the
   * connection to the caller; later it means "stop": this side closes after everything queued is delivered. With
   * `stop` false it only arranges the unmap: the connection ends by itself (its peer is gone).
   */
  release(unmap: () => void, stop = true): void {
    const { ending } = this.host;
    ending.unmapAfterEnd(unmap);
    if (ending.ended || !stop) return;
    if (this.emitting) {
      this.owner = 'handed';
      return;
    }
    this.owner = 'gone';
    const why = ending.closing('was closed by its owning subscription (unsubscribed)');
    // "Stop": receiving and pending requests end now; what this side queued is still delivered before its Close.
    this.host.stop(new ConnectionClosedError(this.host.channel, why));
    this.host.engine().leave();
  }

  private queueIdleCheck(): void {
    if (this.idleCheckQueued || this.host.ending.ended) return;
    this.idleCheckQueued = true;
    setImmediate(() => {
      this.idleCheckQueued = false;
      const { ending } = this.host;
      const engine = this.host.engine();
      if (ending.ended || this.users > 0) return;
      if (engine.sendClosed) return engine.leave(); // complete() was called: done once Close is out
      if (this.owner !== 'scoped') return; // a handed-over connection closes when its holder says so
      const receiversGone = this.host.receiversGone();
      if (!receiversGone && !this.host.peerClosed()) return;
      ending.closing(
        receiversGone
          ? 'was closed by this side (its last subscriber, serve or request ended)'
          : 'was closed by this side (its peer closed and nothing here used it)',
      );
      engine.leave();
    });
  }
}
