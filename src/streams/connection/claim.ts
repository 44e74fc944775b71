/**
 * The zero-copy send slot behind Connection.claim: one reusable object per connection (one claim is open at a
 * time), so a zero-copy send allocates nothing.
 *
 * Invariants relied on: the claimed bytes are ring memory the peer cannot see until commit; nothing else is written
 * into the ring while the claim is open, and the segment is not unmapped under it (the engine waits for the claim
 * to end); after commit or abort the slot points at an empty array, so a stale reference cannot write into the ring.
 */
import type { ChannelEngine } from '../engine/engine.js';
import { ConnectionClosedError } from '../errors.js';
import { EMPTY_PAYLOAD as EMPTY } from '../engine/frame-fields.js';

/** A claimed slot of ring memory for a zero-copy send (see Connection.claim). */
export interface Claim {
  /** Write the message here; valid only until commit() or abort(). */
  readonly bytes: Uint8Array;
  /** Publishes the first `length` bytes (default: all) as one message; RangeError (claim kept) for a bad length. */
  commit(length?: number): void;
  abort(): void;
}

/** The Claim a connection hands out: opened on claimed ring memory, committed or aborted once, then reused. */
export class RingClaim implements Claim {
  /** The claimed ring memory while open; an empty array otherwise. */
  bytes: Uint8Array = EMPTY;
  private pending = false;

  constructor(private readonly engine: ChannelEngine) {}

  /** Opens the slot on freshly claimed ring memory. */
  open(bytes: Uint8Array): this {
    this.bytes = bytes;
    this.pending = true;
    return this;
  }

  /** See Claim.commit; ConnectionClosedError when the connection ended under the claim. */
  commit(length = this.bytes.length): void {
    if (!this.pending) throw new Error('Claim.commit: this claim was already committed or aborted');
    if (!Number.isInteger(length) || length < 0 || length > this.bytes.length) {
      // Checked before anything changes: the claim stays open, to commit with a good length or abort.
      throw new RangeError(
        `Claim.commit: length=${length} must be an integer from 0 to the claimed ${this.bytes.length}`,
      );
    }
    this.pending = false;
    this.bytes = EMPTY;
    if (!this.engine.commit(length))
      throw new ConnectionClosedError(this.engine.channel, 'ended before the claim was committed; nothing was sent');
  }

  /** See Claim.abort; a no-op once committed or aborted. */
  abort(): void {
    if (!this.pending) return;
    this.pending = false;
    this.engine.abortClaim();
    this.bytes = EMPTY;
  }
}
