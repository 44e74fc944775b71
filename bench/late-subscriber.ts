/**
 * Late-subscriber drain (issue 9, point 5): how fast a receiver gets a burst it was not subscribed for, against
 * one that was. rxshm with default options; each repetition measures both cases, each on a fresh pair:
 *
 * - live: subscribed first; the clock runs from the burst command to the last message.
 * - late: nobody subscribed while the peer sent the burst; once the messages are still (the receive backlog at its
 *   limit, the ring full, the rest queued on the sender) the clock runs from subscribe() to the last message.
 *
 * Every message's sequence number is checked, so a fast but wrong drain fails instead of scoring. The ratio is
 * late / live of the median rates: near 1 (or above: the backlog is already copied out) when draining is linear.
 * Run alone: `node --import tsx bench/late-subscriber.ts [--quick]`.
 */
import { take } from 'rxjs';
import { fileURLToPath } from 'node:url';
import type { Connection } from '../src/index.js';
import { rxshm } from './lib/library.js';
import { startNodePeer, type NodePeer } from './lib/peer.js';
import type { LateDrainRow } from './lib/results.js';
import { median } from './lib/stats.js';

const { listen } = rxshm;
const PEER = new URL('./peers/late-sender-peer.ts', import.meta.url).pathname;
/** The issue's scenario: 200,000 messages of 8 B (1.6 MB, beyond the default 1 MiB backlog). */
export const LATE_MESSAGES = 200_000;
export const LATE_SIZE = 8;
/** Polls of the sender's queue, this far apart, that must agree before the late subscriber comes. */
const STILL_POLLS = 3;
const POLL_MS = 50;
let serial = 0;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Subscribes now; resolves with the seconds until the `count`-th message, each checked for its sequence number.
 * Rejects after `timeoutMs` (and unsubscribes), so a drain that stalls fails the section instead of hanging the run.
 */
function drain(
  connection: Connection,
  count: number,
  timeoutMs: number,
  t0 = process.hrtime.bigint(),
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let seq = 0;
    let wrong = '';
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`late-subscriber: ${seq} of ${count} messages after ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = connection.pipe(take(count)).subscribe({
      next: (m) => {
        const got = (m[0]! | (m[1]! << 8) | (m[2]! << 16) | (m[3]! << 24)) >>> 0;
        if (got !== seq && !wrong) wrong = `message ${seq} carries ${got}`;
        seq++;
      },
      error: (e) => (clearTimeout(timer), reject(e)),
      complete: () => {
        clearTimeout(timer);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (wrong || seq !== count)
          reject(new Error(`late-subscriber: ${wrong || `completed after ${seq} of ${count}`}`));
        else resolve(seconds);
      },
    });
  });
}

/** Waits until the sender's queue stops moving: the receiver holds what it could not keep. */
async function still(peer: NodePeer, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  for (let agreeing = 0; agreeing < STILL_POLLS;) {
    if (performance.now() > deadline)
      throw new Error(`late-subscriber: the sender's queue still moves after ${timeoutMs} ms (queued=${last})`);
    await sleep(POLL_MS);
    const queued = await peer.request<number>({ cmd: 'queued' });
    agreeing = queued === last ? agreeing + 1 : 0;
    last = queued;
  }
}

export interface LateOptions {
  readonly repetitions: number;
  readonly messages?: number;
  readonly size?: number;
  /** Deadline of each drain and of each wait for the burst to settle, ms. */
  readonly timeoutMs?: number;
  /** Called after each repetition (progress). */
  readonly onRepetition?: (repetition: number) => void;
}

/**
 * Measures `repetitions` pairs of drains (live, then late).
 *
 * @example
 * ```ts
 * const row = await runLateSubscriberBench({ repetitions: 3 });
 * console.log(`late / live: ${row.ratio.toFixed(2)}x`);
 * ```
 */
export async function runLateSubscriberBench(opts: LateOptions): Promise<LateDrainRow> {
  const { repetitions, messages = LATE_MESSAGES, size = LATE_SIZE, timeoutMs = 60_000 } = opts;
  const live: number[] = [];
  const late: number[] = [];
  for (let r = 1; r <= repetitions; r++) {
    live.push(
      await withPair(async (connection, peer) => {
        const t0 = process.hrtime.bigint();
        const [seconds] = await Promise.all([
          drain(connection, messages, timeoutMs, t0),
          peer.request({ cmd: 'burst', count: messages, size }),
        ]);
        return messages / seconds;
      }),
    );
    late.push(
      await withPair(async (connection, peer) => {
        await peer.request({ cmd: 'burst', count: messages, size });
        await still(peer, timeoutMs);
        return messages / (await drain(connection, messages, timeoutMs));
      }),
    );
    opts.onRepetition?.(r);
  }
  const [liveRate, lateRate] = [median(live), median(late)];
  return {
    messages,
    size,
    repetitions,
    liveMessagesPerSecond: liveRate,
    lateMessagesPerSecond: lateRate,
    ratio: lateRate / liveRate,
  };
}

/**
 * Runs `body` on a fresh pair (this process listens, the peer connects) and tears it down. A fresh pair per drain:
 * the late case needs a connection nobody has subscribed to yet, and both cases then start alike.
 */
async function withPair<T>(body: (connection: Connection, peer: NodePeer) => Promise<T>): Promise<T> {
  const name = `bench-late-${process.pid}-${serial++}`;
  let resolveConnection!: (c: Connection) => void;
  const connected = new Promise<Connection>((resolve) => (resolveConnection = resolve));
  const server = listen(name).subscribe({ next: (c) => resolveConnection(c) });
  let peer: NodePeer | undefined;
  try {
    peer = await startNodePeer(PEER, [name]);
    return await body(await connected, peer);
  } finally {
    server.unsubscribe();
    await peer?.kill();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const row = await runLateSubscriberBench({ repetitions: process.argv.includes('--quick') ? 1 : 5 });
  console.log(JSON.stringify(row));
  process.exit(0);
}
