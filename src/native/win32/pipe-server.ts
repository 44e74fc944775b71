/**
 * Who serves a named pipe on Windows: the doorbell's listener, asked on a probe connection since Node gives no handle
 * of its own pipe sockets. The probe opens the pipe read-only (another user's Node pipe grants everyone read, so
 * the probe reaches it too), asks GetNamedPipeServerProcessId, and closes without sending a byte: the server sees a
 * client that connected and left.
 *
 * Cross-process invariant relied on: the server process id of a pipe instance is the kernel's word, not the
 * server's; the uid is that process token's default owner (security.ts). Caveat: the probe is its own connection, so
 * a server that dies and a squatter that takes the name between the probe and the real connection are not told
 * apart (the section's owner, checked too, is the stronger proof).
 */
import type { Credentials } from '../contract.js';
import { PeerCredentialsError } from '../errors.js';
import { addressOf, GENERIC_READ, kernel32, OPEN_EXISTING, PROCESS_QUERY_LIMITED_INFORMATION } from './kernel32.js';
import { tokenOwnerUid } from './security.js';
import { win32ErrorName } from './win32-errors.js';

/** Win32 errors meaning nobody serves the pipe: ERROR_FILE_NOT_FOUND, ERROR_PIPE_NOT_CONNECTED. */
const NOBODY = new Set([2, 233]);
/** ERROR_PIPE_BUSY: the server has no free instance now; it is there all the same. */
const ERROR_PIPE_BUSY = 231;

/**
 * Opens the pipe read-only. -1 or 0 on failure. A busy pipe is not waited for: the wait would block this thread,
 * and a server in this same process creates its next instance only when this thread runs again (callers retry).
 */
function openProbe(path: string): bigint {
  return BigInt(kernel32().CreateFileW(path, GENERIC_READ, 0, null, OPEN_EXISTING, 0, null));
}

/** The process serving `path` and its uid, or null when nobody does; see IdentityApi.pipeServerOf. */
export function pipeServerOf(path: string): Credentials | null {
  const k = kernel32();
  const pipe = openProbe(path);
  if (pipe === -1n || pipe === 0n) {
    const error = k.GetLastError();
    if (NOBODY.has(error)) return null;
    const why = error === ERROR_PIPE_BUSY ? 'every instance of the pipe is busy' : win32ErrorName(error);
    throw new PeerCredentialsError(-1, undefined, `cannot probe ${path}: ${why}`);
  }
  const pid: [number] = [0];
  try {
    if (!k.GetNamedPipeServerProcessId(pipe, pid) || pid[0] === 0)
      throw new PeerCredentialsError(-1, undefined, `GetNamedPipeServerProcessId: ${win32ErrorName(k.GetLastError())}`);
  } finally {
    k.ClosePipe(pipe);
  }
  const process = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid[0]);
  if (addressOf(process) === 0n)
    throw new PeerCredentialsError(-1, undefined, `OpenProcess(${pid[0]}): ${win32ErrorName(k.GetLastError())}`);
  try {
    return { pid: pid[0], uid: tokenOwnerUid(process), gid: 0 };
  } catch (error) {
    throw new PeerCredentialsError(-1, undefined, `the token of process ${pid[0]}: ${(error as Error).message}`);
  } finally {
    k.CloseHandle(process);
  }
}
