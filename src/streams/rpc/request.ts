/**
 * `request(connection, payload, options)`: one call over a connection; `Connection.request` is this function.
 *
 * Invariants relied on: each request owns its correlation id from the Request frame until its answer, timeout or
 * Cancel (see RequestTable); a pending request keeps its side open (retain); a request that ends unanswered sends
 * Cancel, so the server may stop working on it, and frees its id, so a late answer is dropped, never misdelivered.
 */
import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { SendResult } from '../engine/frame-sink.js';
import { ConnectionClosedError, MessageTooLargeError, RingFullError } from '../errors.js';
import { PendingCall, type RequestPort } from './pending-call.js';

/** A short description of a value that is not a payload, for the TypeError. */
const describe = (value: unknown): string =>
  value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;

/** Options of a request. */
export interface RequestOptions {
  /** Method id the server dispatches on (u32). Default 0. */
  readonly method?: number;
  /** Milliseconds to wait for the response before RequestTimeoutError, at most 2^31 - 1. Default (or Infinity): no timeout. */
  readonly timeout?: number;
  /** Scheduler for the timeout (tests inject a virtual one). Default: one plain timer per timed request. */
  readonly scheduler?: SchedulerLike;
}

/** The longest timeout a timer can hold (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export type { RequestPort };

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
  if (!(payload instanceof Uint8Array)) throw notAPayload(payload);
  const method = options.method ?? 0;
  if (!Number.isInteger(method) || method < 0 || method > 0xffffffff) throw badMethod(method);
  const timeout = options.timeout;
  // A timer cannot hold more than MAX_TIMEOUT_MS: Node would fire it after 1 ms, so the request would time out at once.
  if (timeout !== undefined && !(timeout >= 0 && (timeout <= MAX_TIMEOUT_MS || timeout === Infinity)))
    throw badTimeout(timeout);
  const timed = timeout !== undefined && timeout !== Infinity; // Infinity: no timeout
  const scheduler = options.scheduler;
  return new Observable<Uint8Array>((subscriber) =>
    start(connection, payload, method, timed ? timeout : -1, scheduler, subscriber),
  );
}

/** Sends the Request of one subscription; returns its teardown (the pending call), or nothing once it failed. */
function start(
  connection: RequestPort,
  payload: Uint8Array,
  method: number,
  timeout: number,
  scheduler: SchedulerLike | undefined,
  subscriber: Subscriber<Uint8Array>,
): PendingCall | void {
  if (payload.length > connection.maxMessage)
    return subscriber.error(new MessageTooLargeError(payload.length, connection.maxMessage));
  if (connection.ended) return subscriber.error(connection.closedError());
  if (connection.control.peerClosed)
    return subscriber.error(
      new ConnectionClosedError(connection.channel, 'was closed by its peer; no response will come'),
    );
  const table = connection.requests;
  const call = new PendingCall(connection, subscriber, method);
  // The table keeps this side open (one retain) while any request is pending.
  const id = (call.id = table.add(call, connection));
  let sent: SendResult | 'closed';
  try {
    sent = connection.sendFrame({ kind: FrameKind.Request, status: 0, correlation: id, method }, payload);
  } catch (error) {
    table.delete(id); // refused (e.g. a detached payload: TypeError), nothing sent: nothing stays pending
    throw error;
  }
  if (sent === 'closed' || sent === 'rejected' || sent === 'failed') {
    table.delete(id);
    return subscriber.error(
      sent === 'rejected' ? new RingFullError(connection.channel, payload.length) : connection.closedError(),
    );
  }
  if (timeout >= 0) call.startTimer(timeout, scheduler);
  return call;
}

// The errors of request()'s checks are built in functions of their own: a template literal inside the function
// every call runs had V8 convert its numbers to strings on every call, thrown or not (see layout/ring-view.ts).

function notAPayload(payload: unknown): TypeError {
  return new TypeError(`request: payload must be a Uint8Array, got ${describe(payload)}`);
}

function badMethod(method: number): RangeError {
  return new RangeError(`request: method must be a u32: method=${method}`);
}

function badTimeout(timeout: number): RangeError {
  return timeout >= 0
    ? new RangeError(`request: timeout must be at most ${MAX_TIMEOUT_MS} ms, or Infinity for none: timeout=${timeout}`)
    : new RangeError(`request: timeout must be >= 0 ms: timeout=${timeout}`);
}
