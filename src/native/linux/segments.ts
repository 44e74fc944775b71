/**
 * Named (POSIX shm, `/dev/shm/<name>`) and anonymous (memfd) segments on Linux.
 *
 * Cross-process invariants relied on: `shm_open(O_CREAT | O_EXCL)` makes exactly one creator win a name; a new file
 * is zero-filled by `ftruncate`, and `posix_fallocate` then reserves its pages, so no process touching the mapping
 * later meets a full tmpfs as SIGBUS (ENOSPC is a `NoSpace` error at creation instead); an fd inherited through `spawn`'s `stdio` names the same memfd in the child (Node
 * dup2()s it, which clears CLOEXEC on the child's copy, so the parent's MFD_CLOEXEC only stops leaks to other children);
 * a sealed memfd (`createSealed`) keeps its size in every process that holds it, which `openReceived` checks.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import type { CreateSegmentOptions, Segment, SegmentApi } from '../contract.js';
import { segmentError, segmentErrorFromErrno, type SegmentError } from '../errors.js';
import { validateName } from '../names.js';
import { validateMode, validateSize } from '../validate.js';
import { REQUIRED_SEALS } from '../socket-contract.js';
import { lastErrno, libc, MFD_CLOEXEC, O_CREAT, O_EXCL, O_RDWR } from './libc.js';
import { sealSize, sealsOfFd } from './seals.js';
import { mapFd, sizeOfFd, type MapContext } from './segment.js';
import { MFD_ALLOW_SEALING } from './socket-libc.js';

/** Default permission bits: owner read/write only (the umask may remove more). */
export const DEFAULT_SEGMENT_MODE = 0o600;

const posixName = (name: string): string => `/${name}`;

/** Where glibc's shm_open puts a name: the file whose owner `ownerOf` reports. */
const SHM_DIRECTORY = '/dev/shm/';

/** The most `peek` reads: a header, not a segment. */
const PEEK_LIMIT = 64 * 1024;

/** The OpenSegmentError for a failed `node:fs` call on a segment's file. */
function fsError(error: unknown, name: string, syscall: string): SegmentError {
  const errno =
    constants.errno[(error as NodeJS.ErrnoException).code as keyof typeof constants.errno] ?? constants.errno.EIO;
  return segmentErrorFromErrno('open', errno, 'name', { segment: name, syscall });
}

/** A signal landing during a large tmpfs fallocate makes it fail with EINTR (the kernel undoes it): try again. */
const FALLOCATE_ATTEMPTS = 100;

/** Reserves `size` bytes of `fd` so touching the mapping can never hit a full file system; 0 or an errno. */
function reserve(fd: number, size: number): number {
  let result = 0;
  for (let attempt = 0; attempt < FALLOCATE_ATTEMPTS; attempt++) {
    result = libc().posix_fallocate(fd, 0, size);
    if (result !== constants.errno.EINTR) return result;
  }
  return result;
}

/** Sizes, reserves and maps a fresh fd; on failure closes it (and lets the caller unlink) before rethrowing. */
function sizeAndMap(fd: number, size: number, context: MapContext): Segment {
  const c = libc();
  try {
    if (c.ftruncate(fd, size) < 0) {
      throw segmentErrorFromErrno(context.operation, lastErrno(), 'size', {
        ...context,
        detail: `size=${size}`,
        syscall: 'ftruncate',
      });
    }
    const reserved = reserve(fd, size);
    if (reserved !== 0) {
      throw segmentErrorFromErrno(context.operation, reserved, 'size', {
        ...context,
        detail: `size=${size}`,
        syscall: 'posix_fallocate',
      });
    }
    return mapFd(fd, size, context);
  } catch (error) {
    c.close(fd);
    throw error;
  }
}

/** Maps an fd at the size the OS reports; `InvalidSize` for an empty file. Closes the fd on failure. */
function mapExisting(fd: number, context: MapContext): Segment {
  try {
    const size = sizeOfFd(fd, context);
    if (size === 0)
      throw segmentError(context.operation, 'InvalidSize', {
        ...context,
        detail: 'size=0: not sized yet by its creator',
      });
    validateSize(size, context.operation, context.segment, context.subject);
    return mapFd(fd, size, context);
  } catch (error) {
    libc().close(fd);
    throw error;
  }
}

/**
 * The Linux segment API.
 * @example
 * const seg = linuxSegments.create('rxshm.demo', 4096);
 * try { new Int32Array(seg.buffer)[0] = 1; } finally { seg.close(); linuxSegments.unlink('rxshm.demo'); }
 */
export const linuxSegments: SegmentApi = {
  create(name: string, size: number, options: CreateSegmentOptions = {}): Segment {
    validateName(name, 'create');
    validateSize(size, 'create', name);
    const mode = options.mode ?? DEFAULT_SEGMENT_MODE;
    validateMode(mode);
    const c = libc();
    const fd = c.shm_open(posixName(name), O_CREAT | O_EXCL | O_RDWR, mode);
    if (fd < 0) throw segmentErrorFromErrno('create', lastErrno(), 'name', { segment: name });
    try {
      return sizeAndMap(fd, size, { operation: 'create', segment: name });
    } catch (error) {
      // O_EXCL made this name ours: remove it so a failed create leaves nothing in /dev/shm.
      c.shm_unlink(posixName(name));
      throw error;
    }
  },

  open(name: string): Segment {
    validateName(name, 'open');
    const fd = libc().shm_open(posixName(name), O_RDWR, 0);
    if (fd < 0) throw segmentErrorFromErrno('open', lastErrno(), 'name', { segment: name });
    return mapExisting(fd, { operation: 'open', segment: name });
  },

  ownerOf(name: string): number {
    validateName(name, 'open');
    try {
      // lstat, not stat: shm_open refuses symlinks (O_NOFOLLOW), so the owner of a link is not the owner of a segment.
      return lstatSync(`${SHM_DIRECTORY}${name}`).uid;
    } catch (error) {
      throw fsError(error, name, 'lstat');
    }
  },

  peek(name: string, length: number): Uint8Array {
    validateName(name, 'open');
    if (!Number.isSafeInteger(length) || length < 0 || length > PEEK_LIMIT)
      throw new RangeError(`invalid peek length: length=${String(length)}, expected 0..${PEEK_LIMIT}`);
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO planted under the name must not block this process in open() or read().
      fd = openSync(`${SHM_DIRECTORY}${name}`, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (error) {
      throw fsError(error, name, 'open');
    }
    try {
      if (!fstatSync(fd).isFile())
        throw segmentError('open', 'InvalidHandle', { segment: name, detail: 'not a regular file' });
      const bytes = new Uint8Array(length);
      let filled = 0;
      for (let n = -1; filled < length && n !== 0; filled += n)
        n = readSync(fd, bytes, filled, length - filled, filled);
      return bytes.subarray(0, filled);
    } catch (error) {
      throw (error as { operation?: unknown }).operation ? error : fsError(error, name, 'pread');
    } finally {
      closeSync(fd);
    }
  },

  unlink(name: string): void {
    validateName(name, 'unlink');
    if (libc().shm_unlink(posixName(name)) < 0)
      throw segmentErrorFromErrno('unlink', lastErrno(), 'name', { segment: name });
  },

  createAnonymous(size: number): Segment {
    validateSize(size, 'create', null);
    const fd = libc().memfd_create('rxshm', MFD_CLOEXEC);
    if (fd < 0) throw segmentErrorFromErrno('create', lastErrno(), 'name', { segment: null, syscall: 'memfd_create' });
    return sizeAndMap(fd, size, { operation: 'create', segment: null });
  },

  /** Takes ownership of `fd`: the segment's `close()` closes it, also when mapping fails. */
  openInherited(fd: number): Segment {
    const context = handleContext(fd, 'inherited');
    closeOnFailure(fd, () => sizeOfFd(fd, context));
    return mapExisting(fd, context);
  },

  createSealed(size: number): Segment {
    validateSize(size, 'create', null);
    const fd = libc().memfd_create('rxshm', MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) throw segmentErrorFromErrno('create', lastErrno(), 'name', { segment: null, syscall: 'memfd_create' });
    const segment = sizeAndMap(fd, size, { operation: 'create', segment: null });
    try {
      sealSize(fd, { operation: 'create', segment: null });
    } catch (error) {
      segment.close();
      throw error;
    }
    return segment;
  },

  /** Takes ownership of `fd`: the segment's `close()` closes it, also when it is refused or mapping fails. */
  openReceived(fd: number): Segment {
    const context = handleContext(fd, 'received');
    const seals = closeOnFailure(fd, () => sealsOfFd(fd, context));
    if ((seals & REQUIRED_SEALS) !== REQUIRED_SEALS) {
      libc().close(fd);
      throw segmentError('map', 'NotSealed', { ...context, detail: `seals=0x${seals.toString(16)}` });
    }
    return mapExisting(fd, context);
  },

  sealsOf(fd: number): number {
    return sealsOfFd(fd, handleContext(fd, 'shared memory'));
  },
};

/** The error context for a segment known by a descriptor; `InvalidHandle` for a number that cannot be one. */
function handleContext(fd: number, kind: string): MapContext {
  const subject = `${kind === 'shared memory' ? '' : `${kind} `}shared memory fd ${String(fd)}`;
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw segmentError('map', 'InvalidHandle', {
      segment: null,
      subject,
      detail: 'expected a non-negative integer fd',
    });
  return { operation: 'map', segment: null, subject };
}

/** Runs a check on an fd we own; on failure closes it unless it was not open (EBADF), then rethrows. */
function closeOnFailure<T>(fd: number, check: () => T): T {
  try {
    return check();
  } catch (error) {
    // EBADF: nothing is open under that number, and closing it could race a libuv thread that just opened one.
    if ((error as SegmentError).errno !== constants.errno.EBADF) libc().close(fd);
    throw error;
  }
}
