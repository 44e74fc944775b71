/**
 * glibc's heap policy for a process that receives copies: keep freed memory for reuse instead of handing it back to
 * the kernel at once.
 *
 * Why: a copy of a received message is a fresh `ArrayBuffer`, which Node takes from malloc. With glibc's defaults a
 * 64 KiB block comes from the top of the heap, and when the garbage collector frees a run of them the heap is
 * trimmed (`M_TRIM_THRESHOLD`, 128 KiB until glibc adapts), so the next copies fault fresh pages in again. Measured
 * (2026-12-04, Firecracker VM, AMD EPYC, two processes, 64 KiB `next()` + subscribe): 135-178 µs of receiver CPU
 * per message with the defaults, 20-26 µs with the thresholds below; 64 B and 1 KiB messages unchanged.
 *
 * The thresholds are what glibc's own dynamic adjustment reaches after it sees a block that large freed (mmap
 * threshold at its maximum: 32 MiB on 64-bit, 512 KiB on 32-bit; trim threshold twice that): each heap arena keeps
 * up to 64 MiB of freed memory at its top, and allocations up to 32 MiB come from the heap. Process-local only;
 * nothing here touches shared memory.
 */
import { koffi } from './libc.js';

/** mallopt parameters (malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
/** 32-bit glibc caps the mmap threshold at 512 KiB (its dynamic maximum there); 64-bit at 32 MiB. */
const WIDE = !['arm', 'ia32'].includes(process.arch);
/** Blocks below this come from the heap (and are reused); larger ones are mapped of their own. */
export const RETAINED_MMAP_THRESHOLD = WIDE ? 32 * 1024 * 1024 : 512 * 1024;
/** Freed memory kept at the top of each heap arena before glibc returns it to the kernel (twice the above). */
export const RETAINED_TRIM_THRESHOLD = 2 * RETAINED_MMAP_THRESHOLD;
/** Setting this environment variable to `off` leaves glibc's heap policy alone. */
export const HEAP_TUNING_ENV = 'RXSHM_HEAP_TUNING';

type Mallopt = (parameter: number, value: number) => number;

let mallopt: Mallopt | null = null;
/** The outcome of the first call: the policy is applied once per process. */
let outcome: HeapTuning | null = null;

/** What {@link retainFreedHeap} did. */
export type HeapTuning = 'applied' | 'opted-out' | 'user-tuned' | 'unavailable';

/** glibc's libc (loaded by koffi once per process; libc.ts holds the same handle). */
function glibc(): ReturnType<ReturnType<typeof koffi>['load']> {
  return koffi().load('libc.so.6');
}

/** True when the environment already sets glibc's malloc policy (theirs wins). */
function userTuned(env: NodeJS.ProcessEnv): boolean {
  if ((env['GLIBC_TUNABLES'] ?? '').includes('glibc.malloc.')) return true;
  return ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TOP_PAD_'].some((k) => env[k] !== undefined);
}

/**
 * Raises glibc's trim and mmap thresholds (see the module header), once per process; later calls return the first
 * outcome. Left alone when `RXSHM_HEAP_TUNING=off`, or when GLIBC_TUNABLES or MALLOC_*_ variables set the policy.
 * @example
 * retainFreedHeap(); // 'applied'
 */
export function retainFreedHeap(env: NodeJS.ProcessEnv = process.env): HeapTuning {
  if (outcome !== null) return outcome;
  if (env[HEAP_TUNING_ENV] === 'off') outcome = 'opted-out';
  else if (userTuned(env)) outcome = 'user-tuned';
  else {
    try {
      mallopt ??= glibc().func('int mallopt(int param, int value)') as Mallopt;
      // mallopt returns 1 on success. The mmap threshold first: a value glibc refuses changes nothing, and only
      // then the trim threshold (setting either ends glibc's dynamic adjustment of both).
      const ok = mallopt(M_MMAP_THRESHOLD, RETAINED_MMAP_THRESHOLD) === 1;
      outcome = ok && mallopt(M_TRIM_THRESHOLD, RETAINED_TRIM_THRESHOLD) === 1 ? 'applied' : 'unavailable';
    } catch {
      outcome = 'unavailable'; // no glibc: nothing to tune
    }
  }
  return outcome;
}

/** What the first {@link retainFreedHeap} call did, or null before any (for tests and diagnostics). */
export function heapTuning(): HeapTuning | null {
  return outcome;
}
