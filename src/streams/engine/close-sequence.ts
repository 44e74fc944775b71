/**
 * This side's half of ending a channel: Close queued after everything sent, a leaving side's linger, the last Close
 * written at teardown or at process exit, and the close bits that tell the peer how this side left.
 *
 * Cross-process invariants relied on (docs/LAYOUT.md section 5):
 * - A clean close (Close frame, closed bit) is only ever announced when nothing this side sent is lost; a side that
 *   leaves with messages undelivered sets its aborted bit instead, so the peer fails rather than completes.
 * - Close is published at once, with everything before it (see Sender.writeFrame), so the closed bit set right
 *   after it never announces records the peer cannot see.
 * - Nothing is written behind an open zero-copy claim: that ring memory belongs to the user until commit or abort.
 */
import { ConnectionClosedError } from '../errors.js';
import { CLOSE_FRAME, EMPTY_PAYLOAD, type FrameFields } from './frame-fields.js';
import type { SendResult } from './frame-sink.js';
import type { Sender } from './sender.js';

/** Most time (ms) a leaving side waits for the peer to take what it had queued before it aborts instead. */
export const LINGER_MS = 10_000;

/** What the engine's owner tells it about the segment header's close bits. */
export interface CloseMarks {
  /** This side sent Close (or leaves with everything delivered): set its closed bit. */
  mark(): void;
  /** This side leaves with messages undelivered: set its aborted bit, so the peer fails instead of completing. */
  markAborted(): void;
  /** How the peer left according to its bits: `closed` (cleanly), `aborted`, or null (no bit: it died). */
  peerMark(): 'closed' | 'aborted' | null;
}

/** What the close sequence needs from its engine. */
export interface CloseHost {
  readonly channel: string;
  /** True once the engine is disposed. */
  disposed(): boolean;
  /** Sends as ChannelEngine.send does (a corrupt ring fails the connection). */
  send(header: FrameFields, payload: Uint8Array): SendResult;
  /** Something was queued: look at the rings soon. */
  wake(): void;
  /** Ends the engine cleanly. */
  end(): void;
  fail(error: Error): void;
}

/** The state of this side's Close: queued, written, leaving (and lingering), and the bit it leaves in the header. */
export class CloseSequence {
  /** Close is queued: further sends fail. */
  queued = false;
  /** Close is in the ring. */
  written = false;
  /** This side is done: the engine ends as soon as Close is in the ring, without waiting for the peer's Close. */
  leaving = false;
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sender: Sender,
    private readonly marks: CloseMarks,
    private readonly host: CloseHost,
  ) {}

  /** The Sender wrote this side's Close into the ring: set the closed bit. */
  wrote(): void {
    this.written = true;
    this.marks.mark();
  }

  /** Queues Close after everything already queued. */
  queue(): void {
    if (this.queued || this.host.disposed()) return;
    this.queued = true;
    this.host.send(CLOSE_FRAME, EMPTY_PAYLOAD);
    this.host.wake();
  }

  /**
   * This side is done with the connection: Close goes after everything queued, and the engine ends once it is in the
   * ring (everything sent is then delivered) instead of waiting for the peer's Close. A peer that takes nothing for
   * LINGER_MS makes it abort (the peer is told: aborted bit) rather than hold this process forever.
   */
  leave(): void {
    if (this.host.disposed() || this.leaving) return;
    this.leaving = true;
    // An open zero-copy claim was never sent: Close cannot go behind it, and nothing is lost without it.
    if (this.sender.claimOpen && this.undelivered() === 0) return this.host.end();
    this.queue();
    if (!this.written) {
      const why = `was closed by this side after its peer took nothing for ${LINGER_MS} ms (LINGER_MS); what it had queued was discarded`;
      this.lingerTimer = setTimeout(() => this.host.fail(new ConnectionClosedError(this.host.channel, why)), LINGER_MS);
      this.lingerTimer.unref(); // the socket keeps the process alive while there is something to deliver
    }
    this.host.wake();
  }

  /**
   * The process exits with this connection open (an idle connection does not hold it): a clean exit (code 0) with
   * nothing queued writes Close, so the peer completes; otherwise the aborted bit tells the peer something was lost.
   */
  atExit(code: number): void {
    if (this.host.disposed()) return;
    const lossless = code === 0 && this.undelivered() === 0;
    // A corrupt ring: the process still exits as it meant to, and the peer is told.
    if (!this.writeLast(lossless, true)) return this.marks.markAborted();
    if (lossless) this.marks.mark();
    else this.marks.markAborted();
  }

  /**
   * Teardown: a best-effort last Close (unless `abrupt`, the peer is gone or something would be lost), everything
   * published, and the close bit. Returns whether the teardown is abrupt after all (a corrupt ring makes it so).
   */
  seal(abrupt: boolean, peerGone: boolean): boolean {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    // A clean close only if nothing is lost: messages still queued make it an abort the peer sees.
    const lossless = this.undelivered() === 0;
    if (!this.writeLast(!abrupt && lossless && !peerGone, !abrupt)) abrupt = true;
    if (!abrupt && (lossless || this.written)) this.marks.mark();
    else this.marks.markAborted();
    return abrupt;
  }

  /** Frames queued locally other than our own Close: what a close now would lose. */
  undelivered(): number {
    return this.sender.queued - (this.queued && !this.written ? 1 : 0);
  }

  /**
   * Writes Close now (when `close` allows it, none was written and no claim is open), then publishes everything if
   * `publish`. False when the ring turned out corrupt.
   */
  private writeLast(close: boolean, publish: boolean): boolean {
    try {
      if (close && !this.written && !this.sender.claimOpen)
        this.written = this.sender.writeFrame(CLOSE_FRAME, EMPTY_PAYLOAD);
      if (publish) this.sender.publish(); // everything written so far becomes visible before the socket closes
      return true;
    } catch {
      return false;
    }
  }
}
