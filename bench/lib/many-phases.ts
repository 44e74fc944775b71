/**
 * The measured steps of the many-clients bench, one transport at a time; many-clients.ts interleaves them.
 * - a `Room` (every client process connected to one server): fan-in, all send `perClient` numbered messages at once
 *   and the clock stops when the server has every one; broadcast, the server sends `count` numbered messages to all
 *   and the clock stops when the last client reports it has every one.
 * - `setupPhase`: one client connects `connects` times in a row; each time is the connect call to the greeting.
 * Every wait has a deadline, so a stalled transport fails the section instead of hanging the run.
 */
import { join } from 'node:path';
import type { FanServer, GreetingServer, Transport } from './fan-server.js';
import { allChecked } from './fan-server.js';
import { rxshmFanServer, rxshmGreetingServer } from './fan-rxshm.js';
import { socketFanServer, socketGreetingServer } from './fan-socket.js';
import type { NumberedReport } from './numbered.js';
import type { NodePeer } from './peer.js';

export const FAN_IN_SIZE = 64;
export const BROADCAST_SIZE = 1024;
export const GREETING_SIZE = 64;
let serial = 0;

/** Where a phase's server listens: a fresh channel name or socket path each time. */
function address(transport: Transport, tmpDir: string): string {
  const id = `many-${process.pid}-${serial++}`;
  return transport === 'rxshm' ? `bench-${id}` : join(tmpDir, `${id}.sock`);
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`many-clients ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A promise whose rejection is handled now and reported when awaited (no unhandled rejection meanwhile). */
function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const seconds = (t0: bigint, t1: bigint): number => Number(t1 - t0) / 1e9;

export interface PhaseContext {
  readonly peers: readonly NodePeer[];
  readonly tmpDir: string;
  readonly timeoutMs: number;
}

/** Every client connected to one transport's server, for the whole section: measured again and again. */
export interface Room {
  /** One fan-in: every client sends `perClient` numbered 64 B messages at once; the server's messages/s. */
  fanIn(perClient: number): Promise<number>;
  /** One broadcast: `count` numbered 1 KiB messages to every client; messages delivered per second. */
  broadcast(count: number): Promise<number>;
  /** Every client leaves (each reporting nothing unexpected arrived), then the server closes. */
  close(): Promise<void>;
  /** Closes the server without asking the clients (after a failure). Never throws. */
  dispose(): Promise<void>;
}

/**
 * Starts `transport`'s server and connects every client to it. The connections stay for the whole section, as a
 * server's long-lived clients do: a fresh connection's first pass over its rings costs page faults that belong
 * to the setup row, not to the rates.
 */
export async function openRoom(transport: Transport, ctx: PhaseContext): Promise<Room> {
  const { peers, timeoutMs } = ctx;
  const where = address(transport, ctx.tmpDir);
  const server: FanServer = transport === 'rxshm' ? rxshmFanServer(where) : await socketFanServer(where);
  const all = <T>(command: { cmd: string; [key: string]: unknown }): Promise<T[]> =>
    Promise.all(peers.map((p) => p.request<T>({ ...command, transport })));
  try {
    await deadline(all({ cmd: 'connect', address: where }), timeoutMs, `${transport} connect`);
    await deadline(server.arrivals(peers.length), timeoutMs, `${transport} arrivals`);
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    async fanIn(perClient) {
      const received = later(server.fanIn(perClient, FAN_IN_SIZE).then(() => process.hrtime.bigint()));
      const t0 = process.hrtime.bigint();
      const sent = later(all({ cmd: 'send', count: perClient, size: FAN_IN_SIZE }));
      const t1 = await deadline(received, timeoutMs, `${transport} fan-in`);
      await deadline(sent, timeoutMs, `${transport} fan-in senders`);
      return (peers.length * perClient) / seconds(t0, t1);
    },
    async broadcast(count) {
      await deadline(all({ cmd: 'expect', count, size: BROADCAST_SIZE }), timeoutMs, `${transport} expect`);
      const reports = peers.map((p) => p.request<NumberedReport>({ cmd: 'wait', transport }));
      const delivered = later(allChecked(reports, `${transport} broadcast`).then(() => process.hrtime.bigint()));
      const t0 = process.hrtime.bigint();
      await deadline(server.broadcast(count, BROADCAST_SIZE), timeoutMs, `${transport} broadcast`);
      const t1 = await deadline(delivered, timeoutMs, `${transport} broadcast delivery`);
      return (peers.length * count) / seconds(t0, t1);
    },
    async close() {
      try {
        const strays = await deadline(all<string | null>({ cmd: 'disconnect' }), timeoutMs, `${transport} disconnect`);
        const stray = strays.find((problem) => problem !== null);
        if (stray) throw new Error(`${transport}: a client ${stray}`);
        await deadline(server.departures(), timeoutMs, `${transport} departures`);
      } finally {
        await server.close();
      }
    },
    dispose: () => server.close(),
  };
}

/** One client connects `connects` times; resolves with each connect's time to the greeting, µs. */
export async function setupPhase(
  transport: Transport,
  connects: number,
  peer: NodePeer,
  ctx: PhaseContext,
): Promise<number[]> {
  const where = address(transport, ctx.tmpDir);
  const server: GreetingServer =
    transport === 'rxshm'
      ? rxshmGreetingServer(where, GREETING_SIZE)
      : await socketGreetingServer(where, GREETING_SIZE);
  try {
    const command = { cmd: 'setup', transport, address: where, connects, size: GREETING_SIZE };
    return await deadline(peer.request<number[]>(command), ctx.timeoutMs, `${transport} setup`);
  } finally {
    await server.close();
  }
}
