/**
 * PeerStall: tells a waiting side that its peer has stopped reading — records this side sent wait unread and the
 * peer's read position has not moved for PEER_STALL_MS. A peer that does not read while it has input is, almost
 * always, a peer that does not run: it waits for a core. Polling on then only keeps that core from it, so the wait
 * loop parks (the peer rings the doorbell when it publishes, as after any park).
 *
 * Why: measured 2026-12-04 on this 2-core VM while another engineer's process kept one core busy, 64 calls in flight
 * (two processes, default options) fell to 15-16 k calls/s — 64 calls per ~4 ms: each side polled out its whole
 * 2 ms poll phase before parking, and only then could the other run. With the poll phase cut to 20 µs the same
 * moment gave 490-513 k, but a shorter poll phase also parks sides whose peer runs and is merely quiet.
 *
 * Cross-process invariant relied on: the read position is the peer's, so it is untrusted; it is reloaded with the
 * ring's own checks (a corrupt one throws RingCorruptError, which fails the connection, as any look does).
 */

/** How long (ms) unread records may wait with the peer's read position still before the peer counts as stalled. */
export const PEER_STALL_MS = 0.05;

/** What PeerStall reads of the send ring. */
export interface StallRing {
  /** The consumer's position, reloaded and checked. */
  consumerPosition(): number;
  /** This producer's position. */
  readonly writePosition: number;
}

/** Watches the peer's read position across the wait loop's turns. */
export class PeerStall {
  private seen = -1;
  private since = 0;

  constructor(private readonly ring: StallRing) {}

  /** True when records wait unread and the peer's read position has not moved for PEER_STALL_MS before `now` (ms). */
  stalled(now: number): boolean {
    const read = this.ring.consumerPosition();
    if (read === this.ring.writePosition) {
      this.seen = -1; // everything was read: no stall to time
      return false;
    }
    if (read !== this.seen) {
      this.seen = read;
      this.since = now;
      return false;
    }
    return now - this.since >= PEER_STALL_MS;
  }
}
