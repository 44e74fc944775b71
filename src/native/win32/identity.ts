/**
 * Who is who on Windows: `uid()` is this process token's default owner as a uid (security.ts). `peerOf` has nothing
 * to ask: Node gives no handle of a named pipe to call GetNamedPipeServerProcessId/ClientProcessId on (a pipe's
 * socket fd is -1 on Windows), so it throws `PeerCredentialsError` `InvalidHandle`; `pipeServerOf(path)` asks about
 * a doorbell's listener on a probe connection of its own instead (pipe-server.ts).
 *
 * Cross-process invariant relied on: the owner of an object this process creates is its token's default owner.
 */
import type { Credentials, IdentityApi } from '../contract.js';
import { PeerCredentialsError } from '../errors.js';
import { pipeServerOf } from './pipe-server.js';
import { processOwnerUid } from './security.js';

/**
 * The Windows identity API.
 * @example
 * win32Identity.uid(); // e.g. 1183029376, the same for every process of this user
 */
export const win32Identity: IdentityApi = {
  uid: processOwnerUid,
  peerOf(fd: number): Credentials {
    throw new PeerCredentialsError(fd, undefined, 'Windows: Node exposes no handle of a named pipe to ask');
  },
  pipeServerOf,
};
