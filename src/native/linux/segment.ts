/**
 * A mapped segment on Linux: one `mmap(MAP_SHARED)` of an shm or memfd file, and the fd it came from.
 *
 * Cross-process invariants relied on: the mapping stays valid after the name is unlinked or the peer unmaps; it is
 * unmapped only by `close()` of this handle. The ArrayBuffer does not own the memory, so this object holds the
 * address and never unmaps behind a caller's back (GC of views changes nothing). `retire()` instead swaps the shared
 * pages for private zero pages (MAP_FIXED) and unmaps those once the ArrayBuffer is collected: for buffers user code
 * may keep.
 */
import { fstatSync } from 'node:fs';
import type { Segment } from '../contract.js';
import { SegmentClosedError, segmentErrorFromErrno, type SegmentOperation } from '../errors.js';
import {
  addressOf,
  lastErrno,
  libc,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
  mapFailedAddress,
  PROT_READ,
  PROT_WRITE,
  viewOf,
} from './libc.js';

/** A Linux segment handle; see {@link Segment} for the obligations. */
export class LinuxSegment implements Segment {
  #buffer: ArrayBuffer | null;
  #fd: number;
  readonly #address: bigint;

  constructor(
    readonly name: string | null,
    readonly size: number,
    fd: number,
    address: bigint,
  ) {
    this.#fd = fd;
    this.#address = address;
    this.#buffer = viewOf(address, size);
  }

  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return this.#buffer;
  }

  /** The fd, or -1 once closed (a closed fd number may already name another file). */
  get fd(): number {
    return this.#fd;
  }
  get closed(): boolean {
    return this.#buffer === null;
  }
  get address(): bigint {
    return this.#address;
  }

  /** fstat of the fd, each time: the file's owner is the kernel's word, whatever the header says. */
  get ownerUid(): number {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return fstatSync(this.#fd).uid;
  }

  retire(): void {
    if (this.#buffer === null) return;
    const buffer = this.#buffer;
    this.#buffer = null;
    const c = libc();
    // MAP_FIXED swaps the shared pages for private zero pages in one step: the shm file is no longer mapped here,
    // and a view the caller kept reads zeros instead of faulting. The placeholder goes when the buffer is collected.
    const placeholder = addressOf(c.mmap(this.#address, this.size, PROT_READ | PROT_WRITE, PLACEHOLDER_FLAGS, -1, 0));
    if (placeholder === this.#address) placeholders.register(buffer, { address: this.#address, size: this.size });
    // else: keep the shared mapping (a leak, never a crash); the fd is closed either way.
    c.close(this.#fd);
    this.#fd = -1;
  }

  close(): void {
    if (this.#buffer === null) return;
    // Drop our view first so this object never hands out memory that is about to go away.
    this.#buffer = null;
    const c = libc();
    // Neither call can fail for a mapping and fd we own; close() must not throw, so results are ignored.
    c.munmap(this.#address, this.size);
    c.close(this.#fd);
    this.#fd = -1;
  }
}

const PLACEHOLDER_FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE;

/** Unmaps a retired segment's placeholder once no view of it is left. */
const placeholders = new FinalizationRegistry<{ address: bigint; size: number }>(({ address, size }) => {
  libc().munmap(address, size);
});

/** What a failing step reports: the operation, the segment name and, for unnamed segments, a subject. */
export interface MapContext {
  readonly operation: SegmentOperation;
  readonly segment: string | null;
  readonly subject?: string;
}

/**
 * Maps `size` bytes of `fd` read-write and shared. On failure throws the operation's error; the caller still owns
 * (and must close) the fd.
 */
export function mapFd(fd: number, size: number, context: MapContext): LinuxSegment {
  const address = addressOf(libc().mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (address === mapFailedAddress() || address === 0n) {
    throw segmentErrorFromErrno(context.operation, lastErrno(), 'size', {
      ...context,
      detail: `size=${size}`,
      syscall: 'mmap',
    });
  }
  return new LinuxSegment(context.segment, size, fd, address);
}

/** The size of the file behind `fd` (`lseek(fd, 0, SEEK_END)`: no struct stat layout to get right). */
export function sizeOfFd(fd: number, context: MapContext): number {
  const size = Number(libc().lseek(fd, 0, 2));
  if (size < 0) throw segmentErrorFromErrno(context.operation, lastErrno(), 'size', { ...context, syscall: 'lseek' });
  return size;
}
