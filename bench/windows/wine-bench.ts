/**
 * A small benchmark of rxshm between two processes of the Windows build of Node (run under Wine by
 * `npm run bench:windows [-- --quick]`, compiled by tsc like the Windows tests): 64 B round trips (median and p99,
 * one message in flight) and pipelined 64 B echoes (256 in flight, messages/s). Figures are "under Wine": Wine's
 * named pipes (the doorbell) and scheduler are not Windows', so they say nothing about Windows itself.
 * The child is spawned with spawnConnected and exits when the parent closes; the whole run is bounded by a watchdog.
 */
import { fileURLToPath } from 'node:url';
import { firstValueFrom, type Subscription } from 'rxjs';
import { spawnConnected, type Connection } from '../../src/index.js';

const quick = process.argv.includes('--quick');
const ROUND_TRIPS = quick ? 2_000 : 20_000;
const ECHOES = quick ? 20_000 : 200_000;
const WINDOW = 256;
const WATCHDOG_MS = quick ? 120_000 : 600_000;

/** Resolves with each next message, in order: one waiter at a time. */
class Replies {
  private waiter: (() => void) | null = null;
  private pending = 0;
  readonly subscription: Subscription;
  constructor(connection: Connection) {
    this.subscription = connection.subscribe(() => {
      this.pending++;
      this.waiter?.();
    });
  }
  next(): Promise<void> {
    if (this.pending > 0) {
      this.pending--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiter = () => {
        this.waiter = null;
        this.pending--;
        resolve();
      };
    });
  }
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main(): Promise<void> {
  const child = fileURLToPath(new URL('./echo-child.js', import.meta.url));
  const connection = await firstValueFrom(spawnConnected(process.execPath, [child]));
  const replies = new Replies(connection);
  const message = new Uint8Array(64);
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const started = performance.now();
    connection.next(message);
    await replies.next();
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const started = performance.now();
  let sent = 0;
  for (; sent < WINDOW; sent++) connection.next(message);
  for (let received = 0; received < ECHOES; received++) {
    await replies.next();
    if (sent < ECHOES) {
      connection.next(message);
      sent++;
    }
  }
  const rate = ECHOES / ((performance.now() - started) / 1000);
  replies.subscription.unsubscribe();
  connection.complete();
  const row = (what: string, value: string): string => `| ${what} | ${value} |`;
  console.log(`rxshm under Wine (${quick ? 'quick' : 'full'}: ${ROUND_TRIPS} round trips, ${ECHOES} echoes)\n`);
  console.log('| measure (under Wine) | value |\n| --- | --- |');
  console.log(row('64 B round trip, median', `${percentile(times, 0.5).toFixed(1)} µs`));
  console.log(row('64 B round trip, p99', `${percentile(times, 0.99).toFixed(1)} µs`));
  console.log(row(`64 B echoes, ${WINDOW} in flight`, `${Math.round(rate).toLocaleString('en')} messages/s`));
}

const watchdog = setTimeout(() => {
  console.error(`bench:windows: still running after ${WATCHDOG_MS} ms; giving up`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
