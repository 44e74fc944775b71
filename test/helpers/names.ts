/**
 * Names the tests create, unique to this test process so suites and concurrent runs never meet: channel names,
 * with `shmLeft` to find the segments they left in /dev/shm, and the raw names the native suites give segments,
 * doorbells and fifos.
 *
 * Invariant: every channel name starts with `t-<pid>-`, so `shmLeft` sees this process's channels and no others.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';

const CHANNEL_PREFIX = `t-${process.pid}-`;
let channels = 0;

/** A channel name no other test (or concurrent run) uses. */
export const channelName = (): string => `${CHANNEL_PREFIX}${++channels}`;

/**
 * Segments of this process's channels left in /dev/shm (a suite ends by asserting there are none). None on Windows,
 * which has no /dev/shm: a section goes with its last handle.
 */
export const shmLeft = (): string[] =>
  process.platform === 'win32' ? [] : readdirSync('/dev/shm').filter((f) => f.startsWith(`rxshm.${CHANNEL_PREFIX}`));

/** A name for a native object (segment, doorbell, fifo) no other run uses; `tag` says what it is for. */
export function nativeName(tag = 'test'): string {
  return `rxshm-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
