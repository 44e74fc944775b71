/**
 * A process-local fake of the native contract, for unit tests of the layers above: segments are ArrayBuffers in a
 * Map by name, anonymous segments get fake fds, the futex is an in-process waiter list (see `fake-futex.ts`).
 *
 * Invariants kept from the real backends: the same validation and error codes (with the OS's errno numbers), zero
 * fill, one memory per name shared by every handle, per-handle close semantics, unlink removes only the name, a
 * bounded shared-memory file system (`NoSpace` at creation, `shmBytes`), owners of segments (the fake's `uid`),
 * sealed anonymous segments (`openReceived` refuses an unsealed one).
 * Not modelled: other processes (nothing crosses a process, so the peer of every socket is this process, running
 * as the fake's uid, and there are no raw `sockets`), other users' segments, root's permission bypass, zombies.
 */
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateSegmentOptions, Credentials, NativeApi, Segment, SegmentApi } from './contract.js';
import { linuxDoorbellPath } from './doorbell.js';
import { PeerCredentialsError, SegmentClosedError, segmentError, type SegmentOperation } from './errors.js';
import { createFakeFutex } from './fake-futex.js';
import { validateName } from './names.js';
import { REQUIRED_SEALS, SEALS } from './socket-contract.js';
import { validateMode, validatePid, validateSize } from './validate.js';

/** Fake fds start high so a test never mistakes one for a real descriptor. */
const FIRST_FAKE_FD = 1000;
let instances = 0;

class FakeSegment implements Segment {
  #buffer: ArrayBuffer | null;
  /** The memory even after close, for the fake futex's bookkeeping only. */
  readonly memory: ArrayBuffer;
  readonly address = 0n;
  constructor(
    readonly name: string | null,
    buffer: ArrayBuffer,
    readonly fd: number,
    private readonly owner: number,
    private readonly onClose: () => void,
  ) {
    this.#buffer = buffer;
    this.memory = buffer;
  }
  get ownerUid(): number {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return this.owner;
  }
  get size(): number {
    return this.memory.byteLength;
  }
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return this.#buffer;
  }
  get closed(): boolean {
    return this.#buffer === null;
  }
  close(): void {
    if (this.#buffer === null) return;
    this.#buffer = null;
    this.onClose();
  }
  /** A fake's memory is a JS ArrayBuffer: stale views are already harmless. */
  retire(): void {
    this.close();
  }
}

/** Options of a fake backend. */
export interface FakeNativeOptions {
  /** The uid the fake runs as: owner of its segments, peer uid of its sockets. Default: this process's euid. */
  readonly uid?: number;
  /**
   * Bytes its shared-memory file system holds (named and anonymous segments together, freed by unlink or, for an
   * anonymous segment, when its last handle closes): creating beyond it fails with `NoSpace`. Default: unlimited.
   */
  readonly shmBytes?: number;
  /**
   * Give each client of a named channel a segment of its own under an unguessable name, as the Windows backend does
   * (`NativeApi.clientSections`), instead of the one-client named segment. Default: false.
   */
  readonly clientSections?: boolean;
}

function allocate(size: number, operation: SegmentOperation, segment: string | null, free: number): ArrayBuffer {
  validateSize(size, operation, segment);
  if (size > free) {
    throw segmentError(operation, 'NoSpace', {
      segment,
      detail: `size=${size}, ${free} bytes free`,
      errno: constants.errno.ENOSPC,
      syscall: 'posix_fallocate',
    });
  }
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
export function createFakeNative(options: FakeNativeOptions = {}): NativeApi {
  const named = new Map<string, { buffer: ArrayBuffer; mode: number }>();
  const fds = new Map<number, ArrayBuffer>();
  let nextFd = FIRST_FAKE_FD;
  const instance = ++instances;
  const uid = options.uid ?? process.geteuid?.() ?? 0;
  const shmBytes = options.shmBytes ?? Infinity;
  if (!Number.isSafeInteger(uid) || uid < 0) throw new RangeError(`invalid fake uid: uid=${String(uid)}`);
  if (!(shmBytes >= 0)) throw new RangeError(`invalid fake shmBytes: shmBytes=${String(shmBytes)}`);
  // Anonymous memory lives while a handle to it is open, like a memfd; named memory while its name exists.
  const anonymous = new Set<ArrayBuffer>();
  const sealed = new WeakSet<ArrayBuffer>();
  const used = (): number => {
    let total = 0;
    for (const entry of named.values()) total += entry.buffer.byteLength;
    for (const buffer of anonymous) total += buffer.byteLength;
    return total;
  };
  const free = (): number => Math.max(0, shmBytes - used());

  const segments: SegmentApi = {
    create(name: string, size: number, options: CreateSegmentOptions = {}) {
      validateName(name, 'create');
      validateSize(size, 'create', name);
      const mode = options.mode ?? 0o600;
      validateMode(mode);
      if (named.has(name))
        throw segmentError('create', 'AlreadyExists', { segment: name, errno: constants.errno.EEXIST });
      const buffer = allocate(size, 'create', name, free());
      named.set(name, { buffer, mode });
      return new FakeSegment(name, buffer, -1, uid, () => {});
    },
    open(name: string) {
      validateName(name, 'open');
      const entry = named.get(name);
      if (entry === undefined) throw segmentError('open', 'NotFound', { segment: name, errno: constants.errno.ENOENT });
      // Behaves like a non-root user: the owner needs read and write permission.
      if ((entry.mode & 0o600) !== 0o600)
        throw segmentError('open', 'PermissionDenied', { segment: name, errno: constants.errno.EACCES });
      return new FakeSegment(name, entry.buffer, -1, uid, () => {});
    },
    ownerOf(name: string) {
      validateName(name, 'open');
      if (!named.has(name))
        throw segmentError('open', 'NotFound', { segment: name, errno: constants.errno.ENOENT, syscall: 'lstat' });
      return uid;
    },
    peek(name: string, length: number) {
      validateName(name, 'open');
      if (!Number.isSafeInteger(length) || length < 0 || length > 64 * 1024)
        throw new RangeError(`invalid peek length: length=${String(length)}, expected 0..65536`);
      const entry = named.get(name);
      if (entry === undefined) throw segmentError('open', 'NotFound', { segment: name, errno: constants.errno.ENOENT });
      return new Uint8Array(entry.buffer, 0, Math.min(length, entry.buffer.byteLength)).slice();
    },
    unlink(name: string) {
      validateName(name, 'unlink');
      if (!named.delete(name))
        throw segmentError('unlink', 'NotFound', { segment: name, errno: constants.errno.ENOENT });
    },
    createAnonymous(size: number) {
      const buffer = allocate(size, 'create', null, free());
      const fd = nextFd++;
      fds.set(fd, buffer);
      anonymous.add(buffer);
      return new FakeSegment(null, buffer, fd, uid, () => release(fd));
    },
    openInherited(fd: number) {
      const buffer = fds.get(fd);
      const subject = `inherited shared memory fd ${String(fd)}`;
      if (buffer === undefined)
        throw segmentError('map', 'InvalidHandle', { segment: null, subject, errno: constants.errno.EBADF });
      // The handle owns the fd like the real one: whichever handle closes first closes it.
      return new FakeSegment(null, buffer, fd, uid, () => release(fd));
    },
    createSealed(size: number) {
      const segment = segments.createAnonymous(size);
      sealed.add((segment as FakeSegment).memory);
      return segment;
    },
    openReceived(fd: number) {
      const subject = `received shared memory fd ${String(fd)}`;
      const seals = segments.sealsOf(fd);
      if ((seals & REQUIRED_SEALS) !== REQUIRED_SEALS) {
        release(fd); // ownership was handed over: a refused descriptor is closed, as on Linux
        throw segmentError('map', 'NotSealed', { segment: null, subject, detail: `seals=0x${seals.toString(16)}` });
      }
      return new FakeSegment(null, fds.get(fd)!, fd, uid, () => release(fd));
    },
    sealsOf(fd: number) {
      const buffer = fds.get(fd);
      if (buffer === undefined) {
        const subject = `shared memory fd ${String(fd)}`;
        throw segmentError('map', 'InvalidHandle', { segment: null, subject, errno: constants.errno.EBADF });
      }
      // Like a memfd created without MFD_ALLOW_SEALING, an unsealed anonymous segment reports F_SEAL_SEAL alone.
      return sealed.has(buffer) ? REQUIRED_SEALS : SEALS.seal;
    },
  };

  /** Closes a fake fd; its memory is freed once no fd names it (the fake does not count mappings). */
  function release(fd: number): void {
    const buffer = fds.get(fd);
    fds.delete(fd);
    if (buffer !== undefined && ![...fds.values()].includes(buffer)) anonymous.delete(buffer);
  }

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
      yieldCpu: () => undefined, // both ends run on this one thread: there is nobody to yield to
    },
    identity: {
      uid: () => uid,
      peerOf(fd: number): Credentials {
        if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff)
          throw new PeerCredentialsError(fd, constants.errno.EBADF);
        return { pid: process.pid, uid, gid: process.getegid?.() ?? 0 };
      },
      // Windows: a pipe socket has no fd, so the streams layer asks about the pipe; the fake answers as peerOf does.
      ...(process.platform === 'win32' ? { pipeServerOf: () => ({ pid: process.pid, uid, gid: 0 }) } : {}),
    },
    futex: createFakeFutex((segment) => {
      if (!(segment instanceof FakeSegment))
        throw new TypeError('the fake futex only works on segments of the fake backend');
      return segment.memory;
    }),
    // A per-instance prefix keeps two fakes (or a fake and the real backend) from sharing a socket.
    doorbellPath(name: string) {
      const prefix = `rxshm-fake${instance}-${process.pid}.`;
      if (process.platform === 'linux') return linuxDoorbellPath(name, prefix);
      validateName(name, 'open');
      return process.platform === 'win32' ? `\\\\.\\pipe\\${prefix}${name}` : join(tmpdir(), `${prefix}${name}.sock`);
    },
    sockets: null,
    clientSections: options.clientSections === true,
  };
}
