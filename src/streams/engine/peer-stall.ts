/**
 * PeerStall: tells a waiting side that its peer has stopped reading — at least PEER_STALL_FRAMES records this side
 * sent wait unread and the peer's read position has not moved for PEER_STALL_MS. A peer that does not read a batch
 * waiting for it is, almost always, a peer that does not run: it waits for a core. Polling on then only keeps that
 * core from it, so the wait loop parks (the peer rings the doorbell when it publishes, as after any park).
 *
 * Why: measured 2026-12-04 on this 2-core VM while another engineer's process kept one core busy, 64 calls in flight
 * (two processes, default options) fell to 15-20 k calls/s — 64 calls per ~4 ms: each side polled out its whole
 * 2 ms poll phase before parking, and only then could the other run. With this rule: 89-100 k at 250 µs (280-290 k
 * at 50 µs, but 50 µs also parked a running pipeline on a quiet machine, 2.0 -> 1.56 M calls/s; 250 µs left it at
 * 2.0 M). Parking on any unread frame instead of a batch made one-at-a-time round trips under load fall into a
 * cycle of parks (each side parked while the other was still waking up: 1.5 -> 104 µs); a round trip has one
 * frame unread, a stalled pipeline many.
 *
 * Cross-process invariant relied on: the read position is the peer's, so it is untrusted; it is reloaded with the
 * ring's own checks (a corrupt one throws RingCorruptError, which fails the connection, as any look does). The
 * frame count is this side's own (records written since the peer was last seen to have read everything).
 */

/** How long (ms) unread records may wait with the peer's read position still before the peer counts as stalled. */
export const PEER_STALL_MS = 0.25;

/** Fewest records written since the ring was last seen fully read for a stall to count (a round trip has one). */
export const PEER_STALL_FRAMES = 8;

/** What PeerStall reads of the send ring. */
export interface StallRing {
  /** The consumer's position, reloaded and checked. */
  consumerPosition(): number;
  /** This producer's position. */
  readonly writePosition: number;
  /** Records written so far (deferred commits included). */
  readonly messages: number;
}

/** Watches the peer's read position across the wait loop's turns. */
export class PeerStall {
  private seen = -1;
  private since = 0;
  /** `messages` when the ring was last seen fully read. */
  private writtenWhenRead = 0;

  constructor(private readonly ring: StallRing) {}

  /**
   * True when PEER_STALL_FRAMES or more records were written since the ring was last seen fully read, and the peer's
   * read position has not moved for PEER_STALL_MS before `now` (ms). Call it on every turn, so a read ring is seen.
   */
  stalled(now: number): boolean {
    const read = this.ring.consumerPosition();
    if (read === this.ring.writePosition) {
      this.seen = -1; // everything was read: no stall to time
      this.writtenWhenRead = this.ring.messages;
      return false;
    }
    if (read !== this.seen) {
      this.seen = read;
      this.since = now;
      return false;
    }
    return this.ring.messages - this.writtenWhenRead >= PEER_STALL_FRAMES && now - this.since >= PEER_STALL_MS;
  }
}
