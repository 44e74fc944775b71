/**
 * Data nobody subscribed to yet, copied out of the ring so control frames behind it keep flowing and nothing is
 * lost when the peer leaves; bounded by `limit` bytes (beyond it Data waits in the ring: backpressure). The end of
 * the receive side (complete or error) is delivered only after the backlog. Process-local only.
 */
import type { DataMode } from './frame-sink.js';

/** Where the backlog delivers: the connection's subscribers. */
export interface BacklogTarget {
  /** How many subscribers receive now. */
  demand(): number;
  deliver(payload: Uint8Array): void;
  /** Ends the receive side (null: complete). */
  end(error: Error | null): void;
}

export class ReceiveBacklog {
  private readonly items: Uint8Array[] = [];
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
    if (this.target.demand() > 0 && this.items.length === 0) return 'deliver';
    return this.bytes < this.limit ? 'keep' : 'hold';
  }

  /** Delivers `payload` now, or keeps it behind what is already waiting. */
  accept(payload: Uint8Array): void {
    if (this.target.demand() > 0 && this.items.length === 0) return this.target.deliver(payload);
    this.items.push(payload);
    this.bytes += payload.length;
  }

  /** Delivers what waits to the subscribers there are now, then a pending end. */
  flush(): void {
    while (this.items.length > 0 && this.target.demand() > 0) {
      const payload = this.items.shift()!;
      this.bytes -= payload.length;
      this.target.deliver(payload);
    }
    if (this.items.length === 0 && this.ending !== undefined && !this.ended) {
      this.ended = true;
      this.target.end(this.ending);
    }
  }

  /** Ends the receive side after the backlog (at once when it is empty); the first end wins. */
  end(error: Error | null): void {
    if (this.ending === undefined) this.ending = error;
    this.flush();
  }
}
