/**
 * The Linux backend: POSIX shm and (sealed) memfd segments, /proc liveness, futex wake-ups, abstract-socket
 * doorbells, raw local sockets that pass descriptors (SCM_RIGHTS), and who is who (geteuid, SO_PEERCRED).
 *
 * Cross-process invariants: see `../contract.ts`; each module here states the kernel behaviour it relies on.
 * Only `../index.ts` imports this module. It loads on every OS (a static import keeps rxshm's module graph
 * synchronous for `require()`), but it is plain JavaScript until used: `./libc.ts` requires koffi at its first call,
 * and `../index.ts` uses this backend only on Linux, so koffi's binary never loads elsewhere.
 */
import type { NativeApi } from '../contract.js';
import { linuxDoorbellPath } from '../doorbell.js';
import { linuxFutex } from './futex.js';
import { retainFreedHeap } from './heap.js';
import { linuxWaitAny } from './futex-waitv.js';
import { linuxIdentity } from './identity.js';
import { SYS_FUTEX } from './libc.js';
import { linuxProcesses } from './processes.js';
import { linuxSegments } from './segments.js';
import { linuxSockets } from './sockets.js';

/**
 * The Linux implementation of the native contract.
 * @example
 * const seg = linuxNative.segments.createAnonymous(4096);
 */
export const linuxNative: NativeApi = {
  platform: 'linux',
  segments: linuxSegments,
  processes: linuxProcesses,
  identity: linuxIdentity,
  futex: SYS_FUTEX === null ? null : { ...linuxFutex(SYS_FUTEX), ...linuxWaitAny },
  doorbellPath: (name: string) => linuxDoorbellPath(name),
  sockets: linuxSockets,
  heap: { retainFreed: () => retainFreedHeap() },
};
