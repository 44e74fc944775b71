/**
 * Process liveness on Windows: `OpenProcess` says whether the pid names a process, `WaitForSingleObject(h, 0)` whether
 * it has ended (a process object is signalled once it exits, even while someone still holds a handle to it); and
 * `SwitchToThread` for a polling side that must let a peer on its processor run.
 *
 * Cross-process invariant relied on: a pid names no process once the last handle to the exited process is closed;
 * while one is open, the pid names the exited process (OpenProcess succeeds) and the wait says it has ended.
 * Caveat: pids are reused, as on Linux.
 */
import type { ProcessApi, ProcessState } from '../contract.js';
import { validatePid } from '../validate.js';
import { addressOf, kernel32, PROCESS_QUERY_LIMITED_INFORMATION, SYNCHRONIZE, WAIT_OBJECT_0 } from './kernel32.js';
import { ERROR_ACCESS_DENIED } from './win32-errors.js';

/**
 * Windows process liveness (`state` throws RangeError for a pid that is not a positive integer) and yielding.
 * @example
 * win32Processes.state(process.pid); // 'running'
 */
export const win32Processes: ProcessApi = {
  state(pid: number): ProcessState {
    validatePid(pid);
    const k = kernel32();
    const handle = k.OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
    if (addressOf(handle) === 0n) {
      // Access denied: the process exists but belongs to someone this process may not inspect; it is alive all the
      // same. Any other refusal (ERROR_INVALID_PARAMETER) means no such process.
      return k.GetLastError() === ERROR_ACCESS_DENIED ? 'running' : 'exited';
    }
    try {
      return k.WaitForSingleObject(handle, 0) === WAIT_OBJECT_0 ? 'exited' : 'running';
    } finally {
      k.CloseHandle(handle);
    }
  },
  yieldCpu(): void {
    kernel32().SwitchToThread(); // false only when no other thread was ready: nothing to do then
  },
};
