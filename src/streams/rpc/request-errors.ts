/** Errors of request/response: a timeout carrying the correlation id, and the server's Error frame. */

/** The response did not arrive within `timeout` ms; Cancel was sent and the id freed. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'RequestTimeout';
  constructor(
    readonly correlation: number,
    readonly method: number,
    readonly timeout: number,
  ) {
    super(`Request ${correlation} (method ${method}) got no response within ${timeout} ms`);
  }
}

/** The server answered with an Error frame: `status` says why (see Status), `message` is its text. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly code = 'Remote';
  constructor(
    readonly status: number,
    readonly correlation: number,
    readonly method: number,
    readonly remoteMessage: string,
  ) {
    super(`Request ${correlation} (method ${method}) failed with status ${status}: ${remoteMessage}`);
  }
}

/** Throw (or error with) one of these in a serve handler to answer with a chosen status. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
