/**
 * An in-process futex for the fake backend: a waiter list per (buffer, offset), woken by `wake` in the same process.
 *
 * Invariant: JS runs one turn at a time, so "compare the word, then enqueue" is atomic here just as the kernel's is;
 * a wake between a caller's check and its wait is therefore never lost (`not-equal`). Timers are bounded by
 * MAX_FUTEX_WAIT_MS like the real backend's, so a pending fake wait delays exit no longer than a real one.
 */
import { MAX_FUTEX_WAIT_MS, type FutexApi, type FutexWaitResult, type Segment } from './contract.js';
import { clampTimeout, validateWord } from './validate.js';

type Waiter = (result: FutexWaitResult) => void;

/**
 * A process-local futex over the buffers `bufferOf` returns (the fake's segments).
 * @example
 * const futex = createFakeFutex(seg => seg.buffer);
 */
export function createFakeFutex(bufferOf: (segment: Segment) => ArrayBuffer): FutexApi {
  const waiters = new WeakMap<ArrayBuffer, Map<number, Set<Waiter>>>();
  const listFor = (segment: Segment, byteOffset: number): Set<Waiter> => {
    const buffer = bufferOf(segment);
    let byOffset = waiters.get(buffer);
    if (byOffset === undefined) waiters.set(buffer, (byOffset = new Map()));
    let list = byOffset.get(byteOffset);
    if (list === undefined) byOffset.set(byteOffset, (list = new Set()));
    return list;
  };

  return {
    wake(segment, byteOffset, count) {
      validateWord(segment, byteOffset);
      if (!Number.isSafeInteger(count) || count < 0)
        throw new RangeError(`invalid futex wake count: count=${String(count)}`);
      let woken = 0;
      for (const waiter of listFor(segment, byteOffset)) {
        if (woken >= count) break;
        waiter('woken');
        woken++;
      }
      return woken;
    },

    wait(segment, byteOffset, expected, timeoutMs) {
      try {
        validateWord(segment, byteOffset);
      } catch (error) {
        return Promise.reject(error);
      }
      const word = new Int32Array(segment.buffer, byteOffset, 1);
      if (Atomics.load(word, 0) !== (expected | 0)) return Promise.resolve('not-equal');
      const list = listFor(segment, byteOffset);
      return new Promise((resolve) => {
        const done: Waiter = (result) => {
          clearTimeout(timer);
          list.delete(done);
          resolve(result);
        };
        const timer = setTimeout(() => done('timeout'), clampTimeout(timeoutMs, MAX_FUTEX_WAIT_MS));
        list.add(done);
      });
    },
  };
}
