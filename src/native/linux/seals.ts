/**
 * memfd seals on Linux: `fcntl(F_ADD_SEALS)` to fix a segment's size for good, `fcntl(F_GET_SEALS)` to check that a
 * descriptor received from a peer is fixed before mapping it.
 *
 * Cross-process invariants relied on: seals belong to the file, not the descriptor, so they bind every process
 * holding it; they can only be added, never removed, and F_SEAL_SEAL forbids adding more (a peer cannot add
 * F_SEAL_FUTURE_WRITE to stop our writes). A file that was not created with MFD_ALLOW_SEALING reports F_SEAL_SEAL
 * alone; one that cannot carry seals at all (not shmem) fails F_GET_SEALS with EINVAL.
 */
import { constants } from 'node:os';
import { REQUIRED_SEALS } from '../socket-contract.js';
import { segmentError, segmentErrorFromErrno } from '../errors.js';
import { lastErrno } from './libc.js';
import type { MapContext } from './segment.js';
import { F_ADD_SEALS, F_GET_SEALS, socketLibc } from './socket-libc.js';

/** Seals `fd` against shrinking, growing and further seals. Throws the context's error; the caller closes. */
export function sealSize(fd: number, context: MapContext): void {
  if (socketLibc().fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS) !== 0)
    throw segmentErrorFromErrno(context.operation, lastErrno(), 'size', { ...context, syscall: 'fcntl(F_ADD_SEALS)' });
}

/** The seal bits of `fd`. `NotSealed` when the file cannot carry seals, `InvalidHandle` when `fd` is not open. */
export function sealsOfFd(fd: number, context: MapContext): number {
  const seals = socketLibc().fcntl(fd, F_GET_SEALS, 0);
  if (seals >= 0) return seals;
  const errno = lastErrno();
  const syscall = 'fcntl(F_GET_SEALS)';
  if (errno === constants.errno.EINVAL)
    throw segmentError(context.operation, 'NotSealed', { ...context, errno, syscall, detail: 'not a memfd' });
  throw segmentErrorFromErrno(context.operation, errno, 'size', { ...context, syscall });
}
