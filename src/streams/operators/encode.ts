/**
 * The `encode` operator: values in, bytes out, each value checked before it is encoded. In-process only: it relies on
 * no cross-process invariant (what it emits is sent as Data frames by whoever subscribes a Connection).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { EncodeError } from '../../codecs/index.js';
import type { BytesCodec } from './bytes-codec.js';

/**
 * Encodes each value with `codec`, a BytesCodec (only its `name`, `is` and `encode` are used, so an encoder without
 * a decoder will do). io-ts `encode` cannot fail and assumes a valid value, so each value is first checked with
 * `codec.is`: an invalid one (an out-of-range int, a too-long fixed string, a wrong type) errors the stream with an
 * `EncodeError`, as does a codec that throws while encoding (e.g. a bigint inside `json`).
 *
 * @example
 * ```ts
 * const Tick = struct({ seq: u32, price: f64 });
 * ticks$.pipe(encode(Tick)).subscribe(connection);
 * ```
 */
export function encode<A>(codec: Pick<BytesCodec<A>, 'name' | 'is' | 'encode'>): OperatorFunction<A, Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) =>
      source.subscribe({
        next: (value) => {
          if (!codec.is(value)) {
            subscriber.error(new EncodeError(codec, value));
            return;
          }
          let bytes: Uint8Array;
          try {
            bytes = codec.encode(value);
          } catch (e) {
            subscriber.error(new EncodeError(codec, value, e));
            return;
          }
          subscriber.next(bytes);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}
