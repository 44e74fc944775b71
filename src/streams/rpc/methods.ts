/**
 * Typed request/response: a method contract names a method id and the io-ts codecs of its request and response;
 * `implement` turns a typed function into a serve Handler, `call` makes a typed request.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { Observable, from, map, mergeMap, type ObservableInput } from 'rxjs';
import { type DecodeError, EncodeError, Status, toDecodeError } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { request, type RequestOptions } from './request.js';
import { StatusError } from './request-errors.js';
import type { Handler, RequestContext } from './serve.js';
import type { BytesCodec } from '../operators/bytes-codec.js';

/** A codec between values of A and bytes: one type with what `encode` and `typed` take (operators/bytes-codec.ts). */
export type { BytesCodec };

/** A method id with the codecs of its request (A) and response (B). */
export interface MethodContract<A, B> {
  readonly id: number;
  readonly request: BytesCodec<A>;
  readonly response: BytesCodec<B>;
}

/**
 * Declares a method.
 * @example
 * ```ts
 * const Add = defineMethod(1, struct({ a: f64, b: f64 }), struct({ sum: f64 }));
 * ```
 */
export function defineMethod<A, B>(
  id: number,
  requestCodec: BytesCodec<A>,
  responseCodec: BytesCodec<B>,
): MethodContract<A, B> {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
    throw new RangeError(`defineMethod: id must be a u32: id=${id}`);
  return { id, request: requestCodec, response: responseCodec };
}

/**
 * A serve Handler for `contract`: decodes the request (failure: an Error frame with Status.BadRequest naming the
 * paths), runs `fn`, checks and encodes its answer (an invalid answer: Status.HandlerError).
 * @example
 * ```ts
 * serve(connection, { [Add.id]: implement(Add, ({ a, b }) => of({ sum: a + b })) }).subscribe();
 * ```
 */
export function implement<A, B>(
  contract: MethodContract<A, B>,
  fn: (value: A, context: RequestContext) => ObservableInput<B>,
): Handler {
  return (payload, context) => {
    const decoded = contract.request.decode(payload);
    if (isLeft(decoded)) {
      const error = toDecodeError(contract.request, decoded.left);
      throw new StatusError(Status.BadRequest, `bad request: ${error.paths.join('; ')}`);
    }
    return from(fn(decoded.right, context)).pipe(
      map((value) => {
        if (!contract.response.is(value))
          throw new StatusError(Status.HandlerError, `invalid response for ${contract.response.name}`);
        return contract.response.encode(value);
      }),
    );
  };
}

/**
 * A typed request: encodes `value` (an invalid value errors with EncodeError before anything is sent), sends it as
 * `contract.id`, and decodes the response (a bad response errors with DecodeError).
 * @example
 * ```ts
 * call(connection, Add, { a: 1, b: 2 }, { timeout: 500 }).subscribe(({ sum }) => console.log(sum));
 * ```
 */
export function call<A, B>(
  connection: Connection,
  contract: MethodContract<A, B>,
  value: A,
  options: Omit<RequestOptions, 'method'> = {},
): Observable<B> {
  return new Observable<Uint8Array>((subscriber) => {
    if (!contract.request.is(value)) return subscriber.error(new EncodeError(contract.request, value));
    return request(connection, contract.request.encode(value), { ...options, method: contract.id }).subscribe(
      subscriber,
    );
  }).pipe(
    mergeMap((bytes) => {
      const decoded = contract.response.decode(bytes);
      if (isLeft(decoded)) throw toDecodeError(contract.response, decoded.left);
      return [decoded.right];
    }),
  );
}

export type { DecodeError };
