/**
 * Typed errors of the native layer: one class per segment operation, each with a `code`, the segment's name and
 * the OS `errno`, mapped from errno in ONE table ({@link ERRNO_TABLE}) so every backend reports the same codes.
 * Every class extends `RxshmError`, which sets `name` (the class's) and `code`.
 *
 * Cross-process invariants relied on: none. Errors describe this process's view of one call; errno numbers are
 * the running OS's (`os.constants.errno`), which the fake reuses so its errors read exactly like the real ones.
 */
import { constants } from 'node:os';
import { RxshmError } from '../errors/rxshm-error.js';

/** What went wrong, independent of the OS. */
export type SegmentErrorCode =
  | 'AlreadyExists'
  | 'NotFound'
  | 'PermissionDenied'
  | 'InvalidName'
  | 'NameTooLong'
  | 'InvalidSize'
  | 'TooLarge'
  | 'NoSpace'
  | 'InvalidHandle'
  | 'TooManyHandles'
  | 'NotSealed'
  | 'Unknown';

/** The public operation that failed; it picks the error class and the verb of the message. */
export type SegmentOperation = 'create' | 'open' | 'unlink' | 'map';

/**
 * errno name -> code, for a call about a name (shm_open, shm_unlink, memfd_create, lstat, getsockopt) and for a call
 * about the size or the mapping (ftruncate, posix_fallocate, lseek, mmap): EINVAL means a bad name for the first and
 * a bad size for the second. ENOSPC is the shared-memory file system being full (posix_fallocate on /dev/shm).
 */
export const ERRNO_TABLE: Readonly<Record<string, readonly [onName: SegmentErrorCode, onSize: SegmentErrorCode]>> = {
  EEXIST: ['AlreadyExists', 'AlreadyExists'],
  ENOENT: ['NotFound', 'NotFound'],
  EACCES: ['PermissionDenied', 'PermissionDenied'],
  EPERM: ['PermissionDenied', 'PermissionDenied'],
  EINVAL: ['InvalidName', 'TooLarge'],
  ENAMETOOLONG: ['NameTooLong', 'NameTooLong'],
  EFBIG: ['TooLarge', 'TooLarge'],
  ENOMEM: ['TooLarge', 'TooLarge'],
  ENOSPC: ['NoSpace', 'NoSpace'],
  EOVERFLOW: ['TooLarge', 'TooLarge'],
  EMFILE: ['TooManyHandles', 'TooManyHandles'],
  ENFILE: ['TooManyHandles', 'TooManyHandles'],
  EBADF: ['InvalidHandle', 'InvalidHandle'],
  ESPIPE: ['InvalidHandle', 'InvalidHandle'],
  ENODEV: ['InvalidHandle', 'InvalidHandle'],
  ENOTSOCK: ['InvalidHandle', 'InvalidHandle'],
  ENOTCONN: ['InvalidHandle', 'InvalidHandle'],
  ENOPROTOOPT: ['InvalidHandle', 'InvalidHandle'],
};

const REASONS: Readonly<Record<SegmentErrorCode, string>> = {
  AlreadyExists: 'it already exists',
  NotFound: 'it does not exist',
  PermissionDenied: 'permission was denied',
  InvalidName: 'the name is invalid',
  NameTooLong: 'the name is too long',
  InvalidSize: 'the size is invalid',
  TooLarge: 'the size is too large',
  NoSpace: 'the shared-memory file system has not enough free space',
  InvalidHandle: 'the handle is not an open, mappable file descriptor',
  TooManyHandles: 'too many files are open',
  NotSealed: 'its size is not sealed (a peer could shrink it)',
  Unknown: 'of an unexpected error',
};

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

/** The symbolic name of an errno number on this OS (`17` -> `EEXIST` on Linux), or `errno N`. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** Facts a backend knows when a call fails. */
export interface SegmentErrorFacts {
  /** The segment's name, or null for an anonymous or inherited one. */
  readonly segment: string | null;
  /** Replaces the quoted name in the message, e.g. `inherited fd 3`. */
  readonly subject?: string;
  /** Extra facts, e.g. `size=0`. */
  readonly detail?: string;
  readonly errno?: number;
  /** The failing system call when it is not the operation's obvious one (e.g. `mmap` during create). */
  readonly syscall?: string;
}

/**
 * Base class of every segment error: `instanceof SegmentError` catches them all. `code` is a
 * {@link SegmentErrorCode}, `operation` the failed operation, `errno` the OS's number when a system call failed.
 */
export class SegmentError extends RxshmError<SegmentErrorCode> {
  readonly segment: string | null;
  readonly errno: number | undefined;
  readonly operation: SegmentOperation;
  constructor(operation: SegmentOperation, code: SegmentErrorCode, facts: SegmentErrorFacts) {
    const subject =
      facts.subject ?? (facts.segment === null ? 'anonymous shared memory' : `shared memory "${facts.segment}"`);
    const detail = facts.detail === undefined ? '' : ` (${facts.detail})`;
    const syscall = facts.syscall ? `${facts.syscall}: ` : '';
    const os = facts.errno === undefined ? '' : ` (${syscall}${errnoName(facts.errno)})`;
    super(code, `Unable to ${operation} ${subject} since ${REASONS[code]}${detail}${os}`);
    this.segment = facts.segment;
    this.errno = facts.errno;
    this.operation = operation;
  }
}

/**
 * `create` or `createAnonymous` failed.
 * @example
 * try { native.segments.create('x', 4096); } catch (e) {
 *   if (e instanceof CreateSegmentError && e.code === 'AlreadyExists') { ... }
 * }
 */
export class CreateSegmentError extends SegmentError {
  constructor(code: SegmentErrorCode, facts: SegmentErrorFacts) {
    super('create', code, facts);
  }
}

/**
 * `open` failed (`NotFound`, `PermissionDenied`, `InvalidSize` for a segment of size 0 not yet sized by its creator).
 * @example
 * try { native.segments.open('x'); } catch (e) {
 *   if (e instanceof OpenSegmentError && e.code === 'NotFound') retryLater();
 * }
 */
export class OpenSegmentError extends SegmentError {
  constructor(code: SegmentErrorCode, facts: SegmentErrorFacts) {
    super('open', code, facts);
  }
}

/**
 * `unlink` failed.
 * @example
 * try { native.segments.unlink('x'); } catch (e) {
 *   if (!(e instanceof UnlinkSegmentError && e.code === 'NotFound')) throw e;
 * }
 */
export class UnlinkSegmentError extends SegmentError {
  constructor(code: SegmentErrorCode, facts: SegmentErrorFacts) {
    super('unlink', code, facts);
  }
}

/**
 * `openInherited`, `openReceived` or `sealsOf` failed: the handle is not open (`InvalidHandle`), empty
 * (`InvalidSize`), lacks the seals a received segment needs (`NotSealed`) or cannot be mapped.
 * @example
 * try { native.segments.openInherited(3); } catch (e) { if (e instanceof MapSegmentError) console.error(e.message); }
 */
export class MapSegmentError extends SegmentError {
  constructor(code: SegmentErrorCode, facts: SegmentErrorFacts) {
    super('map', code, facts);
  }
}

const CLASSES = {
  create: CreateSegmentError,
  open: OpenSegmentError,
  unlink: UnlinkSegmentError,
  map: MapSegmentError,
};

/** The error of `operation` with a given code (validation failures, no system call involved). */
export function segmentError(
  operation: SegmentOperation,
  code: SegmentErrorCode,
  facts: SegmentErrorFacts,
): SegmentError {
  return new CLASSES[operation](code, facts);
}

/** The error of `operation` for an errno returned by a name call or a size/mapping call. */
export function segmentErrorFromErrno(
  operation: SegmentOperation,
  errno: number,
  kind: 'name' | 'size',
  facts: Omit<SegmentErrorFacts, 'errno'>,
): SegmentError {
  return segmentError(operation, codeOfErrno(errno, kind), { ...facts, errno });
}

/** The code an errno maps to in {@link ERRNO_TABLE}, or `Unknown`. */
export function codeOfErrno(errno: number, kind: 'name' | 'size'): SegmentErrorCode {
  const row = ERRNO_TABLE[errnoName(errno)];
  return row === undefined ? 'Unknown' : row[kind === 'name' ? 0 : 1];
}

/**
 * `identity.peerOf(fd)` failed: `fd` is not a connected local socket (`InvalidHandle`), or the OS said something
 * else (`Unknown`). Codes come from the same errno table as the segment errors.
 * @example
 * try { native.identity.peerOf(fd); } catch (e) { if (e instanceof PeerCredentialsError) refuse(e.message); }
 */
export class PeerCredentialsError extends RxshmError<SegmentErrorCode> {
  constructor(
    readonly fd: number,
    readonly errno: number | undefined,
    detail?: string,
  ) {
    const code = errno === undefined ? 'InvalidHandle' : codeOfErrno(errno, 'name');
    const why = code === 'InvalidHandle' ? 'it is not a connected local socket' : REASONS[code];
    const details = detail === undefined ? '' : ` (${detail})`;
    const os = errno === undefined ? '' : ` (getsockopt: ${errnoName(errno)})`;
    super(code, `Unable to read the peer credentials of socket fd ${String(fd)} since ${why}${details}${os}`);
  }
}

/**
 * `Segment.buffer` was read after `close()`: the memory is unmapped, so no new view may be made.
 * @example
 * seg.close(); try { seg.buffer; } catch (e) { e instanceof SegmentClosedError; }
 */
export class SegmentClosedError extends RxshmError<'Closed'> {
  readonly errno: undefined = undefined;
  constructor(readonly segment: string | null) {
    const subject = segment === null ? 'anonymous shared memory' : `shared memory "${segment}"`;
    super('Closed', `Unable to use ${subject} since this handle is closed`);
  }
}

/**
 * No native backend for this OS (or its FFI could not load); thrown at first use, never at import.
 * @example
 * try { native.segments; } catch (e) { if (e instanceof UnsupportedPlatformError) useFake(); }
 */
export class UnsupportedPlatformError extends RxshmError<'UnsupportedPlatform'> {
  constructor(
    readonly platform: string,
    cause?: unknown,
  ) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('UnsupportedPlatform', `rxshm has no native backend for platform "${platform}"${why}`, { cause });
  }
}
