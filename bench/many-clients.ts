/**
 * Many clients (issue 13): rxshm's `listen()` serving many client processes at once, against a `net` server on a
 * Unix socket, with the same client processes (peers/many-client-peer.ts) and in the same run:
 * - fan-in: every client sends 64 B messages to the server at once; the server's aggregate messages/s;
 * - broadcast: the server sends 1 KiB to every client (`broadcast()` / a socket fan-out loop); messages delivered/s;
 * - setup: connect -> first message (the server greets each arrival), the median over many connects.
 * Every message is numbered and checked on arrival (each exactly once, in order). Each repetition measures both
 * transports (the order alternates); counts are sized per transport from two warm-ups so a repetition lasts about
 * `repSeconds`; a row reports medians over repetitions and rxshm / socket.
 * Run alone: `node --import tsx bench/index.ts --only many-clients`.
 */
import { startNodePeer, type NodePeer } from './lib/peer.js';
import type { Transport } from './lib/fan-server.js';
import {
  BROADCAST_SIZE,
  FAN_IN_SIZE,
  fanPhase,
  GREETING_SIZE,
  setupPhase,
  type FanCounts,
  type FanRates,
  type PhaseContext,
} from './lib/many-phases.js';
import type { ManyClientsRow } from './lib/results.js';
import { clampCount, median } from './lib/stats.js';

const PEER = new URL('./peers/many-client-peer.ts', import.meta.url).pathname;
const TRANSPORTS: readonly Transport[] = ['rxshm', 'socket'];
/** Peers start this many at a time: 32 Node start-ups at once on 2 cores starve each other. */
const START_BATCH = 8;

/** How much to measure; the quick sizing keeps the smoke run short. */
export interface ManySizing {
  readonly clients: number;
  /** Target wall time of one transport's fan-in, and of its broadcast, in a repetition. */
  readonly repSeconds: number;
  /** Target wall time of one transport's connects in a repetition. */
  readonly setupSeconds: number;
  /** Warm-up counts, which size the measured ones. */
  readonly warmup: FanCounts & { readonly connects: number };
  readonly minCount: number;
  readonly maxCount: number;
  readonly minConnects: number;
}

export const FULL_SIZING: ManySizing = {
  clients: 32,
  repSeconds: 0.8,
  setupSeconds: 0.4,
  warmup: { perClient: 2000, broadcasts: 500, connects: 30 },
  minCount: 200,
  maxCount: 1_000_000,
  minConnects: 100,
};
export const QUICK_SIZING: ManySizing = {
  clients: 4,
  repSeconds: 0.05,
  setupSeconds: 0.05,
  warmup: { perClient: 200, broadcasts: 50, connects: 5 },
  minCount: 50,
  maxCount: 20_000,
  minConnects: 10,
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
interface Counts extends FanCounts {
  readonly connects: number;
}
const perTransport = <T>(make: () => T): PerTransport<T> => ({ rxshm: make(), socket: make() });

/**
 * Two warm-up runs per transport, as the contenders' sections do: a fixed small one (JIT, first mappings), then one
 * sized from it to about half a repetition, whose rates size the measured repetitions (`repSeconds` each).
 */
async function calibrate(transport: Transport, sizing: ManySizing, ctx: PhaseContext): Promise<Counts> {
  const clients = ctx.peers.length;
  const size = (seconds: number, rates: FanRates, perConnect: number): Counts => {
    const count = (rate: number): number => clampCount((rate * seconds) / clients, sizing.minCount, sizing.maxCount);
    return {
      perClient: count(rates.fanIn),
      broadcasts: count(rates.broadcast),
      connects: clampCount((seconds * sizing.setupSeconds) / sizing.repSeconds / perConnect, 1, sizing.maxCount),
    };
  };
  let counts: Counts = sizing.warmup;
  for (const seconds of [sizing.repSeconds / 2, sizing.repSeconds]) {
    const rates = await fanPhase(transport, counts, ctx);
    const t0 = process.hrtime.bigint();
    await setupPhase(transport, counts.connects, ctx.peers[0]!, ctx);
    const perConnect = Number(process.hrtime.bigint() - t0) / 1e9 / counts.connects;
    counts = size(seconds, rates, perConnect);
  }
  return { ...counts, connects: Math.max(counts.connects, sizing.minConnects) };
}

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
  try {
    const counts = {} as PerTransport<Counts>;
    for (const transport of TRANSPORTS) counts[transport] = await calibrate(transport, sizing, ctx);
    opts.onStep?.('many clients: warm-up');
    const fanIn = perTransport<number[]>(() => []);
    const broadcast = perTransport<number[]>(() => []);
    const setup = perTransport<number[]>(() => []);
    for (let r = 1; r <= repetitions; r++) {
      const order = r % 2 === 1 ? TRANSPORTS : [...TRANSPORTS].reverse();
      for (const transport of order) {
        const rates = await fanPhase(transport, counts[transport], ctx);
        fanIn[transport].push(rates.fanIn);
        broadcast[transport].push(rates.broadcast);
      }
      for (const transport of order)
        setup[transport].push(median(await setupPhase(transport, counts[transport].connects, first, ctx)));
      opts.onStep?.(`many clients round ${r}/${repetitions}`);
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
        counts: { rxshm: count(counts.rxshm), socket: count(counts.socket) },
        samples,
      };
    };
    return [
      row('fan-in', peers.length, FAN_IN_SIZE, fanIn, (c) => c.perClient),
      row('broadcast', peers.length, BROADCAST_SIZE, broadcast, (c) => c.broadcasts),
      row('setup', 1, GREETING_SIZE, setup, (c) => c.connects),
    ];
  } finally {
    await Promise.all(peers.map((p) => p.kill()));
  }
}
