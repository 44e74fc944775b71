/**
 * The handle `segment()` emits, and the registry that lets `wakeups`/`wake` find the native segment behind a handle
 * without exposing it.
 *
 * Cross-process invariants relied on: the handle's memory is the same physical pages as every other process's mapping
 * of the name until the subscription ends; then the mapping is retired (native `Segment.retire`): the shared pages are
 * released, and the handle's `bytes` read zeros (never a crash), `closed` turns true and its close listeners run.
 */
import type { NativeApi, Segment } from '../../native/contract.js';
import { SegmentArgumentError } from './errors.js';

/**
 * A named shared-memory mapping, valid while the `segment()` subscription that emitted it lasts.
 * @example
 * ```ts
 * segment('frames', { size: 1 << 20 }).subscribe((shm) => shm.bytes.fill(0x7f));
 * ```
 */
export interface SharedSegment {
  /**
   * The name, as given: the POSIX shared-memory object `/<name>` (a C peer calls `shm_open("/<name>", ...)`); on
   * Windows the section `Local\<name>` (`OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, L"Local\\<name>")`).
   */
  readonly name: string;
  /** Bytes mapped: the size given to create, or the size the OS reports for an opened segment. */
  readonly size: number;
  /** True when this subscription created the segment (and will unlink it when it ends). */
  readonly created: boolean;
  /**
   * The whole mapping. After the subscription ends it reads zeros and writes go nowhere (Windows: the view stays
   * mapped until garbage collected, so it may still reach memory other processes share): drop it by then.
   */
  readonly bytes: Uint8Array;
  /** The ArrayBuffer under `bytes` (not a SharedArrayBuffer; Atomics work on an Int32Array over it across processes). */
  readonly buffer: ArrayBuffer;
  /** True once the subscription ended and the mapping was retired. */
  readonly closed: boolean;
}

/** What rxshm keeps of a handle: the native segment and backend, and who to tell when it closes. */
export interface SegmentInternals {
  readonly segment: Segment;
  readonly native: NativeApi;
  readonly onClose: Set<() => void>;
}

const internals = new WeakMap<SharedSegment, SegmentInternals>();

/** The handle over a mapped `segment`; `release` is the subscription's teardown. */
export function makeSharedSegment(
  segment: Segment,
  native: NativeApi,
  created: boolean,
): { handle: SharedSegment; release: () => void } {
  const buffer = segment.buffer;
  const bytes = new Uint8Array(buffer);
  const onClose = new Set<() => void>();
  const handle: SharedSegment = Object.freeze({
    name: segment.name ?? '',
    size: segment.size,
    created,
    bytes,
    buffer,
    get closed() {
      return segment.closed;
    },
  });
  internals.set(handle, { segment, native, onClose });
  const release = (): void => {
    segment.retire();
    for (const listener of [...onClose]) listener();
    onClose.clear();
  };
  return { handle, release };
}

/** The internals of a handle `segment()` emitted; throws `NotASegment` for anything else. */
export function internalsOf(handle: SharedSegment, caller: string): SegmentInternals {
  const found = typeof handle === 'object' && handle !== null ? internals.get(handle) : undefined;
  if (found === undefined)
    throw new SegmentArgumentError(
      'NotASegment',
      `${caller}: expected a handle emitted by segment(), got ${typeof handle}`,
    );
  return found;
}

/** Throws `InvalidOffset` unless `byteOffset` is a 4-aligned word inside `size` bytes. */
export function checkWordOffset(byteOffset: number, size: number, caller: string): void {
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || byteOffset + 4 > size)
    throw new SegmentArgumentError(
      'InvalidOffset',
      `${caller}: byteOffset=${String(byteOffset)} must be a multiple of 4 from 0 to ${size - 4} (segment size ${size})`,
    );
}
