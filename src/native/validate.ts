/**
 * Argument checks shared by every backend, run before any system call so the fake and the OS agree.
 *
 * Cross-process invariant: sizes and pids may come from shared memory written by an untrusted peer, so nothing
 * here trusts a number: a bad one becomes a typed error, never a huge mapping, a signal to a process group or an
 * out-of-bounds futex address.
 */
import { segmentError, SegmentClosedError, type SegmentOperation } from './errors.js';
import type { Segment } from './contract.js';

/**
 * Largest segment, in bytes: 4 GiB. koffi 3.3 cannot expose a longer mapping as an ArrayBuffer (`koffi.view`
 * aborts the whole process above 2**32 bytes, measured here), so larger sizes are refused before any system call.
 */
export const MAX_SEGMENT_SIZE = 2 ** 32;

/**
 * Throws `InvalidSize` (not a positive integer) or `TooLarge` (over {@link MAX_SEGMENT_SIZE}).
 * @example
 * validateSize(4096, 'create', 'x'); // ok
 */
export function validateSize(
  size: number,
  operation: SegmentOperation,
  segment: string | null,
  subject?: string,
): void {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0)
    throw segmentError(operation, 'InvalidSize', {
      segment,
      subject,
      detail: `size=${String(size)}, expected a positive integer`,
    });
  if (size > MAX_SEGMENT_SIZE)
    throw segmentError(operation, 'TooLarge', { segment, subject, detail: `size=${size}, limit ${MAX_SEGMENT_SIZE}` });
}

/** Permission bits for a new segment: an integer in 0..0o777. A bad mode is a configuration error. */
export function validateMode(mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
    throw new RangeError(`invalid segment mode: mode=${String(mode)}, expected 0..0o777`);
}

/**
 * A pid must be a positive integer: `kill(0, ...)` and `kill(-n, ...)` address process groups, never one process.
 * @example
 * validatePid(process.pid); // ok
 */
export function validatePid(pid: number): void {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff)
    throw new RangeError(`invalid pid: pid=${String(pid)}, expected a positive integer`);
}

/** A futex word: 4-byte aligned, inside an open segment. Throws SegmentClosedError or RangeError. */
export function validateWord(segment: Segment, byteOffset: number): void {
  if (segment.closed) throw new SegmentClosedError(segment.name);
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || byteOffset + 4 > segment.size)
    throw new RangeError(
      `invalid futex word: byteOffset=${String(byteOffset)}, size=${segment.size}, expected a 4-byte aligned offset inside the segment`,
    );
}

/** Clamps a wait to 0..max ms; NaN waits 0 ms and Infinity waits `max`. */
export function clampTimeout(timeoutMs: number, max: number): number {
  if (Number.isNaN(timeoutMs)) return 0;
  return Math.min(Math.max(timeoutMs, 0), max);
}
