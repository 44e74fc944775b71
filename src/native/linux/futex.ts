/**
 * Futex wake-ups on Linux: `syscall(SYS_futex, addr, FUTEX_WAIT | FUTEX_WAKE, ...)` on a word inside a segment.
 *
 * Cross-process invariants relied on: FUTEX_WAIT/WAKE without FUTEX_PRIVATE_FLAG on a MAP_SHARED page key the word
 * by (inode, offset), so a C or JS peer in another process wakes us. The kernel compares the word and sleeps
 * atomically, so a wake between our check and our sleep is never lost (`not-equal`).
 *
 * A wait runs as a koffi `.async` call on the libuv threadpool (4 threads by default): it holds one thread for up to
 * MAX_FUTEX_WAIT_MS, which bounds how long it can delay exit or starve `fs`/`dns`. Never park one wait per channel.
 */
import { constants } from 'node:os';
import { MAX_FUTEX_WAIT_MS, type FutexApi, type FutexWaitResult, type Segment } from '../contract.js';
import { errnoName } from '../errors.js';
import { clampTimeout, validateWord } from '../validate.js';
import { FUTEX_WAIT, FUTEX_WAKE, lastErrno, libc, type Timespec } from './libc.js';

function timespec(ms: number): Timespec {
  const whole = Math.floor(ms);
  return {
    tv_sec: Math.floor(whole / 1000),
    tv_nsec: (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000),
  };
}

/**
 * The Linux futex API for a given syscall number.
 * @example
 * const futex = linuxFutex(202);
 * const r = await futex.wait(seg, 0, 0, 100); // 'woken' | 'timeout' | 'not-equal'
 */
export function linuxFutex(sysFutex: number): FutexApi {
  return {
    wake(segment: Segment, byteOffset: number, count: number): number {
      validateWord(segment, byteOffset);
      if (!Number.isSafeInteger(count) || count < 0)
        throw new RangeError(`invalid futex wake count: count=${String(count)}`);
      const woken = libc().futex(
        sysFutex,
        segment.address + BigInt(byteOffset),
        FUTEX_WAKE,
        Math.min(count, 0x7fffffff),
        null,
        null,
        0,
      );
      if (woken < 0) throw new Error(`futex wake failed (${errnoName(lastErrno())})`);
      return Number(woken);
    },

    wait(segment: Segment, byteOffset: number, expected: number, timeoutMs: number): Promise<FutexWaitResult> {
      try {
        validateWord(segment, byteOffset);
      } catch (error) {
        return Promise.reject(error);
      }
      const timeout = timespec(clampTimeout(timeoutMs, MAX_FUTEX_WAIT_MS));
      const address = segment.address + BigInt(byteOffset);
      return new Promise((resolve, reject) => {
        libc().futex.async(sysFutex, address, FUTEX_WAIT, expected | 0, timeout, null, 0, (err, result) => {
          if (err) return reject(err);
          if (Number(result) === 0) return resolve('woken');
          // koffi saves errno of the async call for its callback.
          const errno = lastErrno();
          if (errno === constants.errno.ETIMEDOUT) return resolve('timeout');
          if (errno === constants.errno.EAGAIN) return resolve('not-equal');
          // EINTR: a signal cut the sleep short; report a (spurious) wake-up, callers re-check the word anyway.
          if (errno === constants.errno.EINTR) return resolve('woken');
          reject(new Error(`futex wait failed (${errnoName(errno)})`));
        });
      });
    },
  };
}
