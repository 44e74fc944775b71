/**
 * Channel options: a config object over DEFAULT_* values, validated at creation (bad values throw
 * ChannelOptionsError before anything is mapped).
 *
 * Cross-process invariants: the geometry (ringCapacity, maxMessage) is the creator's: the server writes it into the
 * segment header and a client takes it from there, whatever it asked for. Every other option is this side's own.
 */
import type { NativeApi } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import { isValidCapacity, maxPayloadFor, type OverflowPolicy } from '../../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../../codecs/index.js';
import { ChannelOptionsError } from '../errors.js';

/** How a receiver waits for data: spin, then poll once per event-loop turn, then park. */
export interface WaitStrategy {
  /** Busy-poll synchronously for up to this many µs after the last activity (blocks the event loop). */
  readonly spinMicros?: number;
  /** Then check once per event-loop turn for up to this many µs after the last activity. */
  readonly pollMicros?: number;
}

/** How received messages are handed over (see ChannelOptions.receive). */
export type ReceiveMode = 'copy' | 'borrow' | 'pooled';

/** Options common to listen, connect and spawnConnected. */
export interface ChannelOptions {
  /** Data bytes of each ring (power of two, 1 KiB to 1 GiB). Default 2 MiB. The server's choice wins. */
  readonly ringCapacity?: number;
  /**
   * Largest message in bytes, from 1 to `ringCapacity - 24` (a record header of 8 and a frame header of 16 share
   * the ring with it). Default 64 KiB, or `ringCapacity - 24` for rings of 64 KiB and less. Larger sends throw
   * MessageTooLargeError and send nothing. The server's choice wins.
   */
  readonly maxMessage?: number;
  /** What a send does when the ring is full. Default `block`. */
  readonly overflow?: OverflowPolicy;
  /** Receive-side waiting. Default `{ spinMicros: 0, pollMicros: 2000 }`. */
  readonly wait?: WaitStrategy;
  /** `copy` (default): each message is a fresh Uint8Array, safe to keep. `borrow`: a view into the ring, valid only
   * during the synchronous `next` call that delivers it. `pooled`: copies of 1 KiB and more come from buffers the
   * user gives back with `recycle(message)` when done (a stream of large messages reuses a few buffers). */
  readonly receive?: ReceiveMode;
  /** Under `block`, bytes queued locally beyond which `writable` turns false. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** connect: how long to wait for the server (ms). Default 5000. */
  readonly timeout?: number;
  /**
   * connect: uids besides this process's own whose servers it trusts (e.g. `[0]` for a service run by root).
   * Whoever it trusts, the segment's owner must also be the user listening on the doorbell, as the server pid the
   * segment names. Default `[]`: only this user's servers.
   */
  readonly trustUids?: readonly number[];
  /** The native backend (for tests: a fake). Default: this OS's. */
  readonly native?: NativeApi;
}

/** Default `ringCapacity`: 2 MiB of data per ring. */
export const DEFAULT_RING_CAPACITY = 2 * 1024 * 1024;
/** Default `maxMessage`: 64 KiB (less for rings of 64 KiB and less: `ringCapacity - 24`). */
export const DEFAULT_MAX_MESSAGE = 64 * 1024;
/** Default `overflow`: a send to a full ring waits for room. */
export const DEFAULT_OVERFLOW: OverflowPolicy = 'block';
/** Default `wait.spinMicros`: no busy polling. */
export const DEFAULT_SPIN_MICROS = 0;
/** Default `wait.pollMicros`: check once per event-loop turn for 2 ms after the last activity, then park. */
export const DEFAULT_POLL_MICROS = 2000;
/** Default `highWaterMark`: 1 MiB queued locally before `writable` turns false. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** Default `timeout` of connect: 5000 ms. */
export const DEFAULT_CONNECT_TIMEOUT = 5000;

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly ringCapacity: number;
  readonly maxMessage: number;
  readonly overflow: OverflowPolicy;
  readonly spinMicros: number;
  readonly pollMicros: number;
  readonly receive: ReceiveMode;
  readonly highWaterMark: number;
  readonly timeout: number;
  readonly trustUids: readonly number[];
  /** Offers this thread's core to a ready peer (the backend's `processes.yieldCpu`; see wait-loop.ts). */
  readonly yieldCpu: () => void;
  /** Keeps freed C heap memory for reuse in this process (the backend's `heap.retainFreed`, where it has one). */
  readonly retainFreedHeap: () => void;
}

const fail = (key: string, value: unknown, why: string): never => {
  throw new ChannelOptionsError(`invalid option ${key}=${show(value)}: ${why}`);
};

const nonNegative = (key: string, value: number): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? value
    : fail(key, value, 'must be a finite number >= 0');

/** A uid: an integer from 0 to 2^32 - 2 ((uid_t)-1 means "no uid"). */
const isUid = (value: unknown): boolean =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xfffffffe;

const uids = (value: unknown): readonly number[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('trustUids', value, 'must be an array of uids or undefined');
  for (let i = 0; i < value.length; i++) {
    if (!isUid(value[i])) fail(`trustUids[${i}]`, value[i], 'must be an integer uid from 0 to 4294967294');
  }
  return Object.freeze([...(value as number[])]);
};

const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Largest message a ring of `ringCapacity` bytes carries: one record (8-byte header) holding one frame (16-byte
 * header) and the message, so `ringCapacity - 24`.
 * @example
 * maxMessageFor(1024); // 1000
 */
export function maxMessageFor(ringCapacity: number): number {
  return maxPayloadFor(ringCapacity) - FRAME_HEADER_LENGTH;
}

/**
 * Applies defaults and checks every value; throws ChannelOptionsError on the first bad one.
 * @example
 * resolveOptions({ ringCapacity: 1024 }).maxMessage; // 1000: the 64 KiB default, clamped to what the ring holds
 */
export function resolveOptions(options: ChannelOptions = {}): ResolvedOptions {
  // `null` skips the parameter default: without this check it would be a TypeError, not a ChannelOptionsError.
  if (!isObject(options)) fail('options', options, 'must be an object or undefined');
  if (options.wait !== undefined && !isObject(options.wait))
    fail('wait', options.wait, 'must be an object or undefined');
  const { native } = options;
  if (
    native !== undefined &&
    (!isObject(native) || !isObject(native.segments) || typeof native.doorbellPath !== 'function')
  ) {
    fail('native', native, 'must be a NativeApi (segments, processes, futex, doorbellPath)');
  }
  const ringCapacity = options.ringCapacity ?? DEFAULT_RING_CAPACITY;
  if (!isValidCapacity(ringCapacity)) fail('ringCapacity', ringCapacity, 'must be a power of two from 1024 to 2^30');
  const limit = maxMessageFor(ringCapacity);
  const maxMessage = options.maxMessage ?? Math.min(DEFAULT_MAX_MESSAGE, limit);
  if (!Number.isInteger(maxMessage) || maxMessage < 1 || maxMessage > limit) {
    fail('maxMessage', maxMessage, `must be an integer from 1 to ${limit} for ringCapacity=${ringCapacity}`);
  }
  const overflow = options.overflow ?? DEFAULT_OVERFLOW;
  if (overflow !== 'block' && overflow !== 'drop-oldest' && overflow !== 'reject') {
    fail('overflow', overflow, "must be 'block', 'drop-oldest' or 'reject'");
  }
  const receive = options.receive ?? 'copy';
  if (receive !== 'copy' && receive !== 'borrow' && receive !== 'pooled') {
    fail('receive', receive, "must be 'copy', 'borrow' or 'pooled'");
  }
  return {
    ringCapacity,
    maxMessage,
    overflow,
    receive,
    spinMicros: nonNegative('wait.spinMicros', options.wait?.spinMicros ?? DEFAULT_SPIN_MICROS),
    pollMicros: nonNegative('wait.pollMicros', options.wait?.pollMicros ?? DEFAULT_POLL_MICROS),
    highWaterMark: nonNegative('highWaterMark', options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK),
    timeout: nonNegative('timeout', options.timeout ?? DEFAULT_CONNECT_TIMEOUT),
    trustUids: uids(options.trustUids),
    yieldCpu: () => (native ?? defaultNative).processes.yieldCpu(),
    retainFreedHeap: () => void (native ?? defaultNative).heap?.retainFreed(),
  };
}

/** A value for a message: primitives as they are (strings cut), objects by kind (their toString may throw). */
function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 64 ? `${value.slice(0, 64)}…` : value;
  if (typeof value === 'function') return 'function';
  if (typeof value !== 'object' || value === null) return String(value);
  return Array.isArray(value) ? 'array' : 'object';
}
