/**
 * One waiter per native backend for every `wakeups()` subscription of the process: a loop that reads each watched
 * word, emits the ones whose value changed, then sleeps on all of them at once in ONE call off the JS thread (one
 * libuv threadpool thread however many words are watched), bounded by WAIT_MS, through the backend's primitive
 * (word-sleepers.ts: Linux `futex_waitv` with a private control word, Windows WaitForMultipleObjects on named events
 * with a private control event); subscribe/unsubscribe/close kick it to re-read its list at once. Without either (the
 * fake, a kernel before 5.16, more words than one call takes) it polls every POLL_MS on a JS timer instead.
 *
 * Cross-process invariants relied on: a peer that signals changes the word (e.g. increments it) BEFORE it wakes it,
 * so a wake-up is the word's new value: read, then sleep with that value as `expected`; the sleep compares before it
 * blocks and reports any change in between (`not-equal`): nothing is lost, even with no waiter at the time.
 * The loop stops, and its last call returns, as soon as no subscription is left: nothing holds the process open.
 */
import type { FutexWord, NativeApi, Segment } from '../../native/contract.js';
import { sleeperFor, type WordSleeper } from './word-sleepers.js';

/** Longest single sleep while watching (below MAX_FUTEX_WAIT_MS): bounds a wait nobody woke. */
export const WAIT_MS = 200;
/** Polling period without futex_waitv. */
export const POLL_MS = 10;

/** One subscription: a word, the last value it saw, and where its values go. */
export interface Watcher {
  readonly segment: Segment;
  readonly byteOffset: number;
  readonly word: Int32Array;
  last: number;
  readonly next: (value: number) => void;
  readonly complete: () => void;
  readonly error: (error: unknown) => void;
}

const waiters = new WeakMap<NativeApi, WordWaiter>();

/** The waiter of `native` if one was made. */
export function existingWaiterOf(native: NativeApi): WordWaiter | undefined {
  return waiters.get(native);
}

/** The waiter of `native`, created on first use. */
export function waiterOf(native: NativeApi): WordWaiter {
  let waiter = waiters.get(native);
  if (waiter === undefined) waiters.set(native, (waiter = new WordWaiter(native)));
  return waiter;
}

/** The shared loop of one backend; see the module comment. */
export class WordWaiter {
  private readonly watchers = new Set<Watcher>();
  /** How it sleeps: made at the first sleep (undefined until then; null: poll). */
  private sleeper: WordSleeper | null | undefined;
  private running = false;
  private polling = false;
  /** Ends the current poll sleep early (poll mode). */
  private stopSleep: (() => void) | null = null;
  /** Rounds run, for tests and measurements. */
  rounds = 0;

  constructor(private readonly native: NativeApi) {}

  /** Starts watching; the loop starts if it was idle. */
  add(watcher: Watcher): void {
    this.watchers.add(watcher);
    if (this.running) this.kick();
    else void this.loop();
  }

  /** Stops watching; the loop ends at once if this was the last watcher. */
  remove(watcher: Watcher): void {
    if (this.watchers.delete(watcher)) this.kick();
  }

  /** True while the loop runs (some subscription is active, or its last call is returning). */
  get active(): boolean {
    return this.running;
  }

  /** Ends a poll sleep early (a word changed in this process); otherwise the word's own wake does it. */
  nudge(): void {
    this.stopSleep?.();
  }

  /** Makes the loop re-read every word now. */
  kick(): void {
    this.stopSleep?.();
    this.sleeper?.kick();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.watchers.size > 0) {
        this.rounds++;
        const words = this.emitChanges();
        if (this.watchers.size === 0) break;
        await this.sleep(words);
      }
    } catch (error) {
      // The wait itself failed (words are validated before, so e.g. no memory for the control word): report it to
      // every subscription rather than spin.
      const failed = [...this.watchers];
      this.watchers.clear();
      for (const w of failed) w.error(error);
    } finally {
      this.sleeper?.close();
      this.running = false;
    }
  }

  /** Emits each changed word, completes watchers of closed segments, and returns the distinct words to sleep on. */
  private emitChanges(): FutexWord[] {
    // Distinct words: by segment object (the fake's segments all have address 0) and offset.
    const words = new Map<Segment, Map<number, FutexWord>>();
    for (const w of [...this.watchers]) {
      if (!this.watchers.has(w)) continue; // removed by a subscriber during this round
      if (w.segment.closed) {
        this.watchers.delete(w);
        w.complete();
        continue;
      }
      const value = Atomics.load(w.word, 0) >>> 0;
      if (value !== w.last) {
        w.last = value;
        w.next(value);
      }
      let offsets = words.get(w.segment);
      if (offsets === undefined) words.set(w.segment, (offsets = new Map()));
      if (!offsets.has(w.byteOffset))
        offsets.set(w.byteOffset, { segment: w.segment, byteOffset: w.byteOffset, expected: value });
    }
    return [...words.values()].flatMap((offsets) => [...offsets.values()]);
  }

  /** Sleeps until a word or the control word changes or is woken, or the bound passes. */
  private async sleep(all: FutexWord[]): Promise<void> {
    // A subscriber may have ended a segment while this round delivered values: its words are not waited on (their
    // watchers complete at the next round); waiting on an unmapped word would fail every subscription.
    const words = all.filter((word) => !word.segment.closed);
    if (this.sleeper === undefined) this.sleeper = sleeperFor(this.native);
    if (!this.polling && this.sleeper !== null && words.length <= this.sleeper.maxWords) {
      if ((await this.sleeper.sleep(words, WAIT_MS)) !== 'unsupported') return;
      this.polling = true;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.stopSleep = done;
    });
    this.stopSleep = null;
  }
}
