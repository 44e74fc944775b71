/**
 * Process liveness on Linux: `kill(pid, 0)` says whether the pid exists, `/proc/<pid>/stat` whether it is a zombie;
 * and `sched_yield` for a polling side that must let a peer on its core run.
 *
 * Cross-process invariant relied on: a peer that died but was not yet reaped by its parent still has a pid (a
 * zombie); it runs no code, so it counts as exited. Caveat: pids are reused, so a pid read long after the peer
 * died may name an unrelated process; pair it with a heartbeat in shared memory.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { ProcessApi, ProcessState } from '../contract.js';
import { validatePid } from '../validate.js';
import { lastErrno, libc } from './libc.js';

/** True when /proc says the process is a zombie (Z) or dead (X), or is already gone. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return true; // reaped between kill() and here
  }
  // "pid (comm) S ...": comm may contain spaces and parentheses, so the state follows the LAST ')'.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}

/**
 * Linux process liveness (`state` throws RangeError for a pid that is not a positive integer) and yielding.
 * @example
 * linuxProcesses.state(process.pid); // 'running'
 */
export const linuxProcesses: ProcessApi = {
  state(pid: number): ProcessState {
    validatePid(pid);
    // EPERM: the process exists but belongs to another user; it is alive all the same.
    if (libc().kill(pid, 0) !== 0 && lastErrno() !== constants.errno.EPERM) return 'exited';
    return isZombie(pid) ? 'exited' : 'running';
  },
  yieldCpu(): void {
    libc().sched_yield(); // cannot fail on Linux (it always returns 0)
  },
};
