/**
 * The `pooled` receive (issue 12): the receiver copies each payload of 1 KiB or more into a buffer from a pool of
 * its connection, and the user gives the buffer back with `recycle(message)` once done with it, so that a stream of
 * large messages reuses a few buffers instead of allocating (and having the garbage collector reclaim) one per
 * message. Smaller payloads are ordinary copies: V8 allocates those cheaply on its young heap. Process-local only:
 * what it copies is a payload the receiver already checked against the ring's bounds.
 *
 * Invariants relied on: a pooled buffer is lent to exactly one message, recorded in `lent`; it returns to its pool
 * only through `recycle`, which removes that record first, so a second recycle of the same message (or of anything
 * else) is refused and never puts a buffer back twice. A buffer is therefore handed out again only after its user
 * said it is done with it; a message never recycled simply stays the user's, and the garbage collector takes it. A
 * buffer whose user transferred it (postMessage) is detached and never comes back.
 */
import { BufferPool, POOLED_MIN_BYTES } from './buffer-pool.js';
import { copyOut } from './copy-out.js';

/** Free bytes one connection's pool keeps for reuse; buffers recycled beyond it are left to the garbage collector. */
export const RECYCLED_BUDGET_BYTES = 4 * 1024 * 1024;

/** Which pool lent each buffer still out (weak: a message never recycled costs nothing). */
const lent = new WeakMap<ArrayBuffer, RecycledCopies>();

/** One connection's pool of receive buffers (the `pooled` receive mode). */
export class RecycledCopies {
  private readonly pool = new BufferPool(RECYCLED_BUDGET_BYTES);

  /** A copy of `source[at, at + length)`: from 1 KiB in a lent pool buffer (at byteOffset 0), else a fresh copy. */
  copy(source: Uint8Array, at: number, length: number): Uint8Array {
    if (length < POOLED_MIN_BYTES) return copyOut(source, at, length);
    const copy = this.pool.copy(source.subarray(at, at + length));
    lent.set(copy.buffer as ArrayBuffer, this);
    return copy;
  }

  /** Takes back a buffer this pool lent (see `recycle`); false if the pool cannot reuse it. */
  takeBack(message: Uint8Array): boolean {
    return this.pool.release(message);
  }
}

/**
 * Gives a message received under `receive: 'pooled'` back to its connection, to be reused for a later message: call
 * it once nothing reads `message` (nor its `buffer`) any more. Returns true if the buffer went back to the pool;
 * false for anything else, and the buffer is not reused: a message below 1 KiB (an ordinary copy), one already
 * recycled, one whose buffer was transferred, a view that does not start at the buffer's first byte, bytes rxshm did
 * not lend, or a buffer the pool has no room for (it keeps at most RECYCLED_BUDGET_BYTES, 4 MiB, of free buffers).
 *
 * @example
 * ```ts
 * connect('frames', { receive: 'pooled' }).pipe(switchMap((c) => c)).subscribe((frame) => {
 *   render(frame);   // read it here, synchronously or later
 *   recycle(frame);  // then give it back: the next frame may reuse its buffer
 * });
 * ```
 */
export function recycle(message: Uint8Array): boolean {
  // Below 1 KiB nothing is lent; asking such a message for its `buffer` would move V8's on-heap bytes off-heap.
  if (!(message instanceof Uint8Array) || message.length < POOLED_MIN_BYTES) return false;
  const buffer = message.buffer as ArrayBuffer;
  const pool = lent.get(buffer);
  if (pool === undefined) return false;
  lent.delete(buffer);
  return pool.takeBack(message);
}
