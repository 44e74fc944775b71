/**
 * koffi bindings to glibc's libc.so.6, loaded on first use so importing rxshm costs no dlopen.
 *
 * koffi itself is required on first use too (`createRequire`), not imported: a static `import` would load its
 * binary wherever rxshm is imported (on any OS, or where no prebuild fits this CPU), and a top-level `await import()`
 * would make the module graph async, which `require('rxshm')` (Node's require(esm)) refuses.
 *
 * Cross-process invariants relied on: `MAP_SHARED` mappings of one shm/memfd file are the same physical pages in
 * every process; futex words in them are keyed by (inode, offset), so FUTEX_WAIT/WAKE without FUTEX_PRIVATE_FLAG
 * work across processes. errno is read with `koffi.errno()` right after the failing call and never later.
 */
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

let koffiModule: typeof Koffi | null = null;

/**
 * The koffi module, required on first call. Throws where koffi cannot load (e.g. no prebuild for this CPU).
 * @example
 * const pointerSize = koffi().sizeof('void *');
 */
export function koffi(): typeof Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as typeof Koffi;
  return koffiModule;
}

export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const SEEK_END = 2;
export const MFD_CLOEXEC = 1;
export const SOL_SOCKET = 1;
/** SO_PEERCRED on x86_64 and arm64 (the asm-generic value; only powerpc and mips differ). */
export const SO_PEERCRED = 17;
/** sizeof(struct ucred): pid_t pid, uid_t uid, gid_t gid. */
export const UCRED_LENGTH = 12;
export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;

/** syscall number of futex: it differs per architecture; null where this backend does not know it. */
export const SYS_FUTEX: number | null = process.arch === 'x64' ? 202 : process.arch === 'arm64' ? 98 : null;

/** syscall number of futex_waitv (Linux 5.16+): 449 on every architecture (a new-style syscall). */
export const SYS_FUTEX_WAITV = 449;
/** futex_waitv flag of a 32-bit word (FUTEX2_SIZE_U32); without FUTEX2_PRIVATE it works across processes. */
export const FUTEX2_SIZE_U32 = 2;
/** The clock futex_waitv's absolute timeout is read on. */
export const CLOCK_MONOTONIC = 1;

let mapFailed: bigint | null = null;

/** `mmap`'s failure value ((void *)-1) as an address: all ones at the pointer width. */
export function mapFailedAddress(): bigint {
  mapFailed ??= (1n << BigInt(8 * koffi().sizeof('void *'))) - 1n;
  return mapFailed;
}

/** `struct ucred` as SO_PEERCRED fills it. */
export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}

/** `struct timespec` on LP64 Linux (x86_64, arm64): two 64-bit fields. */
export interface Timespec {
  tv_sec: number;
  tv_nsec: number;
}

export interface Libc {
  shm_open(name: string, oflag: number, mode: number): number;
  shm_unlink(name: string): number;
  memfd_create(name: string, flags: number): number;
  ftruncate(fd: number, length: number): number;
  /** Returns 0 or an errno value (it does not set errno). */
  posix_fallocate(fd: number, offset: number, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Partial<Ucred>, length: [number]): number;
  geteuid(): number;
  lseek(fd: number, offset: number, whence: number): number;
  mmap(addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number): unknown;
  munmap(addr: bigint, length: number): number;
  close(fd: number): number;
  kill(pid: number, sig: number): number;
  sched_yield(): number;
  /** syscall(SYS_futex_waitv, waiters, count, flags, &timeout, clockid), fixed prototype like `futex`. */
  futexWaitv: {
    async(
      nr: number,
      waiters: bigint,
      count: number,
      flags: number,
      timeout: bigint,
      clock: number,
      callback: (err: unknown, result: number) => void,
    ): void;
  };
  /** syscall(SYS_futex, ...) with a fixed prototype: koffi has no `.async` for variadic functions, and glibc's
   * `syscall` is an assembly stub that reads integer registers only, so the fixed form is ABI-compatible. */
  futex: ((
    nr: number,
    uaddr: bigint,
    op: number,
    val: number,
    timeout: Timespec | null,
    uaddr2: null,
    val3: number,
  ) => number) & {
    async(
      nr: number,
      uaddr: bigint,
      op: number,
      val: number,
      timeout: Timespec | null,
      uaddr2: null,
      val3: number,
      callback: (err: unknown, result: number) => void,
    ): void;
  };
}

let loaded: Libc | null = null;

/** The bindings, loaded on first call. */
export function libc(): Libc {
  if (loaded !== null) return loaded;
  const ffi = koffi();
  const lib = ffi.load('libc.so.6');
  const timespec = ffi.struct('rxshm_timespec', { tv_sec: 'int64_t', tv_nsec: 'int64_t' });
  ffi.struct('rxshm_ucred', { pid: 'int32_t', uid: 'uint32_t', gid: 'uint32_t' });
  loaded = {
    shm_open: lib.func('int shm_open(const char *name, int oflag, uint32_t mode)'),
    shm_unlink: lib.func('int shm_unlink(const char *name)'),
    memfd_create: lib.func('int memfd_create(const char *name, unsigned int flags)'),
    ftruncate: lib.func('int ftruncate(int fd, int64_t length)'),
    posix_fallocate: lib.func('int posix_fallocate(int fd, int64_t offset, int64_t len)'),
    getsockopt: lib.func(
      'int getsockopt(int fd, int level, int optname, _Out_ rxshm_ucred *optval, _Inout_ uint32_t *optlen)',
    ),
    geteuid: lib.func('uint32_t geteuid()'),
    lseek: lib.func('int64_t lseek(int fd, int64_t offset, int whence)'),
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    close: lib.func('int close(int fd)'),
    kill: lib.func('int kill(int pid, int sig)'),
    sched_yield: lib.func('int sched_yield()'),
    futex: lib.func('syscall', 'long', ['long', 'void *', 'int', 'int', ffi.pointer(timespec), 'void *', 'int']),
    futexWaitv: lib.func('syscall', 'long', ['long', 'void *', 'uint32_t', 'uint32_t', 'void *', 'int']),
  } as Libc;
  return loaded;
}

/** errno of the call that just failed on this thread. */
export function lastErrno(): number {
  return koffi().errno();
}

/** The address a `void *` result denotes (koffi 3 returns a bigint; older versions an external). */
export function addressOf(pointer: unknown): bigint {
  if (pointer === null) return 0n;
  return typeof pointer === 'bigint' ? pointer : koffi().address(pointer);
}

/** An ArrayBuffer over `length` bytes at `address`; it does not own the memory. */
export function viewOf(address: bigint, length: number): ArrayBuffer {
  return koffi().view(address, length);
}
