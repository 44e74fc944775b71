/**
 * The receive side of a Connection: its subscribers, the demand they make, and the backlog that keeps Data for a
 * subscriber still to come. Process-local only.
 *
 * Invariants relied on: messages reach subscribers in ring order, the backlog's before any newer one; the end of the
 * receive side (complete or error) comes after everything kept was delivered; with no subscriber and a full backlog,
 * Data stays in the ring (the engine `hold`s it), which is the peer's backpressure, so nothing is dropped.
 */
import { Subject, type Subscriber, type Subscription } from 'rxjs';
import type { ChannelEngine } from '../engine/engine.js';
import type { DataMode } from '../engine/frame-sink.js';
import { ReceiveBacklog } from './receive-backlog.js';

/** The subscribers of one connection and the Data kept for them; the engine asks it what to do with each message. */
export class ReceivePath {
  private readonly incoming = new Subject<Uint8Array>();
  /** Data nobody subscribed to yet (see ReceiveBacklog). */
  private readonly backlog: ReceiveBacklog;
  private demand = 0;
  /** The last receive subscription ended, and none came since: a scoped connection may close its side. */
  receiversGone = false;

  /**
   * `limit`: bytes the backlog keeps; `engine` gives the engine (attached after the connection is built); `retain`
   * makes one user of the connection until the function it returns runs (see ConnectionOwnership.retain).
   */
  constructor(
    limit: number,
    private readonly engine: () => ChannelEngine,
    private readonly retain: () => () => void,
  ) {
    this.backlog = new ReceiveBacklog(limit, {
      demand: () => this.demand,
      deliver: (payload) => this.deliver(payload),
      end: (error) => (error ? this.incoming.error(error) : this.incoming.complete()),
    });
  }

  /** A receive subscription: one user while it lasts; what the backlog kept is delivered to it first. */
  subscribe(subscriber: Subscriber<Uint8Array>): Subscription {
    this.demand++;
    this.receiversGone = false;
    const release = this.retain();
    const subscription = this.incoming.subscribe(subscriber);
    subscription.add(() => {
      if (--this.demand === 0) this.receiversGone = true;
      release();
    });
    this.backlog.flush();
    this.engine().resume();
    return subscription;
  }

  /** What the engine does with the next Data frame (see FrameSink.dataMode). */
  mode(): DataMode {
    return this.backlog.mode();
  }

  /** A Data payload from the engine: delivered now, or kept behind what waits. */
  accept(payload: Uint8Array): void {
    this.backlog.accept(payload);
  }

  /** The engine's drain that delivered Data ended (see FrameSink.drainEnded); nothing to do without batch readers. */
  drainEnded(): void {}

  /** Ends the receive side after the backlog (null: complete); the first end wins. */
  end(error: Error | null): void {
    this.backlog.end(error);
  }

  /** Hands one message to the subscribers; `stats.received` counts exactly these. */
  private deliver(payload: Uint8Array): void {
    const stats = this.engine().stats;
    stats.received++;
    stats.bytesReceived += payload.length;
    this.incoming.next(payload);
  }
}
