/**
 * How a channel engine waits, in three phases: spin (look at the rings again and again for `spinMicros`), poll
 * (one look per event-loop turn for `pollMicros`), then park (sleep until the peer's bell). Each look flushes the
 * local send queue and drains the receive ring.
 *
 * Cross-process invariants relied on:
 * - Parking: store parked=1, re-check, then sleep; the peer compare-exchanges the flag 1 -> 0 after publishing and
 *   rings one byte if it was 1. So a bell is never lost and at most one is sent per park.
 * - The parked flag lives in shared memory, so a lost or forged wake-up must cost latency, never liveness: a parked
 *   side re-checks its rings after PARK_RECHECK_MIN_MS, doubling up to PARK_RECHECK_MAX_MS while idle.
 * - Synchronous spinning never runs longer than MAX_SPIN_SLICE_MS, so timers and I/O still run under a busy peer.
 * - A spin whose look delivered frames that were not answered synchronously yields to microtasks (the caller's
 *   promise continuations, which may send the next request) and resumes from a microtask once something was sent;
 *   one event-loop turn spends at most MAX_SPIN_SLICE_MS in such resumed spins, then the loop goes back to
 *   setImmediate, so microtasks never starve timers and I/O.
 * - A side whose only work is a send queue blocked on a full ring (nothing received) parks at once, without the poll
 *   phase, when its last wait for room was slow (SLOW_ROOM_WAIT_MS): polling cannot make room, only take the CPU the
 *   consumer needs; the consumer rings after each drain that frees room (PRODUCER_PARKED). At 64 KiB the sender's
 *   CPU per message fell ~65 -> ~40 µs; a fast (borrowing) consumer's short waits keep the polling.
 * - The poll phase also parks once a batch this side sent waits unread and the peer's read position stood still for
 *   PEER_STALL_MS: that peer waits for a core, which polling would keep from it (peer-stall.ts).
 * - A poll turn whose looks found nothing offers the core to a ready thread (`yieldCpu`: sched_yield) before the
 *   next: a peer sharing the core (one CPU, or more busy processes than cores) would otherwise run only when the
 *   scheduler's time slice ends. Measured on one shared core: round trip 284 -> 23 µs; on free cores it returns at once.
 */
import type { ResolvedOptions } from '../channel/options.js';
import type { EngineStats } from './engine-stats.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import type { WaitLoopHost } from './wait-loop-host.js';

/** Longest synchronous spin slice (ms), so timers and I/O still run under a busy peer. */
const MAX_SPIN_SLICE_MS = 2;

/** Looks per poll turn when its first look found nothing: a few µs that catch a quick peer without a turn. */
const POLL_LOOKS = 32;

/** Microtask hops a yielded spin waits for something to be sent before it hands over to the event loop. */
const MAX_YIELD_HOPS = 16;

/**
 * A wait for room in the send ring that lasted this long (ms) marks a slow consumer: the next wait parks at once
 * (see waitForRoom). Shorter waits keep polling, since a bell's latency would then cost more than the looks.
 */
const SLOW_ROOM_WAIT_MS = 0.5;

/** First re-check of a parked side (ms); see the module header. */
export const PARK_RECHECK_MIN_MS = 50;
/** Longest interval between re-checks of an idle parked side (ms). */
export const PARK_RECHECK_MAX_MS = 1000;

/** The scheduler of one engine: runs a look at the rings when there may be work, and parks when there is none. */
export class WaitLoop {
  private scheduled = false;
  private parked = false;
  private inPump = false;
  private activity = true;
  private lastActivity = 0;
  private recheckMs = PARK_RECHECK_MIN_MS;
  private recheckTimer: NodeJS.Timeout | null = null;
  /** A re-park after an empty re-check is the same park, not a new one (stats.parks). */
  private rechecking = false;
  private afterPump: (() => void) | null = null;
  /** When this event-loop turn's first pump started: resumed spins stop after MAX_SPIN_SLICE_MS of it. */
  private turnStart = 0;
  /** A spin yielded to microtasks: `resumeAfterYield` is queued (see the module header). */
  private yielding = false;
  private yieldHops = 0;
  private yieldSends = 0;
  /** The last look delivered something from the receive ring. */
  private drained = false;
  /** When the current wait for room began, or -1 (see waitForRoom). */
  private roomWaitStart = -1;
  /** How long the last wait for room lasted (ms). */
  private lastRoomWaitMs = 0;
  private readonly pumpSoon = (): void => {
    this.scheduled = false;
    this.turnStart = performance.now();
    this.pump();
  };
  private readonly resumeAfterYield = (): void => this.afterYield();
  private readonly recheck = (): void => {
    this.recheckTimer = null;
    if (!this.parked || this.host.disposed()) return;
    this.rechecking = true;
    this.unpark();
    this.schedule(); // one look at the rings; with nothing there it parks again, re-checking later
  };

  constructor(
    private readonly sender: Sender,
    private readonly receiver: Receiver,
    private readonly options: ResolvedOptions,
    private readonly stats: EngineStats,
    private readonly host: WaitLoopHost,
  ) {}

  /** Looks at the rings on the next event-loop turn (once, however often it is asked). */
  schedule(): void {
    if (this.scheduled || this.host.disposed()) return;
    this.scheduled = true;
    setImmediate(this.pumpSoon);
  }

  /** Something to do soon: leave the parked state and poll. */
  wake(): void {
    this.activity = true;
    if (this.parked) this.unpark();
    if (!this.yielding) this.schedule(); // a yielded spin resumes by itself once something was sent
  }

  /** The peer rang the doorbell. */
  bell(): void {
    if (this.host.disposed()) return;
    if (this.parked) this.stats.wakes++;
    this.wake();
  }

  /** Runs `then` now, or after the current look if one is on the stack (the rings must stay mapped under it). */
  whenIdle(then: () => void): void {
    if (this.inPump) this.afterPump = then;
    else then();
  }

  /** The engine is disposed: no more looks, no re-check timer. */
  stop(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = null;
    this.parked = false;
  }

  private unpark(): void {
    this.parked = false;
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = null;
    this.receiver.unpark();
    this.sender.unpark();
  }

  private pump(): void {
    if (this.host.disposed()) return;
    this.inPump = true;
    try {
      this.run();
    } catch (error) {
      this.host.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.inPump = false;
      const then = this.afterPump;
      this.afterPump = null;
      then?.();
    }
  }

  private run(): void {
    const start = performance.now();
    const sends = this.sender.sends;
    const moved = this.step();
    const progressed = moved || this.activity;
    if (progressed) {
      this.recheckMs = PARK_RECHECK_MIN_MS;
      this.rechecking = false;
      this.lastActivity = start;
    }
    this.activity = false;
    this.host.keepAlive();
    const spinning = this.options.spinMicros > 0;
    const yielded = spinning && ((moved && this.sender.sends === sends) || this.spin(start));
    if (this.host.disposed() || this.host.settle()) return;
    if (yielded) return this.yieldToMicrotasks(start);
    if (this.receiver.held && this.sender.queued === 0) return; // ChannelEngine.resume() restarts us
    // Only room in the send ring would help and nothing came in: against a slow consumer polling cannot make room,
    // only take the CPU it needs to free it. Park now; the consumer rings once it has drained (module header).
    if (this.waitForRoom(start, progressed, !spinning && !this.drained && this.sender.waitingForRoom))
      return this.park();
    const now = spinning ? performance.now() : start; // one clock read per pump without a spin
    const stalled = !spinning && this.sender.peerStalled(now); // asked every pump, so a fully read ring is seen
    if (now - this.lastActivity < this.options.pollMicros / 1000)
      return !moved && stalled ? this.park() : this.poll(moved);
    this.park();
  }

  /**
   * Times the waits for room (from the first look that found the queue blocked on a full ring to the first that
   * moved something) and tells whether to park at once: `blocked` (nothing else to do) and the last wait was slow.
   */
  private waitForRoom(now: number, progressed: boolean, blocked: boolean): boolean {
    if (this.roomWaitStart >= 0 && (progressed || !blocked)) {
      this.lastRoomWaitMs = now - this.roomWaitStart;
      this.roomWaitStart = -1;
    }
    if (!blocked) return false;
    if (this.roomWaitStart < 0) this.roomWaitStart = now;
    return this.lastRoomWaitMs >= SLOW_ROOM_WAIT_MS;
  }

  /**
   * The poll phase: unless this turn already moved frames (their microtasks go first), look a few more times; if
   * they all found nothing, offer the core to a ready peer first (module header).
   */
  private poll(moved: boolean): void {
    for (let i = 0; !moved && i < POLL_LOOKS && !this.host.disposed(); i++) {
      if (this.step() && ((this.activity = true), this.host.settle())) return; // a Close read: ended now, as park()
      moved = this.activity;
    }
    if (!moved) this.options.yieldCpu();
    this.schedule();
  }

  /**
   * Looks again and again while the last activity is under `spinMicros` old, for one slice at most. True when a
   * look moved frames and nothing was sent meanwhile: the caller yields to microtasks (see the module header).
   * The clock is read every 32 looks, busy or idle (it costs more than a look), so activity is dated up to 32 looks
   * late (the spin lasts that much longer) and a busy peer still ends the slice.
   */
  private spin(start: number): boolean {
    const spinMs = this.options.spinMicros / 1000;
    const sliceEnd = start + Math.max(MAX_SPIN_SLICE_MS, spinMs);
    if (start - this.lastActivity >= spinMs) return false;
    let moved = false;
    for (let looks = 1; !this.host.disposed(); looks++) {
      const sends = this.sender.sends;
      if (this.step()) {
        if (this.sender.sends === sends) {
          this.lastActivity = performance.now();
          return true;
        }
        moved = true;
      }
      if ((looks & 31) !== 0) continue;
      const t = performance.now();
      if (moved) this.lastActivity = t;
      moved = false;
      if (t - this.lastActivity >= spinMs || t >= sliceEnd) break;
    }
    if (moved) this.lastActivity = performance.now();
    return false;
  }

  /** Lets promise continuations run; spins again from a microtask once they sent something (see afterYield). */
  private yieldToMicrotasks(now: number): void {
    if (now - this.turnStart >= MAX_SPIN_SLICE_MS) return this.schedule(); // timers and I/O get their turn
    this.yielding = true;
    this.yieldHops = 0;
    this.yieldSends = this.sender.sends;
    queueMicrotask(this.resumeAfterYield);
  }

  /**
   * One microtask hop after a yield: wait another hop while nothing was sent (continuations may be several promise
   * hops deep), then spin again from here. The turn budget checked at the next yield bounds how long that lasts.
   */
  private afterYield(): void {
    if (!this.yielding) return;
    if (this.sender.sends === this.yieldSends && ++this.yieldHops < MAX_YIELD_HOPS) {
      return queueMicrotask(this.resumeAfterYield);
    }
    this.yielding = false;
    if (this.inPump) return this.schedule(); // a delivery on the stack: never nest pumps
    this.pump();
  }

  /** One look: publish and flush queued sends, then drain the receive ring. True if anything moved. */
  private step(): boolean {
    this.sender.publish();
    const flushed = this.sender.queued > 0 && this.sender.flush();
    const drained = this.receiver.drain();
    this.drained = drained;
    if (drained) this.sender.publish(); // what the deliveries answered goes out now, not one look later
    return flushed || drained;
  }

  private park(): void {
    this.receiver.park();
    const waitingForRoom = this.sender.queued > 0;
    if (waitingForRoom) this.sender.parkForRoom();
    // Re-check after announcing the park, or a message published in between would sleep until the next one.
    if (this.step() || this.host.disposed()) {
      if (this.host.disposed()) return;
      this.unpark();
      // The peer's Close may have come in this very re-check: end now, as run() would, so the connection is
      // `ended` by the time its receive side's completion is observed.
      if (this.host.endIfClosed()) return;
      this.activity = true;
      return this.schedule();
    }
    if (this.receiver.held && !waitingForRoom) return this.receiver.unpark();
    this.parked = true;
    if (!this.rechecking) this.stats.parks++;
    this.recheckTimer = setTimeout(this.recheck, this.recheckMs);
    this.recheckTimer.unref(); // the doorbell socket decides whether the process stays
    this.recheckMs = Math.min(this.recheckMs * 2, PARK_RECHECK_MAX_MS);
  }
}
