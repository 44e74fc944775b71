/**
 * Who holds a channel's name: the kernel's word on the doorbell's listener (SO_PEERCRED) and the segment's owner,
 * never what a header in shared memory claims. Used by connect (is this server who it says it is?) and by listen
 * (does the process that holds the name serve it, or squat it?).
 *
 * Cross-process invariant relied on: the credentials of a doorbell connection name the process that called
 * `listen()` on the address; only the same uid (or root) can forge a header, and nobody can forge those credentials.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Credentials, NativeApi } from '../../native/contract.js';

/** How long a probe of the doorbell may take: connecting to a listening local socket needs no accept(). */
const PROBE_TIMEOUT_MS = 1000;

/** The fd of a connected local socket (Node keeps it on the libuv handle), or -1 where there is none. */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** `uid U (pid P)`: how messages name a process. */
export const who = (credentials: Pick<Credentials, 'uid' | 'pid'>): string =>
  `uid ${credentials.uid} (pid ${credentials.pid})`;

/** Why a client does not trust a server; `retry` when it may be a server restarting (same user, another pid). */
export interface Distrust {
  readonly retry: boolean;
  readonly why: string;
}

/**
 * Why a client must not trust the doorbell's listener, given the segment's owner (the kernel's word) and the server
 * pid its header names, or null when they agree. Another user is refused at once; the same user with another pid
 * is worth a retry (a server restarting: the segment opened may be its predecessor's).
 */
export function listenerMismatch(listener: Credentials, owner: number, serverPid: number): Distrust | null {
  const holder = `the doorbell is held by ${who(listener)}`;
  if (listener.uid !== owner) {
    return {
      retry: false,
      why: `${holder}, but the segment is owned by uid ${owner} and names server pid ${serverPid}`,
    };
  }
  if (listener.pid !== serverPid) {
    return { retry: true, why: `${holder}, but the segment names server pid ${serverPid}` };
  }
  return null;
}

/**
 * Connects to a doorbell only to read who listens on it, then hangs up without sending a byte: resolves with the
 * listener's credentials, or null when nobody listens. Rejects on any other failure (e.g. a full backlog).
 */
export function probeDoorbell(native: NativeApi, path: string): Promise<Credentials | null> {
  // Windows: a pipe socket has no fd to ask about; the backend probes the pipe itself.
  const pipeServerOf = native.identity.pipeServerOf;
  if (pipeServerOf) return new Promise((resolve) => resolve(pipeServerOf(path)));
  return new Promise((resolve, reject) => {
    const socket = netConnect(path);
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no answer from the doorbell within ${PROBE_TIMEOUT_MS} ms`))),
      PROBE_TIMEOUT_MS,
    );
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      socket.destroy();
      settle();
    };
    socket.once('connect', () => {
      try {
        const credentials = native.identity.peerOf(socketFd(socket));
        finish(() => resolve(credentials));
      } catch (error) {
        finish(() => reject(error));
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // ECONNREFUSED: an abstract address nobody listens on; ENOENT: a socket file (macOS) nobody created.
      finish(() => (error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? resolve(null) : reject(error)));
    });
  });
}
