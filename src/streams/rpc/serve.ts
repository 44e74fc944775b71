/**
 * `serve(connection, handlers, options?)`: answer the peer's requests while subscribed.
 *
 * Invariants relied on: every Request is answered exactly once (Response, Error, or nothing after the peer's Cancel,
 * which the requester no longer waits for), with the Request's correlation id; requests that came before serve
 * subscribed wait in the ControlRouter and are answered first, in order; at most one serve per connection.
 */
import { Observable } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { ServeSession, type Handler, type RequestContext, type Served } from './serve-session.js';

export type { Handler, RequestContext, Served };

/** Options of serve. */
export interface ServeOptions {
  /** Most handlers running at once; further requests wait in order. Default Infinity. */
  readonly concurrency?: number;
}

/**
 * A cold observable that, while subscribed, answers every Request frame on `connection` with the handler for its
 * method id (one function for all methods, or an object keyed by method id) and emits a Served record per request.
 * A handler's first value becomes the Response; its error becomes an Error frame whose status is the error's
 * `status` (throw a StatusError) or Status.HandlerError; an unknown method id is answered with Status.NoSuchMethod.
 * The peer's Cancel unsubscribes the handler. Completes when the peer has closed and every request is answered, or
 * when the connection ends however it ends (a client's death never errors a server's serve: `connection.end$` and
 * `errors$` tell how). While subscribed it keeps this side open. Only one serve may be active per connection.
 *
 * @example
 * ```ts
 * serve(connection, { 1: (bytes) => of(bytes.reverse()) }, { concurrency: 16 }).subscribe();
 * ```
 */
export function serve(
  connection: Connection,
  handlers: Handler | Readonly<Record<number, Handler>>,
  options: ServeOptions = {},
): Observable<Served> {
  const concurrency = options.concurrency ?? Infinity;
  if (!(concurrency >= 1)) throw new RangeError(`serve: concurrency must be >= 1: concurrency=${concurrency}`);
  const pick = (method: number): Handler | undefined =>
    typeof handlers === 'function'
      ? handlers
      : Object.prototype.hasOwnProperty.call(handlers, method)
        ? handlers[method]
        : undefined;
  return new Observable<Served>((subscriber) => {
    if (connection.control.has(FrameKind.Request)) {
      subscriber.error(new Error(`serve: channel "${connection.channel}" is already being served`));
      return;
    }
    const session = new ServeSession(connection, pick, concurrency, subscriber);
    const offRequest = connection.control.on(FrameKind.Request, (header, payload) =>
      session.accept(header.correlation, header.method, payload),
    );
    const offCancel = connection.control.on(FrameKind.Cancel, (header) => session.cancel(header.correlation));
    // Requests that arrived before this serve subscribed waited in the router: answer them first, in order.
    for (const request of connection.control.takeWaitingRequests()) {
      session.accept(request.correlation, request.method, request.payload);
    }
    // A server outlives its clients: however the connection ends, serve completes (connection.end$ tells how).
    const offFail = connection.control.onFail(() => subscriber.complete());
    // The peer closed: no request will come, so serve completes once what it runs is answered.
    let peerClosed = false;
    const completeIfIdle = (): void => {
      if (peerClosed && session.running.size === 0 && session.waiting.length === 0) subscriber.complete();
    };
    const offPeerClose = connection.control.onPeerClose(() => {
      peerClosed = true;
      completeIfIdle();
    });
    session.afterAnswer = completeIfIdle;
    const release = connection.retain(); // serving keeps this side open
    return () => {
      release();
      offPeerClose();
      offRequest();
      offCancel();
      offFail();
      session.stop();
    };
  });
}
