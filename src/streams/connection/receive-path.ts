/**
 * The receive side of a Connection: its subscribers (per message, and per batch through `batches()`), the demand
 * they make, and the backlog that keeps Data for a subscriber still to come. Process-local only.
 *
 * Invariants relied on: messages reach subscribers in ring order, the backlog's before any newer one; both kinds of
 * subscriber see every message (a batch is what one drain delivered, or what the backlog held for a late batch
 * subscriber); the end of the receive side (complete or error) comes after everything kept or batched was
 * delivered; with no subscriber and a full backlog, Data stays in the ring (the engine `hold`s it), which is the
 * peer's backpressure, so nothing is dropped.
 */
import { Subscription, type Subscriber } from 'rxjs';
import type { ChannelEngine } from '../engine/engine.js';
import type { EngineStats } from '../engine/engine-stats.js';
import type { DataMode } from '../engine/frame-sink.js';
import { Fanout } from './fanout.js';
import { ReceiveBacklog } from './receive-backlog.js';

/** The subscribers of one connection and the Data kept for them; the engine asks it what to do with each message. */
export class ReceivePath {
  private readonly messages = new Fanout<Uint8Array>();
  private readonly batches = new Fanout<Uint8Array[]>();
  /** Messages delivered since the last batch was emitted (only while batch subscribers exist). */
  private batch: Uint8Array[] = [];
  /** Data nobody subscribed to yet (see ReceiveBacklog). */
  private readonly backlog: ReceiveBacklog;
  private demand = 0;
  /** The engine's counters, taken at the first delivery (the engine is attached after this is built). */
  private stats: EngineStats | null = null;
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
      end: (error) => {
        this.emitBatch();
        this.messages.end(error);
        this.batches.end(error);
      },
    });
  }

  /** A receive subscription: one user while it lasts; what the backlog kept is delivered to it first. */
  subscribe(subscriber: Subscriber<Uint8Array>): Subscription {
    return this.add(this.messages, subscriber);
  }

  /** A batch subscription (see Connection.batches): like `subscribe`, the backlog coming as one batch. */
  subscribeBatches(subscriber: Subscriber<Uint8Array[]>): Subscription {
    return this.add(this.batches, subscriber);
  }

  /** What the engine does with the next Data frame (see FrameSink.dataMode). */
  mode(): DataMode {
    if (this.demand > 0 && this.backlog.empty()) return this.batches.size > 0 ? 'batch' : 'deliver';
    return this.backlog.mode();
  }

  /** A Data payload from the engine: delivered now, or kept behind what waits (the backlog's rule, inlined). */
  accept(payload: Uint8Array): void {
    if (this.demand > 0 && this.backlog.empty()) this.deliver(payload);
    else this.backlog.accept(payload);
  }

  /**
   * Where a whole Batch frame's copies may go at once (see FrameSink.batchTarget): this drain's batch, while batch
   * subscribers alone receive and nothing waits in the backlog; else null.
   */
  batchTarget(): Uint8Array[] | null {
    const only = this.batches.size > 0 && this.messages.size === 0;
    return only && this.demand > 0 && this.backlog.empty() ? this.batch : null;
  }

  /** Counts what the engine appended to batchTarget() (`stats.received` counts every message delivered). */
  batched(messages: number, bytes: number): void {
    const stats = (this.stats ??= this.engine().stats);
    stats.received += messages;
    stats.bytesReceived += bytes;
  }

  /** The engine's drain that delivered Data ended (see FrameSink.drainEnded): what it delivered is one batch. */
  drainEnded(): void {
    this.emitBatch();
  }

  /** Ends the receive side after the backlog (null: complete); the first end wins. */
  end(error: Error | null): void {
    this.backlog.end(error);
  }

  private add<T>(fanout: Fanout<T>, subscriber: Subscriber<T>): Subscription {
    // A batch subscriber joining mid-drain (from a handler the drain runs) gets only what comes after it, as a
    // per-message one does: what this drain collected so far goes to the batch subscribers it was collected for.
    if ((fanout as unknown) === this.batches) this.emitBatch();
    if (!fanout.add(subscriber)) return Subscription.EMPTY;
    this.demand++;
    this.receiversGone = false;
    const release = this.retain();
    // On the subscriber itself, before the backlog flushes: one that stops during the flush (take, firstValueFrom)
    // must stop the flush at once, or the rest of the backlog goes to a closed subscriber and is lost.
    subscriber.add(() => {
      fanout.remove(subscriber);
      if ((fanout as unknown) === this.batches && this.batches.size === 0) this.keepPendingBatch();
      if (--this.demand === 0) this.receiversGone = true;
      release();
    });
    this.backlog.flush();
    this.emitBatch();
    this.engine().resume();
    return subscriber;
  }

  /** Hands one message to the subscribers; `stats.received` counts exactly these. */
  private deliver(payload: Uint8Array): void {
    const stats = (this.stats ??= this.engine().stats);
    stats.received++;
    stats.bytesReceived += payload.length;
    if (this.batches.size > 0) this.batch.push(payload);
    // Next to batch subscribers the payload may be a piece of a batch's shared chunk: a per-message subscriber still
    // gets a buffer of its own.
    if (this.messages.size > 0) this.messages.next(this.batches.size > 0 ? payload.slice() : payload);
  }

  /**
   * The last batch subscriber left in the middle of a drain: what was collected for it, and that no per-message
   * subscriber received, goes back to the backlog (uncounted) instead of being lost.
   */
  private keepPendingBatch(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    if (this.messages.size > 0) return;
    const stats = (this.stats ??= this.engine().stats);
    for (const payload of batch) {
      stats.received--;
      stats.bytesReceived -= payload.length;
    }
    this.backlog.putBack(batch);
  }

  private emitBatch(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batches.next(batch);
  }
}
