/**
 * Data nobody subscribed to yet, copied out of the ring so control frames behind it keep flowing and nothing is
 * lost when the peer leaves; bounded by `limit` bytes (beyond it Data waits in the ring: backpressure). The end of
 * the receive side (complete or error) is delivered only after the backlog. Process-local only.
 *
 * The queue takes from a head index, not with `Array.shift()`: a backlog of 8-byte messages holds ~131 k of them
 * at the default 1 MiB, and V8 shifts an array that large by moving every element (it trims only small arrays in
 * place), so draining it was quadratic: 200,000 messages took ~6 s instead of ~0.1 s.
 */
import type { DataMode } from '../engine/frame-sink.js';

/** Where the backlog delivers: the connection's subscribers. */
export interface BacklogTarget {
  /** How many subscribers receive now. */
  demand(): number;
  deliver(payload: Uint8Array): void;
  /** Ends the receive side (null: complete). */
  end(error: Error | null): void;
}

/** Delivered slots at the front of the queue tolerated before they are cut off (and at least half the queue). */
const COMPACT_AFTER = 4096;

/**
 * A bounded FIFO of Data payloads kept for subscribers still to come, which also holds back the end of the receive
 * side until what it kept is delivered.
 *
 * @example
 * ```ts
 * const backlog = new ReceiveBacklog(1 << 20, { demand: () => subscribers, deliver: (m) => emit(m), end: (e) => close(e) });
 * if (backlog.mode() !== 'hold') backlog.accept(copy); // the engine asks first, then hands over
 * backlog.flush(); // a subscriber came: what waits is delivered in order, then a pending end
 * ```
 */
export class ReceiveBacklog {
  /** Waiting payloads are `items[head..]`; slots before `head` were delivered and are cleared. */
  private items: (Uint8Array | undefined)[] = [];
  private head = 0;
  /** Bytes of the payloads waiting (delivered ones are subtracted at once). */
  private bytes = 0;
  /** How the receive side ends once the backlog is delivered (undefined: not yet). */
  private ending: Error | null | undefined = undefined;
  private ended = false;

  constructor(
    private readonly limit: number,
    private readonly target: BacklogTarget,
  ) {}

  /** What the receiver should do with the next Data frame (see FrameSink.dataMode). */
  mode(): DataMode {
    if (this.target.demand() > 0 && this.empty()) return 'deliver';
    return this.bytes < this.limit ? 'keep' : 'hold';
  }

  /** Delivers `payload` now, or keeps it behind what is already waiting. */
  accept(payload: Uint8Array): void {
    if (this.target.demand() > 0 && this.empty()) return this.target.deliver(payload);
    this.items.push(payload);
    this.bytes += payload.length;
  }

  /** Delivers what waits to the subscribers there are now, then a pending end. */
  flush(): void {
    // Fields, not locals: a subscriber may re-enter (subscribe, unsubscribe, receive more) during deliver().
    while (!this.empty() && this.target.demand() > 0) this.target.deliver(this.take());
    if (this.empty() && this.ending !== undefined && !this.ended) {
      this.ended = true;
      this.target.end(this.ending);
    }
  }

  /** Ends the receive side after the backlog (at once when it is empty); the first end wins. */
  end(error: Error | null): void {
    if (this.ending === undefined) this.ending = error;
    this.flush();
  }

  /**
   * Puts `payloads` (copies, in order) back in front of what waits: messages handed to a batch subscriber that left
   * before its batch was emitted. They go before anything newer, so ring order holds.
   */
  putBack(payloads: readonly Uint8Array[]): void {
    if (payloads.length === 0) return;
    this.items = [...payloads, ...this.items.slice(this.head)];
    this.head = 0;
    for (const payload of payloads) this.bytes += payload.length;
  }

  /** Nothing waits. */
  empty(): boolean {
    return this.head === this.items.length;
  }

  /** The oldest waiting payload, in O(1) amortized: the delivered prefix is cut off only once it is at least half the array. */
  private take(): Uint8Array {
    const payload = this.items[this.head]!;
    this.items[this.head++] = undefined; // the subscriber owns it now; don't keep it alive
    this.bytes -= payload.length;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return payload;
  }
}
