/**
 * `segment(name, options?)`: a raw named shared-memory mapping as a cold Observable, for memory shared with native
 * code (a frame buffer, a table) rather than an rxshm channel.
 *
 * Cross-process invariants relied on: a name is one shared-memory object for every process (Linux: the POSIX object
 * `/dev/shm/<name>`; Windows: the section `Local\<name>`); exactly one creator wins it (`O_CREAT | O_EXCL`; Windows:
 * ERROR_ALREADY_EXISTS); a new segment is zero-filled with its memory reserved (a full /dev/shm or commit limit is
 * `NoSpace` at subscribe, never a fault later). This module never reads the memory: what it holds is the user's
 * protocol. Only the creator unlinks; an opener only unmaps (Windows removes the name with its last handle in any
 * process, so there unlinking only checks). Unlike a channel's sealed memfd, a POSIX shared-memory object can be
 * shrunk (ftruncate) by any process allowed to open it, and touching a mapped page past the new end faults (SIGBUS):
 * share it only with processes you trust (the default mode 0o600 admits this user only). A Windows section never
 * changes size, and admits whom its creator's default DACL admits: `mode` has no meaning there.
 */
import { Observable } from 'rxjs';
import type { NativeApi } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import { validateName } from '../../native/names.js';
import { validateSize } from '../../native/validate.js';
import { SegmentArgumentError } from './errors.js';
import { makeSharedSegment, type SharedSegment } from './shared-segment.js';

/** Options of `segment()`: with `size` it creates the segment, without it opens an existing one. */
export interface SegmentOptions {
  /**
   * Create the segment with this many bytes (1 .. 2^32), exclusively: `AlreadyExists` if the name is taken. The
   * memory is zero-filled and reserved. Without `size`, open an existing segment at the size the OS reports
   * (`NotFound` if there is none).
   */
  readonly size?: number;
  /**
   * Permission bits of a created segment (default 0o600: this user only); only with `size`. Windows has no mode
   * bits (a section admits whom the creator's default DACL admits: this user, SYSTEM, Administrators): there any
   * value but 0o600 is refused (`InvalidOption`), rather than silently not applied.
   */
  readonly mode?: number;
  /** The native backend (for tests: a fake). Default: this OS's. */
  readonly native?: NativeApi;
}

const KNOWN_OPTIONS = new Set(['size', 'mode', 'native']);

function checkOptions(name: string, options: SegmentOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new SegmentArgumentError('InvalidOption', `segment: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options))
    if (!KNOWN_OPTIONS.has(key)) throw new SegmentArgumentError('InvalidOption', `segment: unknown option "${key}"`);
  validateName(name, options.size === undefined ? 'open' : 'create');
  if (options.size !== undefined) validateSize(options.size, 'create', name);
  const { mode } = options;
  if (mode !== undefined) {
    if (options.size === undefined)
      throw new SegmentArgumentError('InvalidOption', 'segment: mode applies only when creating (with size)');
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
      throw new SegmentArgumentError('InvalidOption', `segment: mode=${String(mode)} must be an integer 0..0o777`);
  }
  const n = options.native;
  if (n !== undefined && (typeof n !== 'object' || n === null || typeof n.segments?.create !== 'function'))
    throw new SegmentArgumentError('InvalidOption', 'segment: native must be a NativeApi');
  if (mode !== undefined && mode !== 0o600 && (n ?? defaultNative).platform === 'win32')
    throw new SegmentArgumentError(
      'InvalidOption',
      `segment: mode=0o${mode.toString(8)} has no meaning on Windows (a section admits whom its creator's default DACL admits); leave it out or pass 0o600`,
    );
}

/**
 * A cold observable of a named shared-memory segment (Linux: POSIX shm `/<name>`; Windows: the section
 * `Local\<name>`). Each subscription maps it (creating it when `size` is given, opening it otherwise), emits one
 * {@link SharedSegment} and stays open; unsubscribing unmaps it, and the creating subscription also removes the
 * name, so nothing is left in /dev/shm (Windows removes the name with the last handle, in any process). It never
 * completes by itself. Bad arguments
 * throw at the call: `CreateSegmentError`/`OpenSegmentError` (`InvalidName`, `NameTooLong`, `InvalidSize`,
 * `TooLarge`) or `SegmentArgumentError` (`InvalidOption`, e.g. a `mode` other than 0o600 on Windows). OS failures error the subscription with
 * `CreateSegmentError` or `OpenSegmentError` (`AlreadyExists`, `NotFound`, `PermissionDenied`, `NoSpace`, ...).
 * Two subscriptions with `size` race for the name (the second gets `AlreadyExists`): share one with `share()`.
 *
 * @example
 * ```ts
 * // Node creates a 4 KiB table; a C program opens it with shm_open("/my-table", O_RDWR, 0) and mmap.
 * segment('my-table', { size: 4096 }).subscribe((table) => new Float64Array(table.buffer)[0] = Math.PI);
 * ```
 */
export function segment(name: string, options: SegmentOptions = {}): Observable<SharedSegment> {
  checkOptions(name, options);
  const native = options.native ?? defaultNative;
  const { size, mode } = options;
  return new Observable<SharedSegment>((subscriber) => {
    let mapped;
    try {
      mapped =
        size === undefined
          ? native.segments.open(name)
          : native.segments.create(name, size, mode === undefined ? {} : { mode });
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const created = size !== undefined;
    const { handle, release } = makeSharedSegment(mapped, native, created);
    subscriber.next(handle);
    return () => {
      if (created) {
        try {
          native.segments.unlink(name);
        } catch {
          // Someone removed the name already (NotFound) or may not (PermissionDenied): nothing to undo here.
        }
      }
      release();
    };
  });
}
