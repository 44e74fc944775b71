/**
 * The native contract: what every OS backend (linux, win32, darwin) and the process-local fake provide.
 *
 * Cross-process invariants the rest of rxshm relies on:
 * - A named segment created by one process and opened by another is the same physical memory; 32-bit
 *   `Atomics` operations on an `Int32Array` over `Segment.buffer` are sequentially consistent across them.
 * - A segment's memory stays mapped until `close()` of the process's own handle, whatever the other side does
 *   (unlink only removes the name; the creator unlinks, everyone closes).
 * - A new segment is zero-filled, and its memory is reserved when it is created (Linux: `posix_fallocate`), so a
 *   full shared-memory file system is a `NoSpace` error at creation, never a SIGBUS at first touch.
 * - A segment's owner (`Segment.ownerUid`, `SegmentApi.ownerOf`) and a doorbell peer's credentials
 *   (`IdentityApi.peerOf`) are what the kernel says, never what a header in shared memory claims.
 * - No backend leaves a koffi `.async` call pending without a timeout: a process can always exit.
 *
 * - A sealed segment (`createSealed`) can never change size, in any process; `openReceived` maps a descriptor from
 *   a peer only once the kernel confirms those seals, so a peer's ftruncate can never SIGBUS this process.
 *
 * Errors: segment operations throw `CreateSegmentError` (create, createAnonymous, createSealed), `OpenSegmentError`
 * (open), `UnlinkSegmentError` (unlink), `MapSegmentError` (openInherited, openReceived, sealsOf), all
 * `SegmentError`s with a `code`, the segment name and the errno; names and sizes are validated before any system
 * call, identically in every backend. Socket operations (`sockets`) throw `SocketError`s.
 */
import type { HeapApi } from './heap-contract.js';
import type { LocalSocketApi } from './socket-contract.js';

export * from './socket-contract.js';

/** Options for creating a named segment. */
export interface CreateSegmentOptions {
  /** Permission bits of the new segment (POSIX); default 0o600: only the same user may open it. */
  readonly mode?: number;
}

/** A mapped shared-memory segment owned by this process's handle. */
export interface Segment {
  /** The name it was created or opened with, or `null` for an anonymous segment. */
  readonly name: string | null;
  /** Size in bytes of the mapping (for an opened segment: the size the OS reports). */
  readonly size: number;
  /**
   * A plain `ArrayBuffer` over the mapping (not a `SharedArrayBuffer`).
   * Obligation: throws `SegmentClosedError` once `close()` has run, so no view is handed out after unmap.
   * Callers must drop every view they made before calling `close()`.
   */
  readonly buffer: ArrayBuffer;
  /** The OS handle to pass to a child process (a file descriptor on POSIX), or -1 where there is none. */
  readonly fd: number;
  /** True once `close()` has run. */
  readonly closed: boolean;
  /** The absolute address of byte 0 of the mapping, for native wake-ups (futex); 0n on the fake. */
  readonly address: bigint;
  /**
   * The uid that owns the file behind this handle, as the kernel reports it now (Linux: `fstat` of the fd), not as
   * anything inside the segment claims. Throws `SegmentClosedError` once `close()` has run.
   */
  readonly ownerUid: number;
  /** Unmaps and closes the handle. Idempotent: a second call does nothing. Never unlinks the name. */
  close(): void;
  /**
   * Closes the handle like `close()`, for a `buffer` handed to user code that may outlive it: the shared pages are
   * released at once, but views over `buffer` stay harmless (Linux: the range is replaced by private zero pages,
   * unmapped when `buffer` is garbage collected; Windows: the view is kept until then), so touching a stale view
   * never crashes (Linux: it reads zeros).
   * Idempotent, and a no-op after `close()`.
   */
  retire(): void;
}

/** Named and anonymous shared-memory segments. */
export interface SegmentApi {
  /**
   * Creates a new named segment exclusively (fails with `AlreadyExists` if the name is taken), sizes it, reserves
   * its memory and maps it read-write. The memory is zero-filled. `NoSpace`: the shared-memory file system (Linux:
   * /dev/shm) cannot hold `size` more bytes; nothing is left behind.
   */
  create(name: string, size: number, options?: CreateSegmentOptions): Segment;
  /** Opens and maps an existing named segment at the size the OS reports (`NotFound` if there is none). */
  open(name: string): Segment;
  /**
   * The uid that owns the named segment, read without opening it (Linux: `lstat` of `/dev/shm/<name>`), so it works
   * for another user's segment this process may not open. Throws `OpenSegmentError` (`NotFound`, ...).
   */
  ownerOf(name: string): number;
  /**
   * Reads up to `length` bytes from the start of a named segment without mapping it, for a segment this process
   * does not trust yet: a peer that truncates it meanwhile yields fewer bytes, never a SIGBUS. Throws
   * `OpenSegmentError` (`NotFound`, `PermissionDenied`, `InvalidHandle` for something that is not a regular file).
   */
  peek(name: string, length: number): Uint8Array;
  /** Removes the name; mappings stay valid until closed. `NotFound` if there is no such name. */
  unlink(name: string): void;
  /**
   * Creates an anonymous segment (Linux: memfd, close-on-exec, memory reserved like `create`) whose `fd` a child process can inherit through
   * `spawn(..., { stdio: ['ignore', 'inherit', 'inherit', seg.fd] })` (it appears as fd 3 in the child).
   */
  createAnonymous(size: number): Segment;
  /**
   * Maps a segment from a handle this process inherited (e.g. fd 3 passed by `spawn`'s `stdio`), at the size the OS
   * reports. Takes ownership of the handle: the segment's `close()` closes it, and so does a failed mapping.
   */
  openInherited(fd: number): Segment;
  /**
   * Creates an anonymous segment like `createAnonymous`, then seals its size for good (Linux: memfd with
   * MFD_ALLOW_SEALING, then F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL): no process holding its descriptor can
   * truncate or grow it, so no mapping of it ever meets SIGBUS. Its `fd` is what a server sends a client.
   */
  createSealed(size: number): Segment;
  /**
   * Maps a segment from a descriptor received from a peer (e.g. with SCM_RIGHTS), at the size the OS reports, but
   * only if the kernel says it carries `REQUIRED_SEALS` (`NotSealed` otherwise: a peer could shrink it under us).
   * Takes ownership of the descriptor: the segment's `close()` closes it, and so does any failure.
   */
  openReceived(fd: number): Segment;
  /** The seal bits (`SEALS`) of the file behind `fd` (0 for a memfd without seals); `NotSealed` for a file that
   * cannot carry seals (not a memfd), `InvalidHandle` for a closed descriptor. Does not take ownership. */
  sealsOf(fd: number): number;
}

/** What the OS says of a process. */
export type ProcessState = 'running' | 'exited';

/** Process liveness as the OS reports it (not whether the process answers: that is a protocol matter). */
export interface ProcessApi {
  /**
   * `exited` when the pid no longer exists or is a zombie; `running` otherwise (even if stopped, or owned by another
   * user). Throws RangeError for a pid that is not a positive integer (0 and negatives name process groups).
   * Pids are reused: a pid read long after its process died may name another one.
   */
  state(pid: number): ProcessState;
  /** Offers this thread's core to a thread ready to run on it (sched_yield, SwitchToThread; the fake: nothing); returns
   * at once when none is, never throws. A side polling shared memory calls it, so a peer on its core gets to run. */
  yieldCpu(): void;
}

/** Who a process is, as the kernel reports it (Linux: `struct ucred` of SO_PEERCRED). */
export interface Credentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Who is who: the user this process runs as and the process at the other end of a local socket. A client checks
 * them before it trusts a server (docs/LAYOUT.md, "Doorbell and handshake").
 */
export interface IdentityApi {
  /** The effective uid of this process: the owner of the segments it creates, what a peer's SO_PEERCRED shows. */
  uid(): number;
  /**
   * The credentials of the process at the other end of the connected local stream socket `fd` (Linux:
   * `getsockopt(SO_PEERCRED)`): for a client's socket, the process that called `listen()` on the address, captured
   * by the kernel then; for an accepted socket, the process that called `connect()`. Throws `PeerCredentialsError`
   * (`InvalidHandle`) when `fd` is not a connected local socket.
   */
  peerOf(fd: number): Credentials;
  /**
   * Windows only (absent elsewhere): the process serving the named pipe `path` and its user, for a doorbell whose
   * socket has no fd in Node. Asked on a probe connection that sends nothing (GetNamedPipeServerProcessId); `uid` is
   * that process token's default owner as `uid()` derives it, `gid` is 0. Null when nobody serves the pipe. Throws
   * `PeerCredentialsError` when Windows will not say.
   */
  pipeServerOf?(path: string): Credentials | null;
  /**
   * Windows only (absent elsewhere): the uid of the default owner of process `pid`'s token (as `uid()` derives it),
   * or null when no such process is running or Windows will not say. A server checks the pid a client states with
   * it, having no kernel word on who is at the other end of a pipe instance Node accepted.
   */
  processOwnerOf?(pid: number): number | null;
}

/** Outcome of a futex wait. */
export type FutexWaitResult = 'woken' | 'timeout' | 'not-equal';

/**
 * Futex-style wake-ups on a 32-bit word inside a segment, for native peers that signal that way.
 * Obligation: `wait` runs off the JS thread, always with a timeout of at most `MAX_FUTEX_WAIT_MS`, so a pending
 * wait can never keep the process from exiting for longer than that.
 */
export interface FutexApi {
  /** Wakes up to `count` waiters on the 4-byte aligned word at `byteOffset`; returns how many woke. */
  wake(segment: Segment, byteOffset: number, count: number): number;
  /**
   * Waits while the word at `byteOffset` equals `expected`, for at most `timeoutMs` (clamped to
   * 0..MAX_FUTEX_WAIT_MS). `not-equal`: the word differed when the wait began. `woken` may be spurious (e.g. a
   * signal): callers re-check the word and wait again. Rejects with SegmentClosedError or RangeError on bad input.
   */
  wait(segment: Segment, byteOffset: number, expected: number, timeoutMs: number): Promise<FutexWaitResult>;
}

/** The longest single futex wait a backend issues: bounds how long a pending wait can delay exit. */
export const MAX_FUTEX_WAIT_MS = 250;

/** One word of a `waitAny`: sleep while the u32 at `byteOffset` of `segment` equals `expected`. */
export interface FutexWord {
  readonly segment: Segment;
  readonly byteOffset: number;
  readonly expected: number;
}

/** The most words one `waitAny` takes (Linux: FUTEX_WAITV_MAX). */
export const MAX_FUTEX_WAITV_WORDS = 128;

/**
 * Waits on several words at once in one call off the JS thread (Linux: `futex_waitv`, 5.16+), so one threadpool
 * thread serves any number of watched words. Same obligations as `FutexApi.wait`: bounded by MAX_FUTEX_WAIT_MS.
 */
export interface FutexWaitAny {
  /**
   * Resolves `woken` when any word was woken (maybe spuriously), `not-equal` when one differed from its expected
   * value at the start, `timeout`, or `unsupported` when the kernel lacks the call (callers poll instead). Rejects
   * with RangeError or SegmentClosedError on bad input (more than MAX_FUTEX_WAITV_WORDS words, a bad offset).
   */
  waitAny(words: readonly FutexWord[], timeoutMs: number): Promise<FutexWaitResult | 'unsupported'>;
}

/*
 * Word wake-ups on Windows (`NativeApi.wordEvents`): a named event per watched 32-bit word of a named segment, where
 * Linux uses the futex on the word itself (a Windows WaitOnAddress is process-local). Invariants relied on:
 * - The word's value is the source of truth, as on Linux: a signaller changes the word BEFORE it sets the event, and
 *   a waiter resets the event BEFORE it compares the word with the value it last saw, so a change is either seen by
 *   the compare or leaves the event set for the wait that follows: no process sleeps through a change made after its
 *   own reset.
 * - The event is manual-reset: one SetEvent releases every thread waiting on it, in every process (an auto-reset
 *   event releases one). Another process's reset can hide a set from a process that compared before the change and
 *   had not started waiting yet; that one sees the value at its next wait, bounded by MAX_FUTEX_WAIT_MS.
 * - Event names cannot collide with segment or channel names (kernel objects of all kinds share one namespace):
 *   they contain `/`, which no segment name may contain.
 */

/** The most words one `WordWaitSet.waitAny` takes: WaitForMultipleObjects' 64 handles, one being the control event. */
export const MAX_WORD_EVENTS = 63;

/**
 * Named events as the wake-ups of words in named segments (Windows only; absent on other backends). The event of the
 * word at `byteOffset` of segment `name` is `<namespace>\rxshm/<name>/<byteOffset>` (`Local\` by default), a
 * manual-reset event that exists while some process watches the word.
 */
export interface WordEventApi {
  /** The kernel name of the event of the word at `byteOffset` of the named segment `segmentName`. */
  eventName(segmentName: string, byteOffset: number): string;
  /**
   * Sets the event of the word at `byteOffset` (call it after changing the word): every waiter, in every process,
   * wakes. False when the event does not exist, i.e. nobody watches the word (its new value is enough then).
   * Throws SegmentClosedError or RangeError (an unaligned offset, an anonymous segment).
   */
  signal(segment: Segment, byteOffset: number): boolean;
  /** A new wait set: the events of one waiter, and its private control event. */
  createWaitSet(): WordWaitSet;
}

/** One waiter's events: opened as words are watched, closed as they are dropped or with the set. */
export interface WordWaitSet {
  /**
   * Opens the events of `words` (creating them; closing those of words not passed any more), resets those that may
   * be set (one left set only costs a spurious `woken`), then resolves `not-equal` at once if a word differs from its
   * `expected` value; otherwise waits off the JS thread for any of their events or the control event (`woken`), or
   * `timeout` (at most MAX_FUTEX_WAIT_MS). One call at a time; rejects with RangeError for more than
   * MAX_WORD_EVENTS words, an anonymous segment or a bad offset, with SegmentClosedError for a closed segment, with
   * an Error when Windows refuses an event.
   */
  waitAny(words: readonly FutexWord[], timeoutMs: number): Promise<FutexWaitResult>;
  /** Sets the control event: the pending `waitAny` (or the next one) resolves `woken` at once. */
  interrupt(): void;
  /** Closes every handle, once the pending `waitAny` (if any) has returned. The set is not used again. */
  close(): void;
}

/** Everything a backend provides. */
export interface NativeApi {
  readonly platform: 'linux' | 'win32' | 'darwin' | 'fake';
  readonly segments: SegmentApi;
  readonly processes: ProcessApi;
  readonly identity: IdentityApi;
  /** Present where the OS has a futex-like primitive (Linux futex, Windows WaitOnAddress is process-local). */
  readonly futex: (FutexApi & Partial<FutexWaitAny>) | null;
  /** Windows only (absent elsewhere): a named event per watched word, the Windows stand-in for a shared futex. */
  readonly wordEvents?: WordEventApi;
  /** Linux only (absent elsewhere): glibc's heap policy for a process that receives copies. */
  readonly heap?: HeapApi;
  /**
   * The local-socket address of a channel's doorbell, for `net.createServer().listen(path)` and
   * `net.connect(path)`: a Linux abstract socket, a Windows named pipe, a file in the temp folder on macOS.
   * - linux: `'\0rxshm.' + name` (abstract namespace: no file, gone with the listener); if that exceeds sun_path's
   *   107 usable bytes, `'\0rxshm.#' + sha256(name)` as 32 hex digits.
   * - win32: `'\\\\.\\pipe\\rxshm.' + name`.
   * - darwin: `path.join(os.tmpdir(), 'rxshm.' + name + '.sock')`, hashed like Linux beyond sun_path's 104 bytes;
   *   the listener unlinks it on close.
   * The fake adds a per-instance prefix so two fakes never share a socket.
   */
  doorbellPath(name: string): string;
  /**
   * Local stream sockets on raw descriptors, for passing a segment's descriptor during a handshake (Linux); null
   * where the backend has none (the fake: nothing crosses a process there).
   */
  readonly sockets: LocalSocketApi | null;
  /**
   * Where `sockets` is null: true when a named channel gives each client a fresh segment of its own under an
   * unguessable name that the server sends over the doorbell (Windows; the fake when asked); absent or false: the
   * one-client setup on one named segment admitted by a token (the fake by default).
   */
  readonly clientSections?: boolean;
}

export type { HeapApi };
