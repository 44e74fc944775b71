/**
 * How the word waiter (word-waiter.ts) sleeps on all its words in one call, by what the backend offers: `futex.waitAny`
 * (Linux `futex_waitv`, with a private control word in an anonymous segment) or `wordEvents` (Windows: a named event
 * per word and a private control event). Either way one call, on one threadpool thread, bounded by the caller's
 * timeout; `kick` ends it early. The waiter polls when neither exists.
 *
 * Cross-process invariants relied on: those of the backend's primitive (../../native/contract.ts): a signaller
 * changes the word before it wakes it, and the sleep compares each word with the value the waiter last saw before it
 * sleeps, so a change made meanwhile ends the sleep at once.
 */
import {
  MAX_FUTEX_WAITV_WORDS,
  MAX_WORD_EVENTS,
  type FutexWaitAny,
  type FutexWord,
  type NativeApi,
  type Segment,
  type WordEventApi,
  type WordWaitSet,
} from '../../native/contract.js';

/** One call that sleeps on many words; see the module comment. */
export interface WordSleeper {
  /** The most words one `sleep` takes. */
  readonly maxWords: number;
  /** Sleeps until a word differs from its `expected` value or is woken, `kick` runs, or `ms` pass. */
  sleep(words: readonly FutexWord[], ms: number): Promise<'slept' | 'unsupported'>;
  /** Ends the pending sleep (or the next one) at once. */
  kick(): void;
  /** Releases what the sleeps used (control word or events); a later `sleep` makes them again. */
  close(): void;
}

/** The sleeper `native` allows, or null (the caller polls). */
export function sleeperFor(native: NativeApi): WordSleeper | null {
  if (native.wordEvents !== undefined) return new EventSleeper(native.wordEvents);
  const futex = native.futex;
  if (futex?.waitAny === undefined) return null;
  return new FutexSleeper(native, { waitAny: futex.waitAny.bind(futex) });
}

/** `futex_waitv` on the words and a control word that `kick` increments and wakes. */
class FutexSleeper implements WordSleeper {
  readonly maxWords = MAX_FUTEX_WAITV_WORDS - 1;
  private control: Segment | null = null;

  constructor(
    private readonly native: NativeApi,
    private readonly futex: FutexWaitAny,
  ) {}

  async sleep(words: readonly FutexWord[], ms: number): Promise<'slept' | 'unsupported'> {
    this.control ??= this.native.segments.createAnonymous(4096);
    const expected = Atomics.load(new Int32Array(this.control.buffer, 0, 1), 0);
    const result = await this.futex.waitAny([{ segment: this.control, byteOffset: 0, expected }, ...words], ms);
    return result === 'unsupported' ? result : 'slept';
  }

  kick(): void {
    const control = this.control;
    if (control === null || control.closed) return;
    Atomics.add(new Int32Array(control.buffer, 0, 1), 0, 1);
    this.native.futex?.wake(control, 0, 1);
  }

  close(): void {
    this.control?.close();
    this.control = null;
  }
}

/** WaitForMultipleObjects on the words' named events and a private control event. */
class EventSleeper implements WordSleeper {
  readonly maxWords = MAX_WORD_EVENTS;
  private set: WordWaitSet | null = null;

  constructor(private readonly events: WordEventApi) {}

  async sleep(words: readonly FutexWord[], ms: number): Promise<'slept'> {
    this.set ??= this.events.createWaitSet();
    await this.set.waitAny(words, ms);
    return 'slept';
  }

  kick(): void {
    this.set?.interrupt();
  }

  close(): void {
    this.set?.close();
    this.set = null;
  }
}
