/**
 * Local stream sockets on raw descriptors (Linux AF_UNIX, abstract addresses only): listen, accept, connect, send
 * and receive with one passed descriptor, a bounded readiness wait, a connected pair, close.
 *
 * Cross-process invariants relied on: an abstract address has no file and is released by the kernel when the
 * listening socket closes, including when its process is killed; a local connect() completes at once or fails
 * (EAGAIN when the backlog is full), it never blocks a non-blocking socket; every socket is created non-blocking and
 * close-on-exec (a `pair` is blocking: its ends go to net.Socket and to native code, never read here), so nothing here blocks the JS thread and no child inherits a socket by accident. The only wait is a
 * poll() on the libuv threadpool, bounded by MAX_SOCKET_WAIT_MS so it can never keep the process from exiting.
 */
import { constants } from 'node:os';
import {
  MAX_SOCKET_MESSAGE_BYTES,
  MAX_SOCKET_WAIT_MS,
  type LocalSocketApi,
  type SocketAddressOptions,
} from '../socket-contract.js';
import { SocketError, socketErrorFromErrno, type SocketOperation } from '../socket-errors.js';
import { clampTimeout } from '../validate.js';
import { koffi, lastErrno } from './libc.js';
import {
  abstractSockaddr,
  AF_UNIX,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  socketLibc,
} from './socket-libc.js';
import { receiveMessage, sendMessage } from './socket-message.js';

/** sun_path holds 108 bytes; an abstract address uses them all, its leading NUL included, with no terminator. */
const MAX_ABSTRACT_ADDRESS_BYTES = 108;
const DEFAULT_BACKLOG = 128;

/** The address as bytes, refusing anything that is not abstract: a path would leave a socket file behind. */
function addressBytes(operation: SocketOperation, address: string): Buffer {
  const bytes = typeof address === 'string' ? Buffer.from(address, 'utf8') : Buffer.alloc(0);
  if (bytes.length < 2 || bytes[0] !== 0 || bytes.length > MAX_ABSTRACT_ADDRESS_BYTES) {
    throw new SocketError(operation, 'InvalidAddress', {
      address: typeof address === 'string' ? address : String(address),
      detail: `expected '\\0' and 1..${MAX_ABSTRACT_ADDRESS_BYTES - 1} bytes, got ${bytes.length} bytes`,
    });
  }
  return bytes;
}

function checkFd(operation: SocketOperation, fd: number): void {
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw new SocketError(operation, 'InvalidHandle', { detail: `fd=${String(fd)}, expected a non-negative integer` });
}

function checkLength(operation: SocketOperation, what: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_SOCKET_MESSAGE_BYTES)
    throw new SocketError(operation, 'InvalidArgument', {
      detail: `${what}=${String(length)}, expected 1..${MAX_SOCKET_MESSAGE_BYTES}`,
    });
}

/** A new non-blocking, close-on-exec stream socket. */
function newSocket(operation: SocketOperation, address: string): number {
  const fd = socketLibc().socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw socketErrorFromErrno(operation, lastErrno(), { address, syscall: 'socket' });
  return fd;
}

/** Runs `step` on a fresh socket; on failure closes the socket (errno read first) and throws. */
function withNewSocket(operation: SocketOperation, address: string, step: (fd: number) => string | null): number {
  const fd = newSocket(operation, address);
  const failed = step(fd);
  if (failed === null) return fd;
  const errno = lastErrno();
  socketLibc().close(fd);
  throw socketErrorFromErrno(operation, errno, { address, syscall: failed });
}

/**
 * The Linux raw local socket API.
 * @example
 * const listener = linuxSockets.listen('\0rxshm.demo');
 * const client = linuxSockets.connect('\0rxshm.demo');
 * const server = linuxSockets.accept(listener); // a descriptor, or null if none is pending yet
 */
export const linuxSockets: LocalSocketApi = {
  listen(address: string, options: SocketAddressOptions & { readonly backlog?: number } = {}): number {
    const bytes = addressBytes('listen', address);
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    if (!Number.isSafeInteger(backlog) || backlog < 1 || backlog > 65_535)
      throw new SocketError('listen', 'InvalidArgument', { address, detail: `backlog=${String(backlog)}` });
    const { address: sockaddr, length } = abstractSockaddr(bytes, options.padded === true);
    const c = socketLibc();
    return withNewSocket('listen', address, (fd) => {
      if (c.bind(fd, sockaddr, length) !== 0) return 'bind';
      return c.listen(fd, backlog) !== 0 ? 'listen' : null;
    });
  },

  accept(listener: number): number | null {
    checkFd('accept', listener);
    for (;;) {
      const fd = socketLibc().accept4(listener, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) return fd;
      const errno = lastErrno();
      if (errno === constants.errno.EINTR || errno === constants.errno.ECONNABORTED) continue;
      if (errno === constants.errno.EAGAIN || errno === constants.errno.EWOULDBLOCK) return null;
      throw socketErrorFromErrno('accept', errno, { fd: listener, syscall: 'accept4' });
    }
  },

  connect(address: string, options: SocketAddressOptions = {}): number {
    const bytes = addressBytes('connect', address);
    const { address: sockaddr, length } = abstractSockaddr(bytes, options.padded === true);
    const c = socketLibc();
    return withNewSocket('connect', address, (fd) => (c.connect(fd, sockaddr, length) !== 0 ? 'connect' : null));
  },

  send(fd: number, bytes: Uint8Array, passFd?: number): number | null {
    checkFd('send', fd);
    if (!(bytes instanceof Uint8Array)) throw new SocketError('send', 'InvalidArgument', { fd, detail: 'not bytes' });
    checkLength('send', 'length', bytes.length);
    if (passFd !== undefined) checkFd('send', passFd);
    return sendMessage(fd, bytes, passFd);
  },

  receive(fd: number, maxBytes: number) {
    checkFd('receive', fd);
    checkLength('receive', 'maxBytes', maxBytes);
    return receiveMessage(fd, maxBytes);
  },

  waitReadable(fd: number, timeoutMs: number) {
    try {
      checkFd('wait', fd);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = Math.ceil(clampTimeout(timeoutMs, MAX_SOCKET_WAIT_MS));
    const ffi = koffi();
    // Its own block (not the shared scratch): the call runs on another thread while JS goes on.
    const pollfd = ffi.alloc('uint8_t', 8) as unknown as bigint;
    const view = new DataView(ffi.view(pollfd, 8));
    view.setInt32(0, fd, true);
    view.setInt16(4, POLLIN, true);
    view.setInt16(6, 0, true);
    return new Promise((resolve, reject) => {
      socketLibc().poll.async(pollfd, 1, timeout, (err, result) => {
        const errno = lastErrno();
        const revents = view.getInt16(6, true);
        ffi.free(pollfd as never);
        if (err) return reject(err);
        if (result < 0) {
          if (errno === constants.errno.EINTR) return resolve('timeout'); // callers wait again
          return reject(socketErrorFromErrno('wait', errno, { fd, syscall: 'poll' }));
        }
        if (result === 0) return resolve('timeout');
        if (revents & POLLNVAL) return reject(new SocketError('wait', 'InvalidHandle', { fd, syscall: 'poll' }));
        if (revents & POLLIN) return resolve('readable');
        resolve(revents & (POLLHUP | POLLERR) ? 'hangup' : 'timeout');
      });
    });
  },

  pair(): readonly [number, number] {
    const ends = new Int32Array(2);
    if (socketLibc().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) !== 0)
      throw socketErrorFromErrno('pair', lastErrno(), { syscall: 'socketpair' });
    return [ends[0]!, ends[1]!];
  },

  close(fd: number): void {
    checkFd('close', fd);
    // EINTR on close still closes on Linux; EBADF means it was not ours to close: say so.
    if (socketLibc().close(fd) !== 0 && lastErrno() === constants.errno.EBADF)
      throw new SocketError('close', 'InvalidHandle', { fd, errno: constants.errno.EBADF });
  },
};
