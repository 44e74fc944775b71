/**
 * The error a stream raises (or reports) when a message fails to decode. No rxjs here: the stream operators import
 * it, and so can anything that decodes at a boundary.
 *
 * Cross-process invariants relied on: none; it describes bytes this process could not decode.
 */
import type * as t from 'io-ts';
import { isRight, left } from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { RxshmError } from '../errors/rxshm-error.js';

/**
 * A decode failure: the io-ts `errors` and their readable lines (`paths`, from PathReporter). Code: `DecodeError`.
 *
 * @example
 * ```ts
 * catchError((e) => (e instanceof DecodeError ? of(fallback) : throwError(() => e)));
 * ```
 */
export class DecodeError extends RxshmError<'DecodeError'> {
  /** The readable form of each error: PathReporter's lines. */
  readonly paths: string[];

  constructor(
    /** The name of the codec that failed. */
    readonly codec: string,
    /** The io-ts errors, with contexts and values. */
    readonly errors: t.Errors,
  ) {
    const paths = PathReporter.report(left(errors));
    const more = paths.length > 1 ? ` (and ${paths.length - 1} more)` : '';
    super('DecodeError', `Unable to decode ${codec}: ${paths[0] ?? 'unknown error'}${more}`);
    this.paths = paths;
  }
}

/**
 * Wraps io-ts errors in a `DecodeError`.
 *
 * @example
 * ```ts
 * const result = codec.decode(bytes);
 * if (isLeft(result)) subscriber.error(toDecodeError(codec, result.left));
 * ```
 */
export function toDecodeError(codec: { readonly name: string }, errors: t.Errors): DecodeError {
  return new DecodeError(codec.name, errors);
}

/**
 * Decodes or throws a `DecodeError`, for boundaries where an exception is the right signal.
 *
 * @example
 * ```ts
 * const frame = decodeOrThrow(FrameC, bytes);
 * ```
 */
export function decodeOrThrow<A, I>(codec: t.Decoder<I, A>, input: I): A {
  const result = codec.decode(input);
  if (isRight(result)) return result.right;
  throw toDecodeError(codec, result.left);
}
