/**
 * The measured steps of the many-clients bench, one transport at a time; many-clients.ts interleaves them.
 * - `fanPhase`: every client process connects, then (1) fan-in: all send `perClient` numbered messages at once and
 *   the clock stops when the server has every one; (2) broadcast: the server sends `broadcasts` numbered messages to
 *   all and the clock stops when the last client reports it has every one; then all leave.
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

export interface FanCounts {
  /** Messages each client sends in the fan-in. */
  readonly perClient: number;
  /** Messages the server broadcasts. */
  readonly broadcasts: number;
}

/** Rates of one fan phase: messages the server received per second, and messages delivered per second. */
export interface FanRates {
  readonly fanIn: number;
  readonly broadcast: number;
}

export interface PhaseContext {
  readonly peers: readonly NodePeer[];
  readonly tmpDir: string;
  readonly timeoutMs: number;
}

export async function fanPhase(transport: Transport, counts: FanCounts, ctx: PhaseContext): Promise<FanRates> {
  const { peers, timeoutMs } = ctx;
  const where = address(transport, ctx.tmpDir);
  const server: FanServer = transport === 'rxshm' ? rxshmFanServer(where) : await socketFanServer(where);
  const all = <T>(command: { cmd: string; [key: string]: unknown }): Promise<T[]> =>
    Promise.all(peers.map((p) => p.request<T>(command)));
  try {
    await deadline(all({ cmd: 'connect', transport, address: where }), timeoutMs, `${transport} connect`);
    await deadline(server.arrivals(peers.length), timeoutMs, `${transport} arrivals`);

    const received = later(server.fanIn(counts.perClient, FAN_IN_SIZE).then(() => process.hrtime.bigint()));
    const t0 = process.hrtime.bigint();
    const sent = later(all({ cmd: 'send', count: counts.perClient, size: FAN_IN_SIZE }));
    const t1 = await deadline(received, timeoutMs, `${transport} fan-in`);
    await deadline(sent, timeoutMs, `${transport} fan-in senders`);
    const fanIn = (peers.length * counts.perClient) / seconds(t0, t1);

    await deadline(all({ cmd: 'expect', count: counts.broadcasts, size: BROADCAST_SIZE }), timeoutMs, 'expect');
    const reports = peers.map((p) => p.request<NumberedReport>({ cmd: 'wait' }));
    const delivered = later(allChecked(reports, `${transport} broadcast`).then(() => process.hrtime.bigint()));
    const t2 = process.hrtime.bigint();
    await deadline(server.broadcast(counts.broadcasts, BROADCAST_SIZE), timeoutMs, `${transport} broadcast`);
    const t3 = await deadline(delivered, timeoutMs, `${transport} broadcast delivery`);
    const broadcast = (peers.length * counts.broadcasts) / seconds(t2, t3);

    const strays = await deadline(all<string | null>({ cmd: 'disconnect' }), timeoutMs, `${transport} disconnect`);
    const stray = strays.find((problem) => problem !== null);
    if (stray) throw new Error(`${transport}: a client ${stray}`);
    await deadline(server.departures(), timeoutMs, `${transport} departures`);
    return { fanIn, broadcast };
  } finally {
    await server.close();
  }
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
