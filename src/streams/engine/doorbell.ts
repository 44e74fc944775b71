/**
 * The doorbell: the Unix socket both sides of a channel hold. A byte on it wakes a parked peer; its end is the
 * peer's death notice. Process-local wrapper; the rings themselves never go through it.
 *
 * Invariants relied on:
 * - The kernel closes the socket when the peer process dies, so 'close' always comes, clean exit or crash.
 * - A bell carries no data: any number of bytes means "look at the rings"; losing one costs latency only, since a
 *   parked side re-checks its rings on a timer (see wait-loop.ts).
 * - Whether the socket is referenced decides whether it keeps this process alive (see ChannelEngine.keepAlive).
 */
import type { Socket } from 'node:net';
import { BELL } from '../handshake/handshake.js';
import type { EngineStats } from './engine-stats.js';

/** What the doorbell reports to its engine. */
export interface DoorbellEvents {
  /** The peer rang: something was published, or room was freed. */
  bell(): void;
  /** The socket closed: the peer process is gone (or closed its end). */
  closed(): void;
}

/** One side's end of the doorbell socket: rings the peer, reports its bells and its end, holds the process or not. */
export class Doorbell {
  private referenced = true;

  constructor(
    private readonly socket: Socket,
    private readonly stats: EngineStats,
    events: DoorbellEvents,
  ) {
    socket.on('data', () => events.bell());
    socket.on('close', () => events.closed());
    socket.on('error', () => undefined); // 'close' follows; the peer's death is reported there
  }

  /** Wakes the peer (one byte); a no-op once the socket is closing. */
  ring(): void {
    this.stats.bells++;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(BELL);
  }

  /** Whether the socket keeps this process alive (ref) or lets it exit (unref). */
  holdProcess(hold: boolean): void {
    if (hold === this.referenced) return;
    this.referenced = hold;
    if (hold) this.socket.ref();
    else this.socket.unref();
  }

  /**
   * Closes this end. `abrupt`: destroyed at once. Otherwise a graceful end: the peer sees EOF, and our 'close' comes
   * only once the peer closed too, which tells a server that the old client has stopped touching the rings; unref,
   * so a slow peer never holds this process.
   */
  shut(abrupt: boolean): void {
    this.referenced = false;
    if (abrupt) return void this.socket.destroy();
    this.socket.end();
    this.socket.unref();
  }
}
