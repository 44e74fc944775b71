/**
 * What a Sender needs from its engine, and the constants that tune its bursts and its queue memory. Process-local;
 * split from sender.ts to keep that file about the ring.
 */

/**
 * Within a synchronous burst, deferred commits are also published every this many frames, so the consumer starts
 * on the first frames while the producer writes the rest (the two processes overlap instead of taking turns).
 * Measured (2026-12-03, compiled, two processes, medians of 3): 64 calls in flight 761 k calls/s at 8, 591-734 k at
 * 16-32, 521 k without; 64 B one-way next() pays ~8 % for it (8.5 M vs 9.4 M msg/s without).
 */
export const PUBLISH_EVERY = 8;

/** The most bytes of free queue buffers a Sender keeps for reuse (see buffer-pool.ts). */
export const POOL_BUDGET_MAX = 4 << 20;

/** What the sender needs from its engine. */
export interface SenderHooks {
  /** Ring the peer's doorbell. */
  ring(): void;
  /** Something was written or queued: stop parking, poll soon. */
  activity(): void;
  /** This side's Close frame is in the ring. */
  closeSent(): void;
  /** See FrameSink.writableChanged. */
  writableChanged(writable: boolean): void;
}
