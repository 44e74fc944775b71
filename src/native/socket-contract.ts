/**
 * The native contract for local stream sockets driven outside Node's `net`, and for sealed anonymous memory: what a
 * channel setup needs to hand a client its segment as a descriptor (docs/SETUP-DESIGN.md), with no name anywhere.
 *
 * Cross-process invariants the setup relies on:
 * - An abstract Unix socket address (a leading NUL) has no file: it exists while its listening socket is open and
 *   vanishes with the listener's process, however that ends.
 * - A descriptor sent with SCM_RIGHTS names the same open file in the receiver; the memory behind a memfd lives
 *   while any process holds a descriptor or a mapping of it, and is freed by the kernel with the last one.
 * - A memfd sealed with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL can never change size again, in any process, so a
 *   mapping of it never meets SIGBUS from a peer's ftruncate; the receiver checks the seals, never trusts the sender.
 * - Every call here is non-blocking on the JS thread; the only wait (`waitReadable`) runs off-thread and is bounded
 *   by MAX_SOCKET_WAIT_MS, so a pending wait never keeps a process from exiting for longer than that.
 */

/** Seal bits of a memfd (`fcntl(F_GET_SEALS)`), as Linux defines them. */
export const SEALS = Object.freeze({
  /** No more seals may be added. */
  seal: 1,
  /** The file may not shrink (ftruncate to a smaller size fails with EPERM). */
  shrink: 2,
  /** The file may not grow. */
  grow: 4,
  /** No writes at all (not used by rxshm: both sides write). */
  write: 8,
  /** No new writable mappings or writes (not used by rxshm). */
  futureWrite: 16,
});

/** The seals a segment received from a peer must carry before it is mapped: its size can never change. */
export const REQUIRED_SEALS = SEALS.seal | SEALS.shrink | SEALS.grow;

/** The longest single readiness wait a backend issues: bounds how long a pending wait can delay exit. */
export const MAX_SOCKET_WAIT_MS = 250;

/** The largest payload `send` and `receive` move in one call: a handshake message, not a stream. */
export const MAX_SOCKET_MESSAGE_BYTES = 4096;

/** Outcome of a readiness wait. */
export type SocketWaitResult = 'readable' | 'timeout' | 'hangup';

/**
 * How an abstract address is measured. The kernel tells abstract names apart by their exact length, and runtimes
 * disagree: the natural length (`offsetof(sun_path) + bytes`, what a C program passes) is the default; `padded`
 * passes the whole 108-byte `sun_path`, NULs included, which is what Node 20's libuv (1.46) binds for
 * `net.Server#listen('\0name')`: only a padded connect reaches such a listener.
 */
export interface SocketAddressOptions {
  readonly padded?: boolean;
}

/** What one `receive` got. */
export interface ReceivedMessage {
  /** The bytes read (a copy, owned by the caller); empty when `ended`. */
  readonly bytes: Uint8Array;
  /** The descriptor that came with the bytes (close-on-exec, now owned by the caller), or null. */
  readonly fd: number | null;
  /** The peer closed its end (or vanished): nothing more will come. */
  readonly ended: boolean;
}

/**
 * Local stream sockets on raw descriptors (Linux: AF_UNIX SOCK_STREAM, abstract addresses only, non-blocking and
 * close-on-exec), for a handshake that passes a descriptor before the socket is handed to `net.Socket({ fd })`.
 * Errors are `SocketError`s with a code and the errno. Descriptors returned are the caller's to `close`.
 */
export interface LocalSocketApi {
  /**
   * Binds and listens on an abstract address (`'\0' + name`, at most 108 bytes in UTF-8 with the NUL). Returns the
   * listening descriptor, which `net.Server#listen({ fd })` can take over. `AddressInUse` if anyone (any user)
   * holds the address; `InvalidAddress` for anything that is not abstract, so no socket file can ever be created.
   */
  listen(address: string, options?: SocketAddressOptions & { readonly backlog?: number }): number;
  /** Accepts one pending connection, or returns null when none is pending (wait with `waitReadable`). */
  accept(listener: number): number | null;
  /**
   * Connects to an abstract address. `NotListening`: nobody listens there; `Busy`: the listener's backlog is full
   * (retry later). The connection is complete on return (local sockets connect at once or not at all).
   */
  connect(address: string, options?: SocketAddressOptions): number;
  /**
   * Sends `bytes` (1..MAX_SOCKET_MESSAGE_BYTES) and, if given, one descriptor with them (SCM_RIGHTS; the sender keeps
   * its own). Returns how many bytes went out (the descriptor goes with the first), or null when the socket buffer
   * is full. `PeerGone` when the peer has closed.
   */
  send(fd: number, bytes: Uint8Array, passFd?: number): number | null;
  /**
   * Reads up to `maxBytes` (1..MAX_SOCKET_MESSAGE_BYTES) and the descriptor that came with them, or returns null when
   * nothing is there yet. More than one descriptor, or a truncated control message, is `UnexpectedDescriptors`:
   * every descriptor received is closed first, so a hostile peer cannot make this process leak them.
   */
  receive(fd: number, maxBytes: number): ReceivedMessage | null;
  /** Waits until `fd` is readable (or a listener has a pending connection), for at most `timeoutMs` (clamped to
   * 0..MAX_SOCKET_WAIT_MS). `hangup`: the peer is gone and nothing is left to read. Runs off the JS thread. */
  waitReadable(fd: number, timeoutMs: number): Promise<SocketWaitResult>;
  /**
   * A connected pair of local stream sockets (Linux: `socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)`), both
   * close-on-exec and, unlike every other socket here, blocking: the two ends of an anonymous channel's doorbell, one
   * for `net.Socket({ fd })` (which makes it non-blocking), one handed to native code that may expect a plain socket.
   * SO_PEERCRED on either end names this process. Both descriptors are the caller's to `close`.
   */
  pair(): readonly [number, number];
  /** Closes a descriptor this process owns (a socket, or a received descriptor it will not map). */
  close(fd: number): void;
}
