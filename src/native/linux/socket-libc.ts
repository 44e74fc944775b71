/**
 * koffi bindings for local sockets and memfd seals (glibc), loaded on first use, and the byte layout of the structs
 * sendmsg/recvmsg take (`struct msghdr`, `struct iovec`, `struct cmsghdr`), written by hand at this process's
 * pointer width so the same code is right on 64-bit (x64, arm64) and 32-bit (ia32, arm) Linux.
 *
 * Cross-process invariants relied on: none beyond the kernel's ABI. Constants are the asm-generic / x86 values
 * (x64, arm64, ia32, arm share them; mips, sparc, alpha and parisc differ and are not supported). errno is read
 * with `lastErrno()` right after the failing call.
 */
import { koffi } from './libc.js';

/** Address family and socket type of a local stream socket. */
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
/** Flags or-ed into socket()'s type and accept4()'s flags: non-blocking, close-on-exec. */
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
/** Control message type of passed descriptors (level SOL_SOCKET). */
export const SCM_RIGHTS = 1;
/** msg_flags: the control data did not fit (the kernel dropped the descriptors that did not). */
export const MSG_CTRUNC = 0x8;
/** sendmsg/recvmsg flags: never block; no SIGPIPE; received descriptors close-on-exec. */
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;
/** poll() events. */
export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
/** memfd_create flag that lets seals be added; fcntl commands that add and read them. */
export const MFD_ALLOW_SEALING = 2;
export const F_ADD_SEALS = 1033;
export const F_GET_SEALS = 1034;
/** sizeof(struct sockaddr_un): sa_family_t (u16) then sun_path[108]. */
export const SOCKADDR_UN_LENGTH = 110;

/** The glibc functions the raw sockets and the seals call, with koffi's marshalling. */
export interface SocketLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, address: null, length: null, flags: number): number;
  connect(fd: number, address: Buffer, length: number): number;
  /** Writes the two connected descriptors into `pair`. */
  socketpair(domain: number, type: number, protocol: number, pair: Int32Array): number;
  sendmsg(fd: number, message: bigint, flags: number): number;
  recvmsg(fd: number, message: bigint, flags: number): number;
  /** fcntl with one int argument (F_ADD_SEALS, F_GET_SEALS): a fixed prototype is ABI-compatible there. */
  fcntl(fd: number, command: number, argument: number): number;
  close(fd: number): number;
  poll: ((fds: bigint, count: number, timeoutMs: number) => number) & {
    async(fds: bigint, count: number, timeoutMs: number, callback: (err: unknown, result: number) => void): void;
  };
}

let loaded: SocketLibc | null = null;

/**
 * The bindings, loaded on first call.
 * @example
 * const fd = socketLibc().socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
 */
export function socketLibc(): SocketLibc {
  if (loaded !== null) return loaded;
  const lib = koffi().load('libc.so.6');
  loaded = {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *address, uint32_t length)'),
    listen: lib.func('int listen(int fd, int backlog)'),
    accept4: lib.func('int accept4(int fd, void *address, void *length, int flags)'),
    connect: lib.func('int connect(int fd, const void *address, uint32_t length)'),
    socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *pair)'),
    sendmsg: lib.func('long sendmsg(int fd, void *message, int flags)'),
    recvmsg: lib.func('long recvmsg(int fd, void *message, int flags)'),
    fcntl: lib.func('int fcntl(int fd, int command, int argument)'),
    close: lib.func('int close(int fd)'),
    poll: lib.func('int poll(void *fds, unsigned long count, int timeout)'),
  } as SocketLibc;
  return loaded;
}

/** Offsets of `struct msghdr` and `struct cmsghdr` fields at a pointer width of 4 or 8 bytes. */
export interface MessageLayout {
  readonly pointer: number;
  readonly msghdr: {
    name: number;
    namelen: number;
    iov: number;
    iovlen: number;
    control: number;
    controllen: number;
    flags: number;
    size: number;
  };
  /** sizeof(struct iovec): base pointer, size_t length. */
  readonly iovec: number;
  /** CMSG_LEN(0): size_t cmsg_len, int cmsg_level, int cmsg_type, aligned to size_t. */
  readonly cmsgHeader: number;
}

const alignUp = (value: number, to: number): number => Math.ceil(value / to) * to;

/**
 * The layout at a given pointer width (`koffi().sizeof('void *')`). 64-bit: msghdr is 56 bytes (iov at 16, control at 32, flags at 48), a
 * cmsghdr 16; 32-bit: msghdr 28 bytes (iov at 8, control at 16, flags at 24), a cmsghdr 12.
 */
export function messageLayout(pointer: number): MessageLayout {
  const iov = alignUp(pointer + 4, pointer);
  const flags = iov + 4 * pointer;
  return {
    pointer,
    msghdr: {
      name: 0,
      namelen: pointer,
      iov,
      iovlen: iov + pointer,
      control: iov + 2 * pointer,
      controllen: iov + 3 * pointer,
      flags,
      size: alignUp(flags + 4, pointer),
    },
    iovec: 2 * pointer,
    cmsgHeader: alignUp(pointer + 8, pointer),
  };
}

/** CMSG_SPACE(n): a control message carrying n data bytes, padded to size_t (CMSG_LEN(n) is cmsgHeader + n). */
export const cmsgSpace = (layout: MessageLayout, dataBytes: number): number =>
  layout.cmsgHeader + alignUp(dataBytes, layout.pointer);

/** Writes a pointer-sized unsigned value (a pointer or a size_t). */
export function writeWord(view: DataView, offset: number, value: bigint | number, pointer: number): void {
  if (pointer === 8) view.setBigUint64(offset, BigInt(value), true);
  else view.setUint32(offset, Number(value), true);
}

/** Reads a pointer-sized unsigned value, as a number (sizes here are small; a huge one fails the caller's checks). */
export function readWord(view: DataView, offset: number, pointer: number): number {
  return pointer === 8 ? Number(view.getBigUint64(offset, true)) : view.getUint32(offset, true);
}

/**
 * `struct sockaddr_un` for an abstract address (leading NUL, no terminator) and the length to pass with it: the
 * name's own length, or `padded`, the whole structure (the name then includes the trailing NULs).
 */
export function abstractSockaddr(addressBytes: Buffer, padded: boolean): { address: Buffer; length: number } {
  const address = Buffer.alloc(SOCKADDR_UN_LENGTH);
  address.writeUInt16LE(AF_UNIX, 0);
  addressBytes.copy(address, 2);
  return { address, length: padded ? SOCKADDR_UN_LENGTH : 2 + addressBytes.length };
}
