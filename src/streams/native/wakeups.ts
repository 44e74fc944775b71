/**
 * `wakeups(segment, byteOffset)`: the changes of a 32-bit word in a `segment()` mapping as a cold Observable, and
 * `wake(segment, byteOffset)` to signal one, so native code that signals with a futex drives an RxJS pipeline.
 *
 * Cross-process invariants relied on: the signaller changes the word (rxshm's `wake` and the C convention: an atomic
 * increment) before it wakes it: on Linux FUTEX_WAKE without FUTEX_PRIVATE_FLAG (the word is in a MAP_SHARED page,
 * keyed by inode and offset across processes), on Windows SetEvent on the word's named manual-reset event
 * (`wordEvents`, see ../../native/contract.ts). A wake-up is therefore a new value, and one that arrives while nobody
 * waits is still seen: the waiter compares the value, not the wake. All subscriptions share one waiter
 * (word-waiter.ts).
 */
import { Observable } from 'rxjs';
import { SegmentClosedError } from '../../native/errors.js';
import { checkWordOffset, internalsOf, type SharedSegment } from './shared-segment.js';
import { existingWaiterOf, waiterOf, type Watcher } from './word-waiter.js';

/**
 * A cold observable of the u32 word at `byteOffset` (a multiple of 4) of `segment`: on subscribe it reads the word,
 * then emits its value (0 .. 2^32 - 1) each time it differs from the last value this subscription saw. Changes made
 * in quick succession may be seen as one (the latest value). It completes when the segment's own subscription ends,
 * and never errors for a value; a handle already closed errors with SegmentClosedError. Bad arguments throw at the
 * call (SegmentArgumentError `NotASegment`, `InvalidOffset`). Every subscription of the process shares one waiting
 * thread (Linux futex_waitv, Windows WaitForMultipleObjects on named events; bounded to 200 ms per call), and none
 * is left waiting after the last unsubscribes.
 *
 * @example
 * ```ts
 * segment('frames').pipe(switchMap((shm) => wakeups(shm, 0))).subscribe((count) => render(count));
 * ```
 */
export function wakeups(segment: SharedSegment, byteOffset: number): Observable<number> {
  const { segment: mapped, native, onClose } = internalsOf(segment, 'wakeups');
  checkWordOffset(byteOffset, mapped.size, 'wakeups');
  return new Observable<number>((subscriber) => {
    if (mapped.closed) return subscriber.error(new SegmentClosedError(mapped.name));
    const word = new Int32Array(mapped.buffer, byteOffset, 1);
    const watcher: Watcher = {
      segment: mapped,
      byteOffset,
      word,
      last: Atomics.load(word, 0) >>> 0,
      next: (value) => subscriber.next(value),
      complete: () => subscriber.complete(),
      error: (error) => subscriber.error(error),
    };
    const waiter = waiterOf(native);
    const closed = (): void => {
      waiter.remove(watcher);
      subscriber.complete();
    };
    onClose.add(closed);
    waiter.add(watcher);
    return () => {
      onClose.delete(closed);
      waiter.remove(watcher);
    };
  });
}

/**
 * Signals the word at `byteOffset` of `segment`: increments it atomically (wrapping at 2^32) and wakes every waiter
 * on it, in any process (Linux: a C program's FUTEX_WAIT, rxshm's `wakeups`; Windows: SetEvent on the word's named
 * event `Local\rxshm/<segment>/<byteOffset>`, if anyone watches). Returns the word's new value. Throws
 * SegmentArgumentError (`NotASegment`, `InvalidOffset`) or SegmentClosedError for a handle whose subscription ended.
 *
 * @example
 * ```ts
 * shm.bytes.set(frame, 64);
 * wake(shm, 0); // the reader's wakeups(shm, 0) emits the new count
 * ```
 */
export function wake(segment: SharedSegment, byteOffset: number): number {
  const { segment: mapped, native } = internalsOf(segment, 'wake');
  checkWordOffset(byteOffset, mapped.size, 'wake');
  if (mapped.closed) throw new SegmentClosedError(mapped.name);
  const value = (Atomics.add(new Int32Array(mapped.buffer, byteOffset, 1), 0, 1) + 1) >>> 0;
  native.futex?.wake(mapped, byteOffset, 0x7fffffff);
  native.wordEvents?.signal(mapped, byteOffset);
  existingWaiterOf(native)?.nudge();
  return value;
}
