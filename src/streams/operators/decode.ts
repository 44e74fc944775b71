/**
 * The `decode` operator: bytes in, validated values out.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type * as t from 'io-ts';
import { toDecodeError, type DecodeError } from '../../codecs/index.js';

/** Options of `decode`. */
export interface DecodeOptions {
  /**
   * What a message that fails to decode does: `'error'` (default) errors the stream with a `DecodeError`;
   * `'skip'` drops the message, hands the error to `report`, and goes on.
   */
  readonly onError?: 'error' | 'skip';
  /** Called with each dropped message's error under `onError: 'skip'` (a Connection wires its errors stream here). */
  readonly report?: (error: DecodeError) => void;
}

/** The defaults of `decode`. */
export const DEFAULT_DECODE_OPTIONS = { onError: 'error' } as const satisfies DecodeOptions;

/**
 * Decodes each message with `codec`.
 *
 * Bad configuration throws at once; run-time failures (a bad message under `'error'`, a codec or `report` that
 * throws) go through `subscriber.error`.
 *
 * @example
 * ```ts
 * const Order = t.type({ id: t.string, price: t.number });
 * connection.pipe(decode(json(Order), { onError: 'skip', report: (e) => console.warn(e.paths) }))
 *   .subscribe((order) => console.log(order.price));
 * ```
 */
export function decode<A>(
  codec: t.Decoder<Uint8Array, A>,
  options: DecodeOptions = {},
): OperatorFunction<Uint8Array, A> {
  const { onError, report } = { ...DEFAULT_DECODE_OPTIONS, ...options };
  if (onError !== 'error' && onError !== 'skip') {
    throw new TypeError(`decode: invalid option onError=${String(onError)}, expected 'error' or 'skip'`);
  }
  if (report !== undefined && typeof report !== 'function')
    throw new TypeError(`decode: invalid option report=${String(report)}`);
  return (source) =>
    new Observable<A>((subscriber) =>
      source.subscribe({
        next: (bytes) => {
          // A throwing codec or report is a bug we surface on this stream, not as an unhandled error elsewhere.
          try {
            const result = codec.decode(bytes);
            if (result._tag === 'Right') {
              subscriber.next(result.right);
              return;
            }
            const error = toDecodeError(codec, result.left);
            if (onError === 'error') subscriber.error(error);
            else report?.(error);
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}
