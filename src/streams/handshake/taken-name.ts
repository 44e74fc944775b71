/**
 * What listen() finds when a channel's name is already taken: its own stale segment (take it over), a live server
 * (AlreadyServing), or a squatter (a segment of another user, or a doorbell held by a process that is not the
 * segment's server), named by uid and pid.
 *
 * Cross-process invariants relied on: the segment's owner (lstat) and the doorbell's listener (SO_PEERCRED) are the
 * kernel's word; the header's pids are a claim, read with `peek` (never mapped: a squatter truncating its file
 * would SIGBUS a mapping). Only a segment owned by this user is ever unlinked.
 */
import type { NativeApi } from '../../native/contract.js';
import {
  CREATOR_PID_OFFSET,
  MAGIC_OFFSET,
  SEGMENT_HEADER_LENGTH,
  SEGMENT_MAGIC,
  SERVER_PID_OFFSET,
} from '../../layout/index.js';
import { probeDoorbell, who } from './doorbell-owner.js';

/** A live pid with nobody on the doorbell is probed once more after this long: a server between create and listen. */
const RECHECK_MS = 100;

/** What to do with a taken name. */
export type TakenName =
  | { readonly kind: 'gone' } // it vanished meanwhile: create it
  | { readonly kind: 'stale' } // this user's, and nobody serves it: unlink and create
  | { readonly kind: 'serving'; readonly why: string }
  | { readonly kind: 'squatted'; readonly why: string };

/** The server pid a segment's header claims (SERVER_PID, else CREATOR_PID), or why there is none. */
function claimedPid(native: NativeApi, name: string): { pid: number; dead: boolean; note: string } {
  let head: Uint8Array;
  try {
    head = native.segments.peek(name, SEGMENT_HEADER_LENGTH);
  } catch (error) {
    return {
      pid: 0,
      dead: false,
      note: `its header cannot be read (${(error as { code?: string }).code ?? (error as Error).message})`,
    };
  }
  if (head.length < SEGMENT_HEADER_LENGTH)
    return { pid: 0, dead: false, note: `it is not a channel segment (${head.length} bytes)` };
  const data = new DataView(head.buffer, head.byteOffset, head.length);
  if (data.getUint32(MAGIC_OFFSET, true) !== SEGMENT_MAGIC)
    return { pid: 0, dead: false, note: 'it is not a channel segment (bad magic)' };
  const pid = data.getUint32(SERVER_PID_OFFSET, true) || data.getUint32(CREATOR_PID_OFFSET, true);
  if (pid === 0 || pid > 0x7fffffff) return { pid: 0, dead: false, note: 'its header names no server pid' };
  const state = native.processes.state(pid);
  return {
    pid: state === 'running' ? pid : 0,
    dead: state === 'exited',
    note: `its header names server pid ${pid} (${state})`,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Looks at who holds `segment` (the channel's segment name) and its doorbell `path`. Rejects only when the doorbell
 * cannot be probed (e.g. a full backlog) or the segment's owner cannot be read.
 */
export async function inspectTakenName(native: NativeApi, segment: string, path: string): Promise<TakenName> {
  let owner: number;
  try {
    owner = native.segments.ownerOf(segment);
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFound') return { kind: 'gone' };
    throw error;
  }
  const me = native.identity.uid();
  let claim = claimedPid(native, segment);
  let holder = await probeDoorbell(native, path);
  const doorbell = (): string => (holder ? `the doorbell is held by ${who(holder)}` : 'nobody listens on the doorbell');
  if (owner !== me) {
    return {
      kind: 'squatted',
      why:
        `shared memory "${segment}" belongs to uid ${owner}, not to this user (uid ${me}), and is never taken over; ` +
        `${claim.note}; ${doorbell()}`,
    };
  }
  if (holder === null && !claim.dead) {
    // A server that just created the segment may not have initialised it or be listening yet: look again before
    // calling the segment stale (a dead server's is stale at once).
    await sleep(RECHECK_MS);
    claim = claimedPid(native, segment);
    holder = await probeDoorbell(native, path);
  }
  if (holder === null) return { kind: 'stale' };
  if (holder.uid === me && holder.pid === claim.pid)
    return { kind: 'serving', why: `process ${holder.pid} already serves it` };
  return {
    kind: 'squatted',
    why: `${doorbell()}, which is not the server of shared memory "${segment}" (${claim.note})`,
  };
}
