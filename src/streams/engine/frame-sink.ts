/**
 * The contract between a channel engine and its owner: what the engine asks (what to do with the next Data frame)
 * and what it reports (frames, the peer's Close, the end, writability). Process-local; implemented by Connection.
 *
 * Invariants relied on: the engine calls the sink synchronously from its drain, in ring order; a payload handed to
 * `data` in `deliver` mode may be a borrowed view of the ring, valid only during the call (in every other mode it
 * is a copy the sink may keep); `ended` or `failed` comes exactly once, after which nothing more is called.
 */
import type { FrameFields } from './frame-fields.js';

/** Where a channel engine delivers what it reads and reports what happens to it (implemented by Connection). */
export interface FrameSink {
  /**
   * What to do with the next Data frame: `deliver` it now (a borrowed view is fine), `batch`: deliver it now as a
   * copy that may share its buffer with other messages (for batch subscribers), `keep` a copy for later (nobody
   * subscribes yet, the local backlog has room), or `hold` it in the ring (backpressure to the peer).
   */
  dataMode(): DataMode;
  /** A Data payload: delivered at once in `deliver` and `batch` mode, kept (always a copy) in `keep` mode. */
  data(payload: Uint8Array): void;
  /**
   * In `batch` mode, when only batch subscribers receive (no user code runs until `drainEnded`): the array this
   * drain's messages go into, for the engine to append a whole Batch frame's copies to at once (then `batched`);
   * null: hand each message to `data`.
   */
  batchTarget(): Uint8Array[] | null;
  /** Counts `messages` of `bytes` the engine appended to `batchTarget()` itself. */
  batched(messages: number, bytes: number): void;
  /**
   * A drain that delivered at least one Data frame ended: what it delivered is one batch (for batch subscribers).
   * Called before the engine returns to the event loop, never while a Data view from that drain is still lent out.
   */
  drainEnded(): void;
  /** Every frame other than Data and Close: its header (a fresh object) and a copy of its payload. */
  control(header: FrameFields, payload: Uint8Array): void;
  /** The peer sent Close (or marked itself closed and left): nothing more will come. */
  closed(): void;
  /** The connection failed (peer exited, corrupt ring, malformed frame); the engine is disposed. */
  failed(error: Error): void;
  /** Both sides closed cleanly; the engine is disposed. */
  ended(): void;
  /** The local send queue crossed the high-water mark (false) or fell back under it (true). */
  writableChanged(writable: boolean): void;
}

/** See FrameSink.dataMode. */
export type DataMode = 'deliver' | 'batch' | 'keep' | 'hold';

/** Outcome of a send; `failed`: the ring turned out corrupt, the connection failed (its receive side says so). */
export type SendResult = 'written' | 'queued' | 'rejected' | 'failed';
