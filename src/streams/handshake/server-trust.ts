/**
 * Whether a client may trust the server of a named channel, decided before it sends a byte (docs/LAYOUT.md 5, step 1):
 * the segment's owner must be this user or a trusted uid, and the doorbell's listener that same user with the server
 * pid the segment's header names.
 *
 * Cross-process invariants relied on: the segment's owner (fstat) and the doorbell's listener (SO_PEERCRED) are the
 * kernel's word; a header is written by whoever owns the segment, so its SERVER_PID is only a claim, and an untrusted
 * segment is read with `peek` (pread), never through a mapping its owner could truncate (SIGBUS).
 */
import type { Socket } from 'node:net';
import type { NativeApi } from '../../native/contract.js';
import { SEGMENT_HEADER_LENGTH, SERVER_PID_OFFSET } from '../../layout/index.js';
import { listenerMismatch, socketFd, type Distrust } from './doorbell-owner.js';

/**
 * Why the segment `segment` (its shared-memory name), owned by uid `owner`, is not trusted, or null when `owner` is
 * this process's uid or one of `trustUids`. Never retried: the owner of a name does not change while it exists.
 * @example
 * untrustedOwner(native, 'rxshm.prices', 0, []);
 * // 'the segment is owned by uid 0 (its header names server pid 9), not by this user or a trusted uid (1000)'
 */
export function untrustedOwner(
  native: NativeApi,
  segment: string,
  owner: number,
  trustUids: readonly number[],
): string | null {
  const trusted = [native.identity.uid(), ...trustUids];
  if (trusted.includes(owner)) return null;
  const claim = pidNote(native, segment);
  return `the segment is owned by uid ${owner}${claim}, not by this user or a trusted uid (${trusted.join(', ')})`;
}

/**
 * Why the listener on the connected doorbell `socket` (at `path`) is not the server: not the segment's owner `owner`
 * (final), or not the pid `serverPid` the header names (worth a retry). Null when it is. A listener that cannot be
 * asked is not trusted. Windows gives a pipe socket no fd: there the backend asks who serves `path` instead.
 */
export function distrustedListener(
  native: NativeApi,
  socket: Socket,
  path: string,
  owner: number,
  serverPid: number,
): Distrust | null {
  try {
    const fd = socketFd(socket);
    const pipeServerOf = native.identity.pipeServerOf;
    const listener = fd < 0 && pipeServerOf ? pipeServerOf(path) : native.identity.peerOf(fd);
    if (listener === null) return { retry: true, why: 'nobody serves the doorbell any more' };
    return listenerMismatch(listener, owner, serverPid);
  } catch (error) {
    return { retry: false, why: `cannot tell who listens on the doorbell: ${(error as Error).message}` };
  }
}

/** ` (its header names server pid P)`, read with `peek`, or '' when the header cannot say. */
function pidNote(native: NativeApi, segment: string): string {
  try {
    const head = native.segments.peek(segment, SEGMENT_HEADER_LENGTH);
    if (head.length !== SEGMENT_HEADER_LENGTH) return '';
    const pid = Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32LE(SERVER_PID_OFFSET);
    return pid ? ` (its header names server pid ${pid})` : '';
  } catch {
    return '';
  }
}
