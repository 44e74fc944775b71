/**
 * Errors of request/response: a timeout carrying the correlation id, the server's Error frame, and the error a
 * handler throws to choose its status. Each extends `RxshmError`, which sets `name` and `code`.
 *
 * Cross-process invariants relied on: a StatusError's `status` and message travel to the client in an Error frame,
 * where they become a RemoteError's `status` and `remoteMessage` (a status outside 1..0xffff is sent as HandlerError);
 * nothing else of an error crosses.
 */
import { RxshmError } from '../../errors/rxshm-error.js';

/** The response did not arrive within `timeout` ms; Cancel was sent and the id freed. Code: `RequestTimeout`. */
export class RequestTimeoutError extends RxshmError<'RequestTimeout'> {
  constructor(
    readonly correlation: number,
    readonly method: number,
    readonly timeout: number,
  ) {
    super('RequestTimeout', `Request ${correlation} (method ${method}) got no response within ${timeout} ms`);
  }
}

/**
 * The server answered with an Error frame: `status` says why (see Status), `remoteMessage` is its text.
 * Code: `Remote` (switch on `status` for the server's reason).
 */
export class RemoteError extends RxshmError<'Remote'> {
  constructor(
    readonly status: number,
    readonly correlation: number,
    readonly method: number,
    readonly remoteMessage: string,
  ) {
    super('Remote', `Request ${correlation} (method ${method}) failed with status ${status}: ${remoteMessage}`);
  }
}

/**
 * Throw (or error with) one of these in a serve handler to answer with a chosen status; the client receives a
 * RemoteError with that `status` and this message. Code: `Status` (the chosen status itself is `status`).
 *
 * @example
 * ```ts
 * const Empty = USER_STATUS_MIN; // an application's own status
 * serve(connection, {
 *   1: (payload) => (payload.length === 0 ? throwError(() => new StatusError(Empty, 'empty payload')) : of(payload)),
 * });
 * ```
 */
export class StatusError extends RxshmError<'Status'> {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('Status', message);
  }
}
