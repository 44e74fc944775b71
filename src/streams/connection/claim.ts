/**
 * The zero-copy send slot behind Connection.claim: one reusable object per connection (one claim is open at a
 * time), so a zero-copy send allocates nothing.
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

export class RingClaim implements Claim {
  bytes: Uint8Array = EMPTY;
  private pending = false;

  constructor(private readonly engine: ChannelEngine) {}

  open(bytes: Uint8Array): this {
    this.bytes = bytes;
    this.pending = true;
    return this;
  }

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

  abort(): void {
    if (!this.pending) return;
    this.pending = false;
    this.engine.abortClaim();
    this.bytes = EMPTY;
  }
}
