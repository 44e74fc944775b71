/**
 * The harness's side of one transport in the many-clients bench (issue 13): it listens, the client processes
 * (peers/many-client-peer.ts) connect. Implemented for rxshm (fan-rxshm.ts) and for a Unix socket (fan-socket.ts);
 * every message is numbered (numbered.ts) and checked on arrival, so a fast but lossy run fails instead of scoring.
 */

/** What a peer connects with. */
export type Transport = 'rxshm' | 'socket';

/** A listening server and the clients connected to it. */
export interface FanServer {
  readonly transport: Transport;
  /** What a client connects to: the channel name, or the socket's path. */
  readonly address: string;
  /** Resolves once exactly `clients` clients are connected on this side. */
  arrivals(clients: number): Promise<void>;
  /**
   * Arms the fan-in check, then resolves once every connected client's messages 0..perClient-1 of `size` bytes
   * arrived, in order; rejects naming the first problem. Call before the clients start sending.
   */
  fanIn(perClient: number, size: number): Promise<void>;
  /**
   * Sends `count` numbered messages of `size` bytes to every connected client, waiting for room the way the
   * transport signals it (rxshm: `writable`; socket: `write() === false` and 'drain'). Resolves once all are handed
   * to the transport, not when they arrived (the clients report that).
   */
  broadcast(count: number, size: number): Promise<void>;
  /** Resolves once every client has left. */
  departures(): Promise<void>;
  /** Stops listening and closes what is still open. Never throws. */
  close(): Promise<void>;
}

/** A server that greets each client as it arrives with one numbered message (number 0), for the setup row. */
export interface GreetingServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Resolves the waits of a changing set (clients arriving and leaving) whenever it changes. */
export class SizeWatch {
  private readonly waits: { size: number; resolve: () => void }[] = [];

  constructor(private readonly current: () => number) {}

  /** Resolves once the set has exactly `size` members. */
  until(size: number): Promise<void> {
    return new Promise((resolve) => {
      this.waits.push({ size, resolve });
      this.changed();
    });
  }

  /** Call after every arrival and departure. */
  changed(): void {
    const now = this.current();
    for (let i = this.waits.length - 1; i >= 0; i--)
      if (this.waits[i]!.size === now) this.waits.splice(i, 1)[0]!.resolve();
  }
}

/** Resolves when every check is done; rejects with the problems of those that found one. */
export async function allChecked(
  reports: readonly Promise<{ readonly problem: string | null }>[],
  what: string,
): Promise<void> {
  const problems = (await Promise.all(reports)).flatMap((r, i) => (r.problem ? [`client ${i}: ${r.problem}`] : []));
  if (problems.length > 0) throw new Error(`${what}: ${problems.slice(0, 3).join('; ')}`);
}
