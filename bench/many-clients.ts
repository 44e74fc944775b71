/**
 * Many clients (issue 13): rxshm's `listen()` serving many client processes at once, against a `net` server on a
 * Unix socket, with the same client processes (peers/many-client-peer.ts) and in the same run:
 * - fan-in: every client sends 64 B messages to the server at once; the server's aggregate messages/s;
 * - broadcast: the server sends 1 KiB to every client (`broadcast()` / a socket fan-out loop); messages delivered/s;
 * - setup: connect -> first message (the server greets each arrival), the median over many connects.
 * Every message is numbered and checked on arrival (each exactly once, in order). Each repetition measures both
 * transports (the order alternates) with the same fixed counts, after a warm-up that takes every ring once around;
 * the clients stay connected for the whole section (long-lived clients). A row reports medians over repetitions
 * and rxshm / socket.
 * Run alone: `node --import tsx bench/index.ts --only many-clients`.
 */
import { rxshm } from './lib/library.js';
import { startNodePeer, type NodePeer } from './lib/peer.js';
import type { Transport } from './lib/fan-server.js';
import {
  BROADCAST_SIZE,
  FAN_IN_SIZE,
  GREETING_SIZE,
  openRoom,
  setupPhase,
  type PhaseContext,
  type Room,
} from './lib/many-phases.js';
import type { ManyClientsRow } from './lib/results.js';
import { median } from './lib/stats.js';

const PEER = new URL('./peers/many-client-peer.ts', import.meta.url).pathname;
const TRANSPORTS: readonly Transport[] = ['rxshm', 'socket'];
/** Peers start this many at a time: 32 Node start-ups at once on 2 cores starve each other. */
const START_BATCH = 8;

/** Per repetition: messages each client sends, broadcast messages, connects. */
export interface Counts {
  readonly perClient: number;
  readonly broadcasts: number;
  readonly connects: number;
}

/** How much to measure; the quick sizing keeps the smoke run short. */
export interface ManySizing {
  readonly clients: number;
  /** The warm-up, once per transport before a round at `counts` and the first repetition. */
  readonly warmup: Counts;
  /** Each repetition, the same for both transports. */
  readonly counts: Counts;
}

const { DEFAULT_RING_CAPACITY, FRAME_HEADER_LENGTH, RECORD_HEADER_LENGTH } = rxshm;
/** Messages of `size` bytes that take a default ring once around: every page of it touched. */
const lap = (size: number): number =>
  Math.ceil(DEFAULT_RING_CAPACITY / (RECORD_HEADER_LENGTH + FRAME_HEADER_LENGTH + size)) + 1;

/**
 * Fixed counts, the same work for both transports (calibrating from warm-ups followed the machine's load, which
 * swings several-fold here, more than the transports): on this 2-core VM a Unix-socket repetition takes about
 * 1-2 s per row, rxshm's less; each row about 10-20 s in all. The warm-up takes every ring once around: a fresh
 * ring's first lap costs a page fault per 4 KiB on each side (2-5x slower broadcasts on this VM), which belongs to
 * a new connection, not to the rates of long-lived ones.
 */
export const FULL_SIZING: ManySizing = {
  clients: 32,
  warmup: { perClient: lap(FAN_IN_SIZE), broadcasts: lap(BROADCAST_SIZE), connects: 20 },
  counts: { perClient: 30_000, broadcasts: 3000, connects: 100 },
};
export const QUICK_SIZING: ManySizing = {
  clients: 4,
  warmup: { perClient: 500, broadcasts: 100, connects: 5 },
  counts: { perClient: 2000, broadcasts: 200, connects: 10 },
};

export interface ManyOptions {
  readonly sizing: ManySizing;
  readonly repetitions: number;
  /** A private directory for socket files. */
  readonly tmpDir: string;
  /** Deadline of each step (connecting, a fan-in, a broadcast, a run of connects), ms. */
  readonly timeoutMs: number;
  /** Called after the start, the warm-up and each repetition (progress). */
  readonly onStep?: (label: string) => void;
}

/** Progress steps of {@link runManyClientsBench}: peers started, warm-up, one per repetition. */
export const manyClientsSteps = (repetitions: number): number => 2 + repetitions;

async function startPeers(count: number): Promise<NodePeer[]> {
  const peers: NodePeer[] = [];
  try {
    for (let i = 0; i < count; i += START_BATCH) {
      const batch = Math.min(START_BATCH, count - i);
      peers.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () => startNodePeer(PEER, [], { startTimeoutMs: 60_000 })),
        )),
      );
    }
    return peers;
  } catch (e) {
    await Promise.all(peers.map((p) => p.kill()));
    throw e;
  }
}

type PerTransport<T> = Record<Transport, T>;
const perTransport = <T>(make: () => T): PerTransport<T> => ({ rxshm: make(), socket: make() });

/**
 * Measures the three rows.
 * @example
 * ```ts
 * const rows = await runManyClientsBench({ sizing: QUICK_SIZING, repetitions: 2, tmpDir, timeoutMs: 20_000 });
 * for (const row of rows) console.log(row.id, `${row.ratio.toFixed(2)}x`);
 * ```
 */
export async function runManyClientsBench(opts: ManyOptions): Promise<ManyClientsRow[]> {
  const { sizing, repetitions } = opts;
  const peers = await startPeers(sizing.clients);
  opts.onStep?.(`many clients: ${peers.length} client processes started`);
  const ctx: PhaseContext = { peers, tmpDir: opts.tmpDir, timeoutMs: opts.timeoutMs };
  const first = peers[0]!;
  const rooms: Partial<PerTransport<Room>> = {};
  try {
    for (const transport of TRANSPORTS) rooms[transport] = await openRoom(transport, ctx);
    const room = (transport: Transport): Room => rooms[transport]!;
    const { warmup, counts } = sizing;
    // The rings' first lap, then one round at the measured counts: the first rounds after a lap still ramp up
    // (2-5x slower while the processes warm up).
    for (const round of [warmup, counts])
      for (const transport of TRANSPORTS) {
        await room(transport).fanIn(round.perClient);
        await room(transport).broadcast(round.broadcasts);
      }
    for (const transport of TRANSPORTS) await setupPhase(transport, warmup.connects, first, ctx);
    opts.onStep?.('many clients: warm-up');
    const fanIn = perTransport<number[]>(() => []);
    const broadcast = perTransport<number[]>(() => []);
    const setup = perTransport<number[]>(() => []);
    for (let r = 1; r <= repetitions; r++) {
      const order = r % 2 === 1 ? TRANSPORTS : [...TRANSPORTS].reverse();
      for (const transport of order) fanIn[transport].push(await room(transport).fanIn(counts.perClient));
      for (const transport of order) broadcast[transport].push(await room(transport).broadcast(counts.broadcasts));
      for (const transport of order)
        setup[transport].push(median(await setupPhase(transport, counts.connects, first, ctx)));
      opts.onStep?.(`many clients round ${r}/${repetitions}`);
    }
    // Every client leaves cleanly, and reports that nothing arrived after its last check.
    for (const transport of TRANSPORTS) {
      const leaving = rooms[transport]!;
      delete rooms[transport];
      await leaving.close();
    }
    const row = (
      id: ManyClientsRow['id'],
      clients: number,
      size: number,
      samples: PerTransport<number[]>,
      count: (c: Counts) => number,
    ): ManyClientsRow => {
      const [rxshm, socket] = [median(samples.rxshm), median(samples.socket)];
      const rate = id !== 'setup';
      return {
        id,
        clients,
        size,
        unit: rate ? 'messages/s' : 'µs',
        rxshm,
        socket,
        ratio: rxshm / socket,
        higherIsBetter: rate,
        repetitions,
        count: count(counts),
        samples,
      };
    };
    return [
      row('fan-in', peers.length, FAN_IN_SIZE, fanIn, (c) => c.perClient),
      row('broadcast', peers.length, BROADCAST_SIZE, broadcast, (c) => c.broadcasts),
      row('setup', 1, GREETING_SIZE, setup, (c) => c.connects),
    ];
  } finally {
    // After a failure the clients may be stuck mid-command: close the servers without asking them (they get killed).
    await Promise.all(Object.values(rooms).map((r) => r.dispose()));
    await Promise.all(peers.map((p) => p.kill()));
  }
}
