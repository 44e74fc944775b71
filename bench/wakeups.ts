/**
 * Wake-up latency across two real processes, for choosing how a receiver parks (DESIGN.md "Waiting").
 * Run: `node --import tsx bench/wakeups.ts [roundTrips]`. Prints median and p99 round trip (RTT) per candidate:
 * (a) koffi `.async` futex wait + futex wake, (b) a Unix-domain-socket doorbell (1 byte via `net`),
 * (c) polling once per event-loop turn (setImmediate), (d) busy spin with Atomics.
 *
 * Protocol over one named segment: word 0 = ping sequence (parent), word 1 = pong sequence (child),
 * word 2 = child ready, word 3 = stop. The child runs under a watchdog and is SIGKILLed in `finally`.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type * as Native from '../src/native/index.js';
import { importBuilt } from './lib/library.js';

// The compiled native layer, as the library runs it (lib/library.ts).
const { native } = await importBuilt<typeof Native>('native/index.js');
type Segment = Native.Segment;

type Mode = 'futex' | 'socket' | 'immediate' | 'spin';
const MODES: Mode[] = ['futex', 'socket', 'immediate', 'spin'];
const PING = 0,
  PONG = 1,
  READY = 2,
  STOP = 3;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---- child: answer every ping with a pong, woken the way `mode` says ----
async function child(mode: Mode, name: string): Promise<void> {
  const seg = native.segments.open(name);
  const w = new Int32Array(seg.buffer);
  let last = 0;
  const answer = (): boolean => {
    const v = Atomics.load(w, PING);
    if (v === last) return false;
    last = v;
    Atomics.store(w, PONG, v);
    return true;
  };
  if (mode === 'socket') {
    const socket = net.connect(native.doorbellPath(name));
    socket.on('data', () => answer() && socket.write('p'));
    socket.on('close', () => seg.close());
    socket.on('connect', () => Atomics.store(w, READY, 1));
    return;
  }
  Atomics.store(w, READY, 1);
  while (Atomics.load(w, STOP) === 0) {
    if (mode === 'spin') answer();
    else if (mode === 'immediate') {
      answer();
      await tick();
    } else if (answer()) native.futex!.wake(seg, PONG * 4, 1);
    else await native.futex!.wait(seg, PING * 4, last, 250);
  }
  seg.close();
}

// ---- parent: time `n` round trips after `warm` warm-up ones ----
async function measure(mode: Mode, seg: Segment, name: string, warm: number, n: number): Promise<number[]> {
  const w = new Int32Array(seg.buffer);
  const samples: number[] = [];
  let server: net.Server | undefined;
  let peer: net.Socket | undefined;
  if (mode === 'socket') {
    server = net.createServer();
    const connected = new Promise<net.Socket>((resolve) => server!.once('connection', resolve));
    await new Promise<void>((resolve) => server!.listen(native.doorbellPath(name), resolve));
    peer = await start(mode, name, w).then(() => connected);
  } else {
    await start(mode, name, w);
  }
  for (let i = 1; i <= warm + n; i++) {
    const t0 = process.hrtime.bigint();
    Atomics.store(w, PING, i);
    if (mode === 'spin') {
      while (Atomics.load(w, PONG) !== i);
    } else if (mode === 'immediate') {
      while (Atomics.load(w, PONG) !== i) await tick();
    } else if (mode === 'futex') {
      native.futex!.wake(seg, PING * 4, 1);
      while (Atomics.load(w, PONG) !== i) await native.futex!.wait(seg, PONG * 4, i - 1, 250);
    } else {
      const pong = new Promise((resolve) => peer!.once('data', resolve));
      peer!.write('p');
      await pong;
      if (Atomics.load(w, PONG) !== i) throw new Error('socket pong without the shared-memory answer');
    }
    if (i > warm) samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  Atomics.store(w, STOP, 1);
  if (mode === 'futex') native.futex!.wake(seg, PING * 4, 1);
  peer?.end();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  return samples;
}

let running: ReturnType<typeof spawn> | undefined;
let exited: Promise<unknown> = Promise.resolve();
async function start(mode: Mode, name: string, w: Int32Array): Promise<void> {
  running = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, name], {
    stdio: 'inherit',
  });
  exited = new Promise((resolve) => running!.once('exit', resolve));
  const deadline = Date.now() + 15_000;
  while (Atomics.load(w, READY) !== 1) {
    if (Date.now() > deadline) throw new Error(`child for ${mode} never became ready`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5000);
  console.log(
    `wake-up round trips across two processes: ${n} after ${n / 10} warm-up, node ${process.version}, ${process.arch}`,
  );
  console.log('mode        RTT median µs   RTT p99 µs   one-way ≈ median/2 µs');
  for (const mode of MODES) {
    const name = `rxshm-bench-wakeups-${process.pid}-${mode}`;
    const seg = native.segments.create(name, 64);
    // Watchdog: a stuck peer must not hang the bench.
    const watchdog = setTimeout(() => {
      running?.kill('SIGKILL');
      console.error(`watchdog: ${mode} stuck`);
      process.exit(1);
    }, 120_000);
    try {
      const sorted = (await measure(mode, seg, name, n / 10, n)).sort((a, b) => a - b);
      const median = pct(sorted, 0.5);
      console.log(
        `${mode.padEnd(12)}${median.toFixed(2).padStart(13)}${pct(sorted, 0.99).toFixed(2).padStart(13)}${(median / 2).toFixed(2).padStart(15)}`,
      );
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    } finally {
      clearTimeout(watchdog);
      running?.kill('SIGKILL');
      seg.close();
      native.segments.unlink(name);
    }
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Mode, process.argv[4]!);
else await main();
