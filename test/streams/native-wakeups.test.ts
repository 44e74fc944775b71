/**
 * wakeups(segment, byteOffset) and wake(segment, byteOffset): a C program (test/fixtures/futex-pingpong.c, compiled
 * with cc into a temporary folder; skipped without cc) signals with FUTEX_WAKE and drives a pipeline that answers with
 * wake(); a Node child (test/fixtures/segment-peer.ts) woken by this process exits by itself after its subscription
 * ends; one waiting call serves many subscriptions; nothing is lost when the word changes while nobody sleeps; typed
 * errors for bad offsets and handles. Every cross-process test runs under the watchdog.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, take, tap, toArray, type Subscription } from 'rxjs';
import type { NativeApi } from '../../src/native/contract.js';
import { createFakeNative } from '../../src/native/fake.js';
import { native as linux } from '../../src/native/index.js';
import { waiterOf } from '../../src/streams/native/word-waiter.js';
import {
  SegmentArgumentError,
  SegmentClosedError,
  segment,
  wake,
  wakeups,
  type SharedSegment,
} from '../../src/index.js';
import { expectError } from '../helpers/assertions.js';
import { nativeName } from '../helpers/names.js';
import { fixture } from '../helpers/process-run.js';
import { until } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const test = suite('streams: wakeups() and wake()');
const FIXTURE = 'test/fixtures/segment-peer.ts';

/** A created segment and its subscription (unsubscribed by `defer`). */
function created(size = 4096, native?: NativeApi): { shm: SharedSegment; subscription: Subscription } {
  let shm: SharedSegment | undefined;
  const subscription = segment(nativeName('wake'), { size, ...(native ? { native } : {}) }).subscribe((h) => (shm = h));
  return { shm: shm!, subscription };
}

/** Builds the C program into a temporary folder; undefined (with the reason printed) without a C compiler. */
function buildPingPong(defer: (cleanup: () => void) => void): string | undefined {
  if (spawnSync('cc', ['--version']).status !== 0) return void console.log('  skipped: needs a C compiler (cc)');
  const dir = mkdtempSync(join(tmpdir(), 'rxshm-futex-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'futex-pingpong');
  execFileSync('cc', ['-std=c11', '-O1', '-o', program, fixture('futex-pingpong.c')]);
  return program;
}

/** Runs the C program against `shm` while a pipeline answers each wake-up on word 0 with wake(shm, 4). */
async function pingPong(watch: Parameters<Parameters<typeof watched>[1]>[0], program: string, mode: string, n: number) {
  const { shm, subscription } = created();
  watch.defer(() => subscription.unsubscribe());
  const values: number[] = [];
  const answering = wakeups(shm, 0)
    .pipe(tap((value) => (values.push(value), wake(shm, 4))))
    .subscribe();
  watch.defer(() => answering.unsubscribe());
  const c = watch.child(spawn(program, [shm.name, String(n), mode], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const exit = await c.exited;
  assert.equal([exit.code, exit.signal], [0, null], `the C program ended: ${c.stderr}`);
  const [, rounds, nanoseconds] = c.lines.find((l) => l.startsWith('done '))!.split(' ');
  assert.is(Number(rounds), n);
  assert.equal(
    values,
    Array.from({ length: n }, (_, i) => i + 1),
    'every wake-up seen once, in order',
  );
  return Number(nanoseconds) / n / 1000;
}

test('a C program signals with FUTEX_WAKE and drives a pipeline, which answers with wake()', () =>
  watched(60_000, async (watch) => {
    const program = buildPingPong(watch.defer);
    if (program === undefined) return;
    const micros = await pingPong(watch, program, 'wake', 500);
    console.log(`  C -> wakeups -> wake -> C round trip: ${micros.toFixed(1)} µs (measured, not asserted)`);
  }));

test('a change without any FUTEX_WAKE is still seen: a wake-up is a new value, and every wait is bounded', () =>
  watched(60_000, async (watch) => {
    const program = buildPingPong(watch.defer);
    if (program !== undefined) await pingPong(watch, program, 'silent', 5);
  }));

test('a Node child woken by this process exits by itself once its subscription ends', () =>
  watched(30_000, async (watch) => {
    const { shm, subscription } = created();
    watch.defer(() => subscription.unsubscribe());
    const child = watch.child([FIXTURE, 'watch', shm.name, '8', '3']);
    await child.next('watching');
    for (const expected of [1, 2, 3]) {
      assert.is(wake(shm, 8), expected);
      assert.equal(await child.next('value'), { ev: 'value', value: expected });
    }
    const done = await child.next('done');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], 'no pending wait keeps it alive');
    console.log(`  child exited ${exit.at - done.at} ms after its last unsubscribe (measured, not asserted)`);
  }));

test('one waiting call serves every subscription, and the threadpool stays free', () =>
  watched(30_000, async (watch) => {
    let inFlight = 0;
    let most = 0;
    const futex = linux.futex!;
    const counting: NativeApi = {
      ...linux,
      futex: {
        ...futex,
        waitAny: (words, ms) => {
          most = Math.max(most, ++inFlight);
          return futex.waitAny!(words, ms).finally(() => inFlight--);
        },
      },
    };
    const { shm, subscription } = created(4096, counting);
    watch.defer(() => subscription.unsubscribe());
    const words = Array.from({ length: 40 }, (_, i) => i * 4);
    const firsts = words.map((offset) => firstValueFrom(wakeups(shm, offset)));
    await until(() => inFlight === 1, 'the waiter sleeps');
    await readFile(); // needs a threadpool thread: 40 parked waits would have taken all 4
    words.forEach((offset) => wake(shm, offset));
    assert.equal(await Promise.all(firsts), new Array<number>(40).fill(1));
    assert.is(most, 1, 'never more than one waiting call');
    await until(() => !waiterOf(counting).active, 'the waiter stops when nothing is subscribed');
  }));

const readFile = (): Promise<Buffer> =>
  import('node:fs/promises').then((fs) => fs.readFile(fixture('futex-pingpong.c')));

test('a change made while the waiter is busy is not lost', async () => {
  const { shm, subscription } = created();
  try {
    const values = wakeups(shm, 0).pipe(
      tap((value) => value < 3 && wake(shm, 0)), // changes the word while the waiter is delivering, not sleeping
      take(3),
      toArray(),
    );
    const seen = firstValueFrom(values);
    wake(shm, 0);
    assert.equal(await seen, [1, 2, 3]);
    const plain = firstValueFrom(wakeups(shm, 0));
    Atomics.add(new Int32Array(shm.buffer), 0, 1); // no futex wake at all: the bounded wait still sees it
    assert.is(await plain, 4);
  } finally {
    subscription.unsubscribe();
  }
});

test('wakeups completes when the segment subscription ends; a closed handle is a typed error', async () => {
  const { shm, subscription } = created();
  let completed = false;
  wakeups(shm, 0).subscribe({ complete: () => (completed = true) });
  subscription.unsubscribe();
  assert.ok(completed, 'completed with the segment');
  expectError(() => wake(shm, 0), SegmentClosedError, 'Closed');
  const late = await firstValueFrom(wakeups(shm, 0)).catch((e: unknown) => e);
  assert.instance(late, SegmentClosedError);
});

test('a subscriber that ends a segment while values are delivered completes its watchers, and no other', async () => {
  const other = created();
  const { shm, subscription } = created();
  try {
    const ended: string[] = [];
    const track = (label: string) => ({ complete: () => ended.push(label), error: () => ended.push(`${label} error`) });
    wakeups(shm, 4).subscribe(track('second word')); // watched before the closer: its word is in this round's list
    wakeups(shm, 0).subscribe({ next: () => subscription.unsubscribe(), ...track('closer') });
    const elsewhere = firstValueFrom(wakeups(other.shm, 0));
    wake(shm, 0);
    await until(() => ended.length === 2, 'both watchers of the ended segment complete');
    assert.equal(ended.sort(), ['closer', 'second word']);
    wake(other.shm, 0);
    assert.is(await elsewhere, 1, 'a watcher of another segment carries on');
  } finally {
    subscription.unsubscribe();
    other.subscription.unsubscribe();
  }
});

test('bad offsets and handles throw SegmentArgumentError at the call', () => {
  const { shm, subscription } = created(4096);
  try {
    for (const offset of [2, -4, 4096, 4094, 1.5, NaN]) {
      expectError(() => wakeups(shm, offset), SegmentArgumentError, 'InvalidOffset');
      expectError(() => wake(shm, offset), SegmentArgumentError, 'InvalidOffset');
    }
    expectError(() => wakeups({} as SharedSegment, 0), SegmentArgumentError, 'NotASegment');
    expectError(() => wake(null as never, 0), SegmentArgumentError, 'NotASegment');
    assert.is(wake(shm, 4092), 1, 'the last word is fine');
  } finally {
    subscription.unsubscribe();
  }
});

test('without futex_waitv (an older kernel) and beyond 127 words the waiter polls, and still sees every change', async () => {
  const futex = linux.futex!;
  const old: NativeApi = { ...linux, futex: { ...futex, waitAny: () => Promise.resolve('unsupported' as const) } };
  const { shm, subscription } = created(4096, old);
  try {
    const first = firstValueFrom(wakeups(shm, 0));
    Atomics.add(new Int32Array(shm.buffer), 0, 1); // another process's change: no nudge, found by polling
    assert.is(await first, 1);
  } finally {
    subscription.unsubscribe();
  }
  const many = created(4096);
  try {
    const offsets = Array.from({ length: 130 }, (_, i) => i * 4);
    const firsts = offsets.map((offset) => firstValueFrom(wakeups(many.shm, offset)));
    Atomics.add(new Int32Array(many.shm.buffer), 129, 7);
    offsets.slice(0, 129).forEach((offset) => wake(many.shm, offset));
    assert.equal(await Promise.all(firsts), [...new Array<number>(129).fill(1), 7]);
  } finally {
    many.subscription.unsubscribe();
  }
});

test('over the fake backend (no futex_waitv) the waiter polls, and wake() in this process is seen at once', async () => {
  const native = createFakeNative();
  const { shm, subscription } = created(4096, native);
  try {
    const first = firstValueFrom(wakeups(shm, 0));
    wake(shm, 0);
    assert.is(await first, 1);
  } finally {
    subscription.unsubscribe();
  }
  await until(() => !waiterOf(native).active, 'the waiter stops');
});

test.run();
