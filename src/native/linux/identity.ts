/**
 * Who is who on Linux: the effective uid (`geteuid`) and a local socket peer's credentials (`SO_PEERCRED`).
 *
 * Cross-process invariant relied on: SO_PEERCRED is filled in by the kernel, not by the peer. On a client's socket
 * it names the process that called `listen()` on the address (captured when it did), on an accepted socket the
 * process that called `connect()`. Pids are those of this process's pid namespace.
 */
import type { Credentials, IdentityApi } from '../contract.js';
import { PeerCredentialsError } from '../errors.js';
import { lastErrno, libc, SO_PEERCRED, SOL_SOCKET, UCRED_LENGTH, type Ucred } from './libc.js';

/**
 * The Linux identity API.
 * @example
 * const peer = linuxIdentity.peerOf((socket as any)._handle.fd); // { pid, uid, gid } of the listening process
 */
export const linuxIdentity: IdentityApi = {
  uid(): number {
    return libc().geteuid();
  },

  peerOf(fd: number): Credentials {
    if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff)
      throw new PeerCredentialsError(fd, undefined, 'expected a non-negative integer fd');
    const ucred: Partial<Ucred> = {};
    const length: [number] = [UCRED_LENGTH];
    if (libc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) !== 0)
      throw new PeerCredentialsError(fd, lastErrno());
    // A socket that was never connected reports pid 0 and the overflow uid/gid: nobody to trust.
    if (length[0] !== UCRED_LENGTH || !ucred.pid) throw new PeerCredentialsError(fd, undefined, 'no peer process');
    return { pid: ucred.pid, uid: ucred.uid!, gid: ucred.gid! };
  },
};
