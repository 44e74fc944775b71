/**
 * The error the `encode` operator raises for a value its codec cannot encode.
 */

/**
 * A value failed its codec's `is` (out-of-range int, string too long, wrong type), or the codec threw while
 * encoding (e.g. a bigint inside `json`); `cause` holds what was thrown.
 *
 * @example
 * ```ts
 * encode(u8) applied to 300 errors with EncodeError('Unable to encode u8: value 300 is not a valid u8')
 * ```
 */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  readonly code = 'EncodeError' as const;

  constructor(
    /** The name of the codec. */
    readonly codec: string,
    /** The value that could not be encoded. */
    readonly value: unknown,
    cause?: unknown,
  ) {
    super(
      cause === undefined
        ? `Unable to encode ${codec}: value ${describe(value)} is not a valid ${codec}`
        : `Unable to encode ${codec}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** A short description of a value for the message (never throws, never prints a whole payload). */
function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value !== 'object' || value === null) return String(value);
  return Array.isArray(value) ? `array(${value.length})` : (value.constructor?.name ?? 'object');
}
