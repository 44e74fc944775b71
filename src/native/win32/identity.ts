/**
 * Who is who on Windows: `uid()` is this process token's default owner as a uid (security.ts). `peerOf` has nothing
 * to ask: Node gives no handle of a named pipe to call GetNamedPipeServerProcessId/ClientProcessId on (a pipe's
 * socket fd is -1 on Windows), so it throws `PeerCredentialsError` `InvalidHandle`; `pipeServerOf(path)` asks about
 * a doorbell's listener on a probe connection of its own instead (pipe-server.ts). `processOwnerOf(pid)` is the owner
 * of a running process's token, for a server checking the pid a client states.
 *
 * Cross-process invariant relied on: the owner of an object this process creates is its token's default owner.
 */
import type { Credentials, IdentityApi } from '../contract.js';
import { PeerCredentialsError } from '../errors.js';
import { addressOf, kernel32, PROCESS_QUERY_LIMITED_INFORMATION, SYNCHRONIZE, WAIT_OBJECT_0 } from './kernel32.js';
import { pipeServerOf } from './pipe-server.js';
import { processOwnerUid, tokenOwnerUid } from './security.js';

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
  processOwnerOf,
};

/** The uid of running process `pid`'s token owner; null when it is not running or cannot be asked. */
function processOwnerOf(pid: number): number | null {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0xffffffff) return null;
  const k = kernel32();
  const process = k.OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
  if (addressOf(process) === 0n) return null;
  try {
    if (k.WaitForSingleObject(process, 0) === WAIT_OBJECT_0) return null; // it has exited
    return tokenOwnerUid(process);
  } catch {
    return null;
  } finally {
    k.CloseHandle(process);
  }
}
