/**
 * wakeups()/wake() on Windows (run by `npm run test:windows` under Wine; not registered elsewhere), where a word's
 * wake-up is the named manual-reset event `Local\rxshm/<segment>/<byteOffset>`: driven by wake() in another Windows
 * process; driven by a "native" signaller that uses kernel32 alone and the documented name
 * (test/fixtures/win32-event-signaller.ts, what a C program does); with no SetEvent at all (bounded waits); one
 * wake waking watchers in three processes; one waiting call for 40 words (and polling beyond 63); a child that
 * unsubscribes exits by itself. Round trips are printed, measured under Wine, never asserted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, tap, type Subscription } from 'rxjs';
import type { NativeApi, WordEventApi } from '../../src/native/contract.js';
import { native } from '../../src/native/index.js';
import { waiterOf } from '../../src/streams/native/word-waiter.js';
import { segment, wake, wakeups, type SharedSegment } from '../../src/index.js';
import { nativeName } from '../helpers/names.js';
import { sleep, until } from '../helpers/waiting.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('win32: wakeups() and wake() across processes');
const PEER = 'test/fixtures/segment-peer.ts';
const SIGNALLER = 'test/fixtures/win32-event-signaller.ts';

/** A created 4 KiB segment and its subscription. */
function created(backend: NativeApi = native): { shm: SharedSegment; subscription: Subscription } {
  let shm: SharedSegment | undefined;
  const subscription = segment(nativeName('wake'), { size: 4096, native: backend }).subscribe((h) => (shm = h));
  return { shm: shm!, subscription };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Runs the kernel32-only signaller against a pipeline that answers each wake-up of word 0 with wake(shm, 4); returns
 * the median round trip in µs.
 */
async function nativeSignaller(watch: Watch, mode: 'wake' | 'silent', rounds: number): Promise<number> {
  const { shm, subscription } = created();
  watch.defer(() => subscription.unsubscribe());
  const values: number[] = [];
  const answering = wakeups(shm, 0)
    .pipe(tap((value) => (values.push(value), wake(shm, 4))))
    .subscribe();
  watch.defer(() => answering.unsubscribe());
  const signaller = watch.child([SIGNALLER, shm.name, String(rounds), mode]);
  const exit = await signaller.exited;
  assert.equal([exit.code, exit.signal], [0, null], `the signaller ended: ${signaller.stderr}`);
  const [, done, nanoseconds] = signaller.lines.find((l) => l.startsWith('done '))!.split(' ');
  assert.is(Number(done), rounds);
  assert.equal(
    values,
    Array.from({ length: rounds }, (_, i) => i + 1),
    'every wake-up seen once, in order',
  );
  return Number(nanoseconds) / 1000;
}

test('the event name is the documented one, and it exists exactly while some process watches the word', async () => {
  const events = native.wordEvents!;
  assert.is(events.eventName('readings', 8), 'Local\\rxshm/readings/8');
  const { shm, subscription } = created();
  const raw = native.segments.open(shm.name);
  try {
    assert.is(events.signal(raw, 0), false, 'no event: nobody watches');
    const watching = wakeups(shm, 0).subscribe();
    await until(() => events.signal(raw, 0), 'the waiter made the event');
    watching.unsubscribe();
    await until(() => !waiterOf(native).active, 'the waiter stops');
    assert.is(events.signal(raw, 0), false, 'closed with the last watcher');
  } finally {
    raw.close();
    subscription.unsubscribe();
  }
});

test('wake() in another Windows process drives wakeups() here, and back: every value, in order', () =>
  watched(120_000, async (watch) => {
    const ROUNDS = 300;
    const { shm, subscription } = created();
    watch.defer(() => subscription.unsubscribe());
    let answered: (value: number) => void = () => {};
    const answers = wakeups(shm, 4).subscribe((value) => answered(value));
    watch.defer(() => answers.unsubscribe());
    const ponger = watch.child([PEER, 'pong', shm.name, String(ROUNDS)]);
    await ponger.next('watching');
    const micros: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const answer = new Promise<number>((resolve) => (answered = resolve));
      const started = performance.now();
      assert.is(wake(shm, 0), i);
      assert.is(await answer, i);
      micros.push((performance.now() - started) * 1000);
    }
    await ponger.next('done');
    assert.equal((await ponger.exited).code, 0);
    console.log(`  wake -> other process -> wake -> here: median ${median(micros).toFixed(0)} µs (Wine, not asserted)`);
  }));

test('a kernel32-only signaller (OpenEventW + SetEvent on the documented name) drives wakeups()', () =>
  watched(120_000, async (watch) => {
    const micros = await nativeSignaller(watch, 'wake', 300);
    console.log(
      `  native SetEvent -> wakeups -> wake -> native: ${micros.toFixed(0)} µs median round trip (Wine, not asserted)`,
    );
  }));

test('a change without any SetEvent is still seen: a wake-up is a new value, and every wait is bounded', () =>
  watched(60_000, async (watch) => void (await nativeSignaller(watch, 'silent', 5))));

test('one SetEvent releases every waiter (a manual-reset event): two wait sets on one word both wake', async () => {
  const events = native.wordEvents!;
  const { shm, subscription } = created();
  const raw = native.segments.open(shm.name);
  const sets = [events.createWaitSet(), events.createWaitSet()];
  try {
    const word = { segment: raw, byteOffset: 0, expected: 0 };
    const results = sets.map((set) => set.waitAny([word], 250)); // two threadpool threads, as two processes would
    await sleep(50);
    Atomics.add(new Int32Array(raw.buffer), 0, 1);
    assert.ok(events.signal(raw, 0));
    // An auto-reset event would release one of them; the other would end by its timeout.
    assert.equal(await Promise.all(results), ['woken', 'woken']);
    assert.is(await sets[0]!.waitAny([word], 250), 'not-equal', 'the word moved on from 0');
  } finally {
    sets.forEach((set) => set.close());
    raw.close();
    subscription.unsubscribe();
  }
});

test('one wake() wakes every watcher of the word: two other processes and this one', () =>
  watched(60_000, async (watch) => {
    const { shm, subscription } = created();
    watch.defer(() => subscription.unsubscribe());
    const children = [0, 1].map(() => watch.child([PEER, 'watch', shm.name, '8', '3']));
    for (const child of children) await child.next('watching');
    const here: number[] = [];
    const watching = wakeups(shm, 8).subscribe((value) => here.push(value));
    watch.defer(() => watching.unsubscribe());
    await sleep(300); // both children are asleep on the event by now (not needed for correctness: values are)
    for (const expected of [1, 2, 3]) {
      assert.is(wake(shm, 8), expected);
      for (const child of children) assert.equal(await child.next('value'), { ev: 'value', value: expected });
      await until(() => here.at(-1) === expected, 'this process saw it too');
    }
    for (const child of children) assert.equal((await child.exited).code, 0);
  }));

test('40 words share one waiting call and the threadpool stays free; beyond 63 words the waiter polls', async () => {
  let inFlight = 0;
  let most = 0;
  const events = native.wordEvents!;
  const counting: NativeApi = {
    ...native,
    wordEvents: {
      ...events,
      createWaitSet: () => {
        const set = events.createWaitSet();
        return {
          waitAny: (words, ms) => {
            most = Math.max(most, ++inFlight);
            return set.waitAny(words, ms).finally(() => inFlight--);
          },
          interrupt: () => set.interrupt(),
          close: () => set.close(),
        };
      },
    } satisfies WordEventApi,
  };
  const { shm, subscription } = created(counting);
  try {
    const offsets = Array.from({ length: 40 }, (_, i) => i * 4);
    const firsts = offsets.map((offset) => firstValueFrom(wakeups(shm, offset)));
    await until(() => inFlight === 1, 'the waiter sleeps');
    const { readFile } = await import('node:fs/promises');
    await readFile(new URL(import.meta.url)); // needs a threadpool thread: 40 parked waits would take all 4
    offsets.forEach((offset) => wake(shm, offset));
    assert.equal(await Promise.all(firsts), new Array<number>(40).fill(1));
    assert.is(most, 1, 'never more than one waiting call');
    await until(() => !waiterOf(counting).active, 'the waiter stops when nothing is subscribed');

    const other = created(counting);
    try {
      const many = Array.from({ length: 70 }, (_, i) => i * 4);
      const all = many.map((offset) => firstValueFrom(wakeups(other.shm, offset)));
      Atomics.add(new Int32Array(other.shm.buffer), 69, 7); // no SetEvent: polling finds it
      many.slice(0, 69).forEach((offset) => wake(other.shm, offset));
      assert.equal(await Promise.all(all), [...new Array<number>(69).fill(1), 7]);
    } finally {
      other.subscription.unsubscribe();
    }
  } finally {
    subscription.unsubscribe();
  }
});

test('a child that watched a word and unsubscribed exits by itself at once', () =>
  watched(30_000, async (watch) => {
    const { shm, subscription } = created();
    watch.defer(() => subscription.unsubscribe());
    const child = watch.child([PEER, 'idle', shm.name, '0', '600']);
    await child.next('watching');
    const done = await child.next('done');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], 'no pending wait keeps it alive');
    const after = exit.at - done.at;
    console.log(`  child exited ${after} ms after its unsubscribe (Wine; includes node.exe's own exit)`);
    // One bounded wait (200 ms) is the most an unsubscribe may leave pending; the rest is process exit under Wine.
    assert.ok(after < 1500, `exited ${after} ms after unsubscribing`);
  }));

test('measured under Wine: wake() to emission in one process', async () => {
  const { shm, subscription } = created();
  try {
    let seen: () => void = () => {};
    const watching = wakeups(shm, 0).subscribe(() => seen());
    const micros: number[] = [];
    for (let i = 0; i < 300; i++) {
      const emitted = new Promise<void>((resolve) => (seen = resolve));
      const started = performance.now();
      wake(shm, 0);
      await emitted;
      micros.push((performance.now() - started) * 1000);
    }
    watching.unsubscribe();
    console.log(`  wake() -> emission in this process: median ${median(micros).toFixed(0)} µs (Wine, not asserted)`);
  } finally {
    subscription.unsubscribe();
  }
});

// Windows only: elsewhere the suite is not registered at all, so nothing passes without running.
if (process.platform === 'win32') test.run();
