/**
 * Named (`Local\<name>` or `Global\<name>` sections) and anonymous segments on Windows.
 *
 * Cross-process invariants relied on: `CreateFileMappingW` on a name that exists opens it and reports
 * ERROR_ALREADY_EXISTS, so exactly one creator wins a name (the others close and fail with `AlreadyExists`); a new
 * pagefile-backed section is zero-filled and, with SEC_COMMIT, its memory is committed at creation (a full commit
 * limit is a `NoSpace` error then, never a fault at first touch); a section never changes size, so every anonymous
 * segment is "sealed". Differences from Linux, by design of Windows: a name cannot be removed while a handle is open
 * (it vanishes with the last handle, so `unlink` only checks it exists), and there are no descriptors to pass
 * (`fd` is -1; `openInherited`/`openReceived`/`sealsOf` fail with `InvalidHandle`).
 */
import type { CreateSegmentOptions, Segment, SegmentApi } from '../contract.js';
import { segmentError, type SegmentError } from '../errors.js';
import { validateName } from '../names.js';
import { validateMode, validateSize } from '../validate.js';
import {
  addressOf,
  FILE_MAP_READ,
  FILE_MAP_WRITE,
  INVALID_HANDLE_VALUE,
  kernel32,
  PAGE_READWRITE,
  READ_CONTROL,
  SEC_COMMIT,
  viewOf,
  type Handle,
} from './kernel32.js';
import { ownerUidOf } from './security.js';
import { Win32Segment } from './segment.js';
import { mapWhole, recordedSize, sectionBytesFor, writeSizeRecord } from './section-size.js';
import { ERROR_ALREADY_EXISTS, segmentErrorFromWin32 } from './win32-errors.js';
import type { SegmentOperation } from '../errors.js';

/** The kernel object namespace of named segments: `Local` (this session) or `Global` (every session). */
export type Win32Namespace = 'Local' | 'Global';

/** The most `peek` reads: a header, not a segment. */
const PEEK_LIMIT = 64 * 1024;

/** Validates like every backend, and refuses `\`, which Windows reads as a namespace separator. */
function kernelName(name: string, operation: SegmentOperation, namespace: Win32Namespace): string {
  validateName(name, operation);
  if (name.includes('\\')) throw segmentError(operation, 'InvalidName', { segment: name, detail: "it contains '\\'" });
  return `${namespace}\\${name}`;
}

/**
 * Maps the whole section and exposes its first `size` bytes (`size` null: the size its record says, see
 * section-size.ts); a new section (`size` given) gets its record written. On failure closes the section and throws.
 */
function mapSection(
  section: Handle,
  size: number | null,
  operation: SegmentOperation,
  name: string | null,
): Win32Segment {
  const k = kernel32();
  const fail = (error: SegmentError): never => {
    k.CloseHandle(section);
    throw error;
  };
  const { view, address, bytes } = mapWhole(section, FILE_MAP_READ | FILE_MAP_WRITE);
  if (address === 0n)
    fail(segmentErrorFromWin32(operation, k.GetLastError(), 'size', { segment: name, syscall: 'MapViewOfFile' }));
  const exposed = size ?? recordedSize(address, bytes);
  try {
    if (size !== null && bytes < sectionBytesFor(size))
      throw segmentError(operation, 'InvalidSize', {
        segment: name,
        detail: `a view of ${bytes} bytes for size=${size}`,
      });
    if (size !== null) writeSizeRecord(address, bytes, size);
    validateSize(exposed, operation, name);
  } catch (error) {
    k.UnmapViewOfFile(view);
    fail(error as SegmentError);
  }
  return new Win32Segment(name, exposed, section, address, view);
}

/** A new pagefile-backed section of `size` bytes named `kname` (or anonymous), committed at once. */
function createSection(kname: string | null, size: number, name: string | null): Handle {
  const k = kernel32();
  const bytes = sectionBytesFor(size); // whole pages, the size record last (section-size.ts)
  const high = Math.floor(bytes / 2 ** 32);
  const section = k.CreateFileMappingW(
    INVALID_HANDLE_VALUE,
    null,
    PAGE_READWRITE | SEC_COMMIT,
    high,
    bytes % 2 ** 32,
    kname,
  );
  const error = k.GetLastError();
  if (addressOf(section) === 0n)
    throw segmentErrorFromWin32('create', error, 'name', { segment: name, syscall: 'CreateFileMappingW' });
  if (kname !== null && error === ERROR_ALREADY_EXISTS) {
    k.CloseHandle(section); // it opened someone's section: not ours to use
    throw segmentErrorFromWin32('create', error, 'name', { segment: name, syscall: 'CreateFileMappingW' });
  }
  return section;
}

/** Opens the named section with `access`; throws the operation's error when Windows refuses. */
function openSection(kname: string, access: number, operation: SegmentOperation, name: string): Handle {
  const k = kernel32();
  const section = k.OpenFileMappingW(access, false, kname);
  if (addressOf(section) === 0n)
    throw segmentErrorFromWin32(operation, k.GetLastError(), 'name', { segment: name, syscall: 'OpenFileMappingW' });
  return section;
}

/** `InvalidHandle`: Windows hands a child no descriptor, so there is nothing to map by number. */
function noDescriptors(fd: number): never {
  throw segmentError('map', 'InvalidHandle', {
    segment: null,
    subject: `shared memory fd ${String(fd)}`,
    detail: 'Windows passes no descriptors: segments are shared by (unguessable) name',
  });
}

/**
 * The Windows segment API in kernel namespace `namespace` (`Local` by default: this logon session only).
 * @example
 * const seg = win32Segments().create('rxshm.demo', 4096);
 * try { new Int32Array(seg.buffer)[0] = 1; } finally { seg.close(); }
 */
export function win32Segments(namespace: Win32Namespace = 'Local'): SegmentApi {
  const anonymous = (size: number): Segment => {
    validateSize(size, 'create', null);
    return mapSection(createSection(null, size, null), size, 'create', null);
  };
  return {
    create(name: string, size: number, options: CreateSegmentOptions = {}): Segment {
      const kname = kernelName(name, 'create', namespace);
      validateSize(size, 'create', name);
      // POSIX mode bits have no Windows meaning: the section gets the default DACL of this process's token.
      validateMode(options.mode ?? 0o600);
      return mapSection(createSection(kname, size, name), size, 'create', name);
    },

    open(name: string): Segment {
      const section = openSection(
        kernelName(name, 'open', namespace),
        READ_CONTROL | FILE_MAP_READ | FILE_MAP_WRITE,
        'open',
        name,
      );
      return mapSection(section, null, 'open', name);
    },

    ownerOf(name: string): number {
      const section = openSection(kernelName(name, 'open', namespace), READ_CONTROL, 'open', name);
      try {
        const owner = ownerUidOf(section);
        if (typeof owner === 'number') return owner;
        throw segmentErrorFromWin32('open', owner.error, 'name', { segment: name, syscall: 'GetSecurityInfo' });
      } finally {
        kernel32().CloseHandle(section);
      }
    },

    peek(name: string, length: number): Uint8Array {
      const kname = kernelName(name, 'open', namespace);
      if (!Number.isSafeInteger(length) || length < 0 || length > PEEK_LIMIT)
        throw new RangeError(`invalid peek length: length=${String(length)}, expected 0..${PEEK_LIMIT}`);
      const k = kernel32();
      const section = openSection(kname, FILE_MAP_READ, 'open', name);
      try {
        const { view, address, bytes } = mapWhole(section, FILE_MAP_READ);
        if (address === 0n)
          throw segmentErrorFromWin32('open', k.GetLastError(), 'size', { segment: name, syscall: 'MapViewOfFile' });
        try {
          return new Uint8Array(viewOf(address, Math.min(length, recordedSize(address, bytes))).slice(0));
        } finally {
          k.UnmapViewOfFile(view);
        }
      } finally {
        k.CloseHandle(section);
      }
    },

    /** Windows removes a name with its last handle only: this checks it exists (`NotFound` otherwise). */
    unlink(name: string): void {
      const section = openSection(kernelName(name, 'unlink', namespace), READ_CONTROL, 'unlink', name);
      kernel32().CloseHandle(section);
    },

    createAnonymous: anonymous,
    /** A section can never change size, so an anonymous one is as sealed as a sealed memfd. */
    createSealed: anonymous,
    openInherited: noDescriptors,
    openReceived: noDescriptors,
    sealsOf: noDescriptors,
  };
}
