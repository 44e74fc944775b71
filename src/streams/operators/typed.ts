/**
 * `typed(codec)` and `typedConnection(connection, codec)`: a Connection of bytes seen as a Subject of values,
 * encoding on `next` and decoding on receive. `typed` maps a stream of connections (`connect(...).pipe(typed(C))`);
 * `typedConnection` wraps one connection already held.
 */
import { Subject, map, type OperatorFunction, type Subscriber, type Subscription } from 'rxjs';
import type * as t from 'io-ts';
import { DecodeError, EncodeError } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { decode } from './decode.js';

/** Options of typed: what a message that fails to decode does (see `decode`). */
export interface TypedOptions {
  /** `'error'` (default): the receive side errors with DecodeError. `'skip'`: the message is dropped, counted in
   * `stats.decodeErrors` and reported on the connection's `errors$`. */
  readonly onError?: 'error' | 'skip';
}

/**
 * A Connection seen through a codec: subscribe to receive A values, `next(a)` to send one. Create one with
 * `typedConnection(connection, codec)` or the `typed(codec)` operator.
 */
export class TypedConnection<A> extends Subject<A> {
  constructor(
    /** The underlying connection (stats, errors$, request, ...). */
    readonly connection: Connection,
    private readonly codec: t.Type<A, Uint8Array, Uint8Array>,
    private readonly options: TypedOptions = {},
  ) {
    super();
  }

  /** Encodes and sends `value`; throws EncodeError naming the failing field (nothing sent) when `codec.is(value)` fails. */
  override next(value: A): void {
    if (!this.codec.is(value)) throw new EncodeError(this.codec, value);
    this.connection.next(this.codec.encode(value));
  }

  /** Sends Close. */
  override complete(): void {
    this.connection.complete();
  }

  override error(error: unknown): void {
    this.connection.error(error);
  }

  /**
   * Subscribing receives decoded values (see Connection for why this method is overridden). A message that does not
   * decode is the peer's failure: under `peerFailure: 'complete'` (listen's connections) it is reported on
   * `errors$`, the connection is closed (the peer gets ConnectionAbortedError) and the receive side completes.
   * @internal
   */
  protected _subscribe(subscriber: Subscriber<A>): Subscription {
    const { connection } = this;
    const report = (error: DecodeError): void => {
      connection.counters.decodeErrors++;
      connection.report(error);
    };
    return connection.pipe(decode(this.codec, { onError: this.options.onError ?? 'error', report })).subscribe({
      next: (value) => subscriber.next(value),
      error: (error) => {
        if (!(error instanceof DecodeError) || connection.peerFailure !== 'complete') return subscriber.error(error);
        connection.counters.decodeErrors++;
        subscriber.complete();
        connection.rejectPeer(error); // reported on errors$ and end$ as the peer's failure
      },
      complete: () => subscriber.complete(),
    });
  }
}

/**
 * Wraps a connection you already hold. (`connection.pipe(typed(C))` does not type-check: a Connection is a stream
 * of messages, and `typed` maps a stream of connections.) The typed view shares the connection: completing it
 * closes the connection, and `stats` and `errors$` stay the connection's (`typed.connection.stats`).
 * @example
 * ```ts
 * listen('orders').pipe(mergeMap((raw) => {
 *   const orders = typedConnection(raw, Order);
 *   return orders.pipe(tap((order) => orders.next({ ...order, filled: true })));
 * })).subscribe();
 * ```
 */
export function typedConnection<A>(
  connection: Connection,
  codec: t.Type<A, Uint8Array, Uint8Array>,
  options: TypedOptions = {},
): TypedConnection<A> {
  return new TypedConnection(connection, codec, options);
}

/**
 * An operator from connections to typed connections.
 * @example
 * ```ts
 * const Price = struct({ symbol: fixedUtf8(8), bid: f64, ask: f64 });
 * connect('prices').pipe(typed(Price), switchMap((prices) => prices)).subscribe((p) => console.log(p.bid));
 * ```
 */
export function typed<A>(
  codec: t.Type<A, Uint8Array, Uint8Array>,
  options: TypedOptions = {},
): OperatorFunction<Connection, TypedConnection<A>> {
  return map((connection) => typedConnection(connection, codec, options));
}
