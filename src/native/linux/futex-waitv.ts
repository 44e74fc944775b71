/**
 * `futex_waitv` (Linux 5.16+): one call off the JS thread that sleeps on up to 128 futex words at once, so a single
 * libuv threadpool thread serves every watched word of the process.
 *
 * Cross-process invariants relied on: without FUTEX2_PRIVATE a word in a MAP_SHARED page is keyed by (inode, offset),
 * so a FUTEX_WAKE from a C or JS peer in another process wakes this wait; the kernel compares every word with its
 * expected value before sleeping, atomically, so a change between the caller's read and the sleep is never lost
 * (`not-equal`). The wait is bounded (absolute CLOCK_MONOTONIC deadline, at most MAX_FUTEX_WAIT_MS), so a pending
 * call cannot keep the process from exiting for longer than that.
 */
import { constants } from 'node:os';
import { MAX_FUTEX_WAIT_MS, MAX_FUTEX_WAITV_WORDS, type FutexWaitAny, type FutexWord } from '../contract.js';
import { errnoName } from '../errors.js';
import { clampTimeout, validateWord } from '../validate.js';
import {
  addressOf,
  CLOCK_MONOTONIC,
  FUTEX2_SIZE_U32,
  lastErrno,
  libc,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  mapFailedAddress,
  PROT_READ,
  PROT_WRITE,
  SYS_FUTEX_WAITV,
  viewOf,
} from './libc.js';

/** sizeof(struct futex_waitv): u64 val, u64 uaddr, u32 flags, u32 reserved. */
const WAITER_LENGTH = 24;
/** Where the timeout (struct timespec, two i64) sits in a scratch page, after the largest waiter array. */
const TIMEOUT_OFFSET = MAX_FUTEX_WAITV_WORDS * WAITER_LENGTH;
const SCRATCH_LENGTH = 4096;

/** Native memory for one call's arguments: koffi passes its address, so no JS buffer has to outlive the call. */
interface Scratch {
  readonly address: bigint;
  readonly view: DataView;
}

/** Pages of finished calls, reused; a few at most (one per concurrent call), never unmapped. */
const idle: Scratch[] = [];
/** Set once the kernel answered ENOSYS: every later call resolves `unsupported` at once. */
let missing = false;

function takeScratch(): Scratch {
  const reused = idle.pop();
  if (reused !== undefined) return reused;
  const c = libc();
  const address = addressOf(c.mmap(null, SCRATCH_LENGTH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (address === mapFailedAddress() || address === 0n)
    throw new Error(`futex_waitv: no memory for its arguments (${errnoName(lastErrno())})`);
  return { address, view: new DataView(viewOf(address, SCRATCH_LENGTH)) };
}

/** Writes the waiter array and the absolute deadline into `scratch`. */
function fill(scratch: Scratch, words: readonly FutexWord[], timeoutMs: number): void {
  const { view } = scratch;
  words.forEach(({ segment, byteOffset, expected }, i) => {
    const at = i * WAITER_LENGTH;
    view.setBigUint64(at, BigInt(expected >>> 0), true);
    view.setBigUint64(at + 8, segment.address + BigInt(byteOffset), true);
    view.setUint32(at + 16, FUTEX2_SIZE_U32, true);
    view.setUint32(at + 20, 0, true);
  });
  // process.hrtime is libuv's uv_hrtime: CLOCK_MONOTONIC on Linux, the clock passed to the call.
  const deadline = process.hrtime.bigint() + BigInt(Math.round(clampTimeout(timeoutMs, MAX_FUTEX_WAIT_MS) * 1e6));
  view.setBigInt64(TIMEOUT_OFFSET, deadline / 1_000_000_000n, true);
  view.setBigInt64(TIMEOUT_OFFSET + 8, deadline % 1_000_000_000n, true);
}

/**
 * `waitAny` for the Linux backend.
 * @example
 * const result = await linuxWaitAny.waitAny([{ segment, byteOffset: 0, expected: 0 }], 100);
 */
export const linuxWaitAny: FutexWaitAny = {
  waitAny(words, timeoutMs) {
    if (missing) return Promise.resolve('unsupported');
    let scratch: Scratch;
    try {
      if (words.length < 1 || words.length > MAX_FUTEX_WAITV_WORDS)
        throw new RangeError(`futex waitAny: ${words.length} words, expected 1..${MAX_FUTEX_WAITV_WORDS}`);
      for (const word of words) validateWord(word.segment, word.byteOffset);
      scratch = takeScratch();
    } catch (error) {
      return Promise.reject(error);
    }
    fill(scratch, words, timeoutMs);
    const timeout = scratch.address + BigInt(TIMEOUT_OFFSET);
    return new Promise((resolve, reject) => {
      libc().futexWaitv.async(SYS_FUTEX_WAITV, scratch.address, words.length, 0, timeout, CLOCK_MONOTONIC, (err, r) => {
        idle.push(scratch);
        if (err) return reject(err);
        if (Number(r) >= 0) return resolve('woken');
        const errno = lastErrno();
        if (errno === constants.errno.ETIMEDOUT) return resolve('timeout');
        if (errno === constants.errno.EAGAIN) return resolve('not-equal');
        // EINTR: a signal cut the sleep short; callers re-read their words anyway.
        if (errno === constants.errno.EINTR) return resolve('woken');
        if (errno === constants.errno.ENOSYS) {
          missing = true;
          return resolve('unsupported');
        }
        reject(new Error(`futex_waitv failed (${errnoName(errno)})`));
      });
    });
  },
};
