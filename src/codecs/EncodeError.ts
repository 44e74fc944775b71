/**
 * The error the `encode` operator, `typed` and `call` raise for a value their codec cannot encode.
 *
 * Cross-process invariants relied on: none; nothing was written when it is raised.
 */
import { RxshmError } from '../errors/rxshm-error.js';
import { invalidPart, type Checkable } from './internal/invalid-part.js';

/**
 * A value failed its codec's `is` (out-of-range int, string too long, wrong type, missing field), or the codec threw
 * while encoding (e.g. a bigint inside `json`); `cause` holds what was thrown. Code: `EncodeError`.
 *
 * Given the codec itself (not only its name), the message names the first failing part, as DecodeError's paths do:
 * `path` is where (`seq`, `pos.x`, `bids[2]`; `''` for the value as a whole), `found` the failing part and
 * `expected` the codec it fails.
 *
 * @example
 * ```ts
 * const Tick = struct({ seq: u32, price: f64 }, 'Tick');
 * new EncodeError(Tick, { seq: -1, price: 1 }).message; // 'Unable to encode Tick: seq: value -1 is not a valid u32'
 * new EncodeError(u8, 300).message;                     // 'Unable to encode u8: value 300 is not a valid u8'
 * ```
 */
export class EncodeError extends RxshmError<'EncodeError'> {
  /** The name of the codec. */
  readonly codec: string;
  /** Where the value fails: `seq`, `pos.x`, `bids[2]`, or `''` for the value as a whole (also after a throw). */
  readonly path: string;
  /** The failing part of `value` (`value` itself when `path` is `''`). */
  readonly found: unknown;
  /** The name of the codec the failing part does not satisfy. */
  readonly expected: string;

  constructor(
    /** The codec (its parts are then searched for the failing one), or only its name. */
    codec: Checkable | string,
    /** The value that could not be encoded. */
    readonly value: unknown,
    cause?: unknown,
  ) {
    const name = typeof codec === 'string' ? codec : codec.name;
    const searchable = typeof codec !== 'string' && cause === undefined;
    const part = searchable ? safely(() => invalidPart(codec, value), null) : null;
    const path = part?.path ?? '';
    const found = part === null ? value : part.value;
    const expected = part?.expected ?? name;
    const where = path === '' ? '' : `${path}: `;
    super(
      'EncodeError',
      cause === undefined
        ? `Unable to encode ${name}: ${where}value ${describe(found)} is not a valid ${expected}`
        : `Unable to encode ${name}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.codec = name;
    this.path = path;
    this.found = found;
    this.expected = expected;
  }
}

/** A short description of a value for the message (never throws, never prints a whole payload). */
function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object' || value === null) return String(value);
  // A prototype-less or hostile object (a throwing getter, a revoked Proxy) may have no usable constructor name.
  return safely(() => {
    if (Array.isArray(value)) return `array(${value.length})`;
    const constructorName: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof constructorName === 'string' && constructorName !== '' ? constructorName : 'object';
  }, 'object');
}

/** `f()`, or `fallback` if it throws: building an error must not throw another one. */
function safely<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}
