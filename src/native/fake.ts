/**
 * A process-local fake of the native contract, for unit tests of the layers above: segments are ArrayBuffers in a
 * Map by name, anonymous segments get fake fds, the futex is an in-process waiter list (see `fake-futex.ts`).
 *
 * Invariants kept from the real backends: the same validation and error codes (with the OS's errno numbers), zero
 * fill, one memory per name shared by every handle, per-handle close semantics, unlink removes only the name.
 * Not modelled: other processes (nothing crosses a process), root's permission bypass, zombies.
 */
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateSegmentOptions, NativeApi, Segment, SegmentApi } from './contract.js';
import { linuxDoorbellPath } from './doorbell.js';
import { SegmentClosedError, segmentError, type SegmentOperation } from './errors.js';
import { createFakeFutex } from './fake-futex.js';
import { validateName } from './names.js';
import { validateMode, validatePid, validateSize } from './validate.js';

/** Fake fds start high so a test never mistakes one for a real descriptor. */
const FIRST_FAKE_FD = 1000;
let instances = 0;

class FakeSegment implements Segment {
  #buffer: ArrayBuffer | null;
  /** The memory even after close, for the fake futex's bookkeeping only. */
  readonly memory: ArrayBuffer;
  readonly address = 0n;
  constructor(readonly name: string | null, buffer: ArrayBuffer, readonly fd: number, private readonly onClose: () => void) {
    this.#buffer = buffer;
    this.memory = buffer;
  }
  get size(): number { return this.memory.byteLength; }
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return this.#buffer;
  }
  get closed(): boolean { return this.#buffer === null; }
  close(): void {
    if (this.#buffer === null) return;
    this.#buffer = null;
    this.onClose();
  }
}

function allocate(size: number, operation: SegmentOperation, segment: string | null): ArrayBuffer {
  validateSize(size, operation, segment);
  try {
    return new ArrayBuffer(size); // zero-filled, like ftruncate
  } catch {
    throw segmentError(operation, 'TooLarge', { segment, detail: `size=${size}`, errno: constants.errno.ENOMEM });
  }
}

/**
 * A fresh fake backend with its own namespace of names and fds: one per test keeps tests independent.
 * @example
 * const native = createFakeNative();
 * const seg = native.segments.create('x', 64);
 * native.segments.open('x').buffer; // same memory as seg.buffer
 */
export function createFakeNative(): NativeApi {
  const named = new Map<string, { buffer: ArrayBuffer; mode: number }>();
  const fds = new Map<number, ArrayBuffer>();
  let nextFd = FIRST_FAKE_FD;
  const instance = ++instances;

  const segments: SegmentApi = {
    create(name: string, size: number, options: CreateSegmentOptions = {}) {
      validateName(name, 'create');
      validateSize(size, 'create', name);
      const mode = options.mode ?? 0o600;
      validateMode(mode);
      if (named.has(name)) throw segmentError('create', 'AlreadyExists', { segment: name, errno: constants.errno.EEXIST });
      const buffer = allocate(size, 'create', name);
      named.set(name, { buffer, mode });
      return new FakeSegment(name, buffer, -1, () => {});
    },
    open(name: string) {
      validateName(name, 'open');
      const entry = named.get(name);
      if (entry === undefined) throw segmentError('open', 'NotFound', { segment: name, errno: constants.errno.ENOENT });
      // Behaves like a non-root user: the owner needs read and write permission.
      if ((entry.mode & 0o600) !== 0o600) throw segmentError('open', 'PermissionDenied', { segment: name, errno: constants.errno.EACCES });
      return new FakeSegment(name, entry.buffer, -1, () => {});
    },
    unlink(name: string) {
      validateName(name, 'unlink');
      if (!named.delete(name)) throw segmentError('unlink', 'NotFound', { segment: name, errno: constants.errno.ENOENT });
    },
    createAnonymous(size: number) {
      const buffer = allocate(size, 'create', null);
      const fd = nextFd++;
      fds.set(fd, buffer);
      return new FakeSegment(null, buffer, fd, () => fds.delete(fd));
    },
    openInherited(fd: number) {
      const buffer = fds.get(fd);
      const subject = `inherited shared memory fd ${String(fd)}`;
      if (buffer === undefined) throw segmentError('map', 'InvalidHandle', { segment: null, subject, errno: constants.errno.EBADF });
      // The handle owns the fd like the real one: whichever handle closes first closes it.
      return new FakeSegment(null, buffer, fd, () => fds.delete(fd));
    },
  };

  return {
    platform: 'fake',
    segments,
    processes: {
      state(pid: number) {
        validatePid(pid);
        try {
          process.kill(pid, 0);
          return 'running';
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'exited';
        }
      },
    },
    futex: createFakeFutex(segment => {
      if (!(segment instanceof FakeSegment)) throw new TypeError('the fake futex only works on segments of the fake backend');
      return segment.memory;
    }),
    // A per-instance prefix keeps two fakes (or a fake and the real backend) from sharing a socket.
    doorbellPath(name: string) {
      const prefix = `rxshm-fake${instance}-${process.pid}.`;
      if (process.platform === 'linux') return linuxDoorbellPath(name, prefix);
      validateName(name, 'open');
      return process.platform === 'win32' ? `\\\\.\\pipe\\${prefix}${name}` : join(tmpdir(), `${prefix}${name}.sock`);
    },
  };
}
