/**
 * `request(connection, payload, options)`: one call over a connection; `Connection.request` is this function.
 *
 * Invariants relied on: each request owns its correlation id from the Request frame until its answer, timeout or
 * Cancel (see RequestTable); a pending request keeps its side open (retain); a request that ends unanswered sends
 * Cancel, so the server may stop working on it, and frees its id, so a late answer is dropped, never misdelivered.
 */
import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { SendResult } from '../engine/frame-sink.js';
import { EMPTY_PAYLOAD, type FrameFields } from '../engine/frame-fields.js';
import { ConnectionClosedError, MessageTooLargeError, RingFullError } from '../errors.js';
import { RemoteError, RequestTimeoutError } from './request-errors.js';
import type { RequestTable } from './request-table.js';

/** A short description of a value that is not a payload, for the TypeError. */
const describe = (value: unknown): string =>
  value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;

/** Options of a request. */
export interface RequestOptions {
  /** Method id the server dispatches on (u32). Default 0. */
  readonly method?: number;
  /** Milliseconds to wait for the response before RequestTimeoutError, at most 2^31 - 1. Default (or Infinity): no timeout. */
  readonly timeout?: number;
  /** Scheduler for the timeout (tests inject a virtual one). Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** The longest timeout a timer can hold (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const decoder = new TextDecoder();

/**
 * What a request needs of a connection. Kept narrow so that rpc/ does not import the Connection class back (no
 * import cycle): Connection satisfies it, and tests can pass a stand-in. The plumbing members are internal, as on
 * Connection, so the published declarations of both leave them out alike and a Connection still fits.
 */
export interface RequestPort {
  /** The channel name, for error messages. */
  readonly channel: string;
  /** The largest payload a request may carry. */
  readonly maxMessage: number;
  /** True once this side ended: requests fail with `closedError()`. */
  readonly ended: boolean;
  /** @internal The pending requests of this connection (it owns one table for its whole life). */
  readonly requests: RequestTable;
  /** @internal `peerClosed`: the peer's Close arrived, so no response can come. */
  readonly control: { readonly peerClosed: boolean };
  /** @internal The error a request on the closed side fails with. */
  closedError(): Error;
  /** @internal Keeps the side open while the request is pending; call the returned function to let go. */
  retain(): () => void;
  /** @internal Sends the Request and Cancel frames. */
  sendFrame(header: FrameFields, payload: Uint8Array): SendResult | 'closed';
}

/**
 * Sends a Request frame with a fresh correlation id and returns a cold observable of the Response payload (one
 * value, then complete). Many requests may be in flight; each response reaches exactly its caller. Errors:
 * RequestTimeoutError (with the correlation id) after `timeout`, RemoteError for the server's Error frame,
 * PeerExitedError when the peer dies, ConnectionClosedError when the peer closed before answering, ConnectionClosedError, RingFullError (`reject` policy), MessageTooLargeError.
 * Unsubscribing before the answer sends Cancel and frees the id; a late response is dropped and counted in
 * `stats.lateResponses`.
 *
 * @example
 * ```ts
 * connection.request(new TextEncoder().encode('2+2'), { method: 1, timeout: 1000 }).subscribe((answer) => ...);
 * ```
 */
export function request(
  connection: RequestPort,
  payload: Uint8Array,
  options: RequestOptions = {},
): Observable<Uint8Array> {
  if (!(payload instanceof Uint8Array))
    throw new TypeError(`request: payload must be a Uint8Array, got ${describe(payload)}`);
  const method = options.method ?? 0;
  if (!Number.isInteger(method) || method < 0 || method > 0xffffffff)
    throw new RangeError(`request: method must be a u32: method=${method}`);
  const timeout = options.timeout;
  if (timeout !== undefined && !(timeout >= 0))
    throw new RangeError(`request: timeout must be >= 0 ms: timeout=${timeout}`);
  // A timer cannot hold more: Node would fire it after 1 ms, so such a request would time out at once.
  if (timeout !== undefined && timeout !== Infinity && timeout > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `request: timeout must be at most ${MAX_TIMEOUT_MS} ms, or Infinity for none: timeout=${timeout}`,
    );
  }
  const timed = timeout !== undefined && timeout !== Infinity; // Infinity: no timeout
  return new Observable<Uint8Array>((subscriber) => {
    if (payload.length > connection.maxMessage)
      return subscriber.error(new MessageTooLargeError(payload.length, connection.maxMessage));
    if (connection.ended) return subscriber.error(connection.closedError());
    if (connection.control.peerClosed)
      return subscriber.error(
        new ConnectionClosedError(connection.channel, 'was closed by its peer; no response will come'),
      );
    const table = connection.requests;
    let answered = false;
    const id = table.add({
      response: (bytes) => {
        answered = true;
        subscriber.next(bytes);
        subscriber.complete();
      },
      error: (status, bytes) => {
        answered = true;
        subscriber.error(new RemoteError(status, id, method, decoder.decode(bytes)));
      },
      failed: (error) => {
        answered = true;
        subscriber.error(error);
      },
    });
    let sent: SendResult | 'closed';
    try {
      sent = connection.sendFrame({ kind: FrameKind.Request, status: 0, correlation: id, method }, payload);
    } catch (error) {
      table.delete(id); // refused (e.g. a detached payload: TypeError), nothing sent: nothing stays pending
      throw error;
    }
    if (sent === 'closed' || sent === 'rejected' || sent === 'failed') {
      table.delete(id);
      answered = true;
      subscriber.error(
        sent === 'rejected' ? new RingFullError(connection.channel, payload.length) : connection.closedError(),
      );
      return;
    }
    const cancel = (): unknown =>
      connection.sendFrame({ kind: FrameKind.Cancel, status: 0, correlation: id, method: 0 }, EMPTY_PAYLOAD);
    const release = connection.retain(); // a pending request keeps this side open
    const timer = !timed
      ? null
      : (options.scheduler ?? asyncScheduler).schedule(() => {
          if (answered) return;
          answered = true;
          table.delete(id);
          cancel();
          subscriber.error(new RequestTimeoutError(id, method, timeout));
        }, timeout);
    return () => {
      release();
      timer?.unsubscribe();
      if (!answered && table.delete(id)) cancel();
    };
  });
}
