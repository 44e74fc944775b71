/**
 * `serve(connection, handlers, options?)`: answer the peer's requests while subscribed.
 *
 * Invariants relied on: every Request is answered exactly once (Response, Error, or nothing after the peer's Cancel,
 * which the requester no longer waits for), with the Request's correlation id; requests that came before serve
 * subscribed wait in the ControlRouter and are answered first, in order; at most one serve per connection.
 */
import { Observable, from, type ObservableInput, type Subscription } from 'rxjs';
import { FrameKind, Status } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { StatusError } from './request-errors.js';

/** What a handler knows of the request it answers. */
export interface RequestContext {
  readonly method: number;
  readonly correlation: number;
  readonly connection: Connection;
}

/** Answers one request: its first value is the Response (none: an empty Response); its error an Error frame. */
export type Handler = (payload: Uint8Array, context: RequestContext) => ObservableInput<Uint8Array>;

/** Options of serve. */
export interface ServeOptions {
  /** Most handlers running at once; further requests wait in order. Default Infinity. */
  readonly concurrency?: number;
}

/** One answered request, as serve emits it. */
export interface Served {
  readonly method: number;
  readonly correlation: number;
  /** Status.Ok for a Response; the Error frame's status otherwise; Status.Cancelled when the peer cancelled. */
  readonly status: number;
}

interface Incoming {
  readonly correlation: number;
  readonly method: number;
  readonly payload: Uint8Array;
}

const encoder = new TextEncoder();

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
    let afterAnswer = (): void => undefined;
    const running = new Map<number, { readonly method: number; readonly subscription: Subscription }>();
    const waiting: Incoming[] = [];
    type AnswerKind = typeof FrameKind.Response | typeof FrameKind.Error;
    const finish = (request: Incoming, status: number, kind: AnswerKind, payload: Uint8Array): void => {
      running.delete(request.correlation);
      try {
        // Only Error frames carry a status, only Request frames a method id.
        const header = {
          kind,
          status: kind === FrameKind.Error ? status : 0,
          correlation: request.correlation,
          method: 0,
        };
        connection.sendFrame(header, payload);
      } catch (error) {
        // The handler's result could not be sent (a detached buffer: TypeError): the caller gets an Error frame
        // instead of silence, and nothing escapes into the handler's subscriber (where RxJS would rethrow it).
        if (kind === FrameKind.Response) return fail(request, error);
        throw error;
      }
      subscriber.next({ method: request.method, correlation: request.correlation, status });
      startWaiting();
      afterAnswer();
    };
    const fail = (request: Incoming, error: unknown): void => {
      const status =
        error instanceof StatusError && error.status > 0 && error.status <= 0xffff ? error.status : Status.HandlerError;
      const text = encoder
        .encode(error instanceof Error ? error.message : String(error))
        .subarray(0, connection.maxMessage);
      finish(request, status, FrameKind.Error, text);
    };
    const start = (request: Incoming): void => {
      const handler = pick(request.method);
      if (!handler)
        return finish(
          request,
          Status.NoSuchMethod,
          FrameKind.Error,
          encoder.encode(`no such method: ${request.method}`),
        );
      let answered = false;
      const answer = (value: Uint8Array): void => {
        answered = true;
        running.get(request.correlation)?.subscription.unsubscribe();
        if (!(value instanceof Uint8Array)) return fail(request, new TypeError('handler result must be a Uint8Array'));
        if (value.length > connection.maxMessage)
          return fail(
            request,
            new Error(`response too large: length=${value.length}, maxMessage=${connection.maxMessage}`),
          );
        finish(request, Status.Ok, FrameKind.Response, value);
      };
      try {
        const subscription = from(
          handler(request.payload, { method: request.method, correlation: request.correlation, connection }),
        ).subscribe({
          next: (value) => answered || answer(value),
          error: (error) => answered || ((answered = true), fail(request, error)),
          complete: () => answered || answer(new Uint8Array(0)),
        });
        if (!answered) running.set(request.correlation, { method: request.method, subscription });
      } catch (error) {
        if (!answered) fail(request, error);
      }
    };
    const startWaiting = (): void => {
      while (waiting.length > 0 && running.size < concurrency) start(waiting.shift()!);
    };
    const offRequest = connection.control.on(FrameKind.Request, ({ correlation, method }, payload) => {
      const request = { correlation, method, payload };
      if (running.size < concurrency) start(request);
      else waiting.push(request);
    });
    const offCancel = connection.control.on(FrameKind.Cancel, ({ correlation }) => {
      const index = waiting.findIndex((r) => r.correlation === correlation);
      if (index >= 0) {
        const [request] = waiting.splice(index, 1);
        subscriber.next({ method: request!.method, correlation, status: Status.Cancelled });
        return;
      }
      const call = running.get(correlation);
      if (!call) return; // already answered: the requester drops the late answer
      running.delete(correlation);
      call.subscription.unsubscribe();
      subscriber.next({ method: call.method, correlation, status: Status.Cancelled });
      startWaiting();
      afterAnswer();
    });
    // Requests that arrived before this serve subscribed waited in the router: answer them first, in order.
    for (const request of connection.control.takeWaitingRequests()) {
      if (running.size < concurrency) start(request);
      else waiting.push(request);
    }
    // A server outlives its clients: however the connection ends, serve completes (connection.end$ tells how).
    const offFail = connection.control.onFail(() => subscriber.complete());
    // The peer closed: no request will come, so serve completes once what it runs is answered.
    let peerClosed = false;
    const completeIfIdle = (): void => {
      if (peerClosed && running.size === 0 && waiting.length === 0) subscriber.complete();
    };
    const offPeerClose = connection.control.onPeerClose(() => {
      peerClosed = true;
      completeIfIdle();
    });
    afterAnswer = completeIfIdle;
    const release = connection.retain(); // serving keeps this side open
    return () => {
      release();
      offPeerClose();
      offRequest();
      offCancel();
      offFail();
      for (const call of running.values()) call.subscription.unsubscribe();
      running.clear();
      waiting.length = 0;
    };
  });
}
