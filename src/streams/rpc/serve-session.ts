/**
 * ServeSession: the state of one subscribed serve — the handlers running and the requests waiting for a slot — and
 * ServedCall, one object per request that is at once its record, the subscriber of its handler's result (an rxjs
 * Subscriber itself, so `subscribe` wraps it in nothing) and its entry among the running ones. A handler whose result
 * emits while it is being subscribed (`of(bytes)`) is answered within that call, before anything is registered for it.
 *
 * Invariants relied on: every Request is answered exactly once (Response, Error, or nothing after the peer's Cancel),
 * with its correlation id; a call is answered at its first value, completion or error, whatever comes later is
 * ignored and its handler is unsubscribed; each frame gets a header object of its own (a queued frame keeps it).
 * The peer is untrusted: a Request reusing the correlation id of one still running is answered BadRequest and the
 * running one is left alone (its entry is removed only by its own answer). Once serve stops while the connection is
 * open (unsubscribed, `take(n)`), every request it holds or still receives — running, waiting, or handed over while
 * it was stopping — is answered Unavailable, so no caller waits forever for an answer that will never come.
 */
import { from, Subscriber, type ObservableInput } from 'rxjs';
import { FrameKind, Status } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { EMPTY_PAYLOAD } from '../engine/frame-fields.js';
import { StatusError } from './request-errors.js';

const encoder = new TextEncoder();

/** What a handler knows of the request it answers. */
export interface RequestContext {
  readonly method: number;
  readonly correlation: number;
  readonly connection: Connection;
}

/** Answers one request: its first value is the Response (none: an empty Response); its error an Error frame. */
export type Handler = (payload: Uint8Array, context: RequestContext) => ObservableInput<Uint8Array>;

/** One answered request, as serve emits it. */
export interface Served {
  readonly method: number;
  readonly correlation: number;
  /** Status.Ok for a Response; the Error frame's status otherwise; Status.Cancelled when the peer cancelled. */
  readonly status: number;
}

type AnswerKind = typeof FrameKind.Response | typeof FrameKind.Error;

/**
 * One request being served: the subscriber of its handler's result. Unsubscribing it (at the answer, a Cancel or a
 * stop) unsubscribes the handler. Measured (2026-12-04): a plain observer object made `subscribe` allocate a
 * SafeSubscriber and a ConsumerObserver per request and call through both.
 */
export class ServedCall extends Subscriber<Uint8Array> {
  /** Answered (or cancelled): later values, errors and completion are ignored. */
  answered = false;
  /** In the session's `running` map (its handler answers asynchronously). */
  registered = false;

  constructor(
    private readonly session: ServeSession,
    readonly correlation: number,
    readonly method: number,
    readonly payload: Uint8Array,
  ) {
    super();
  }

  /** The handler's first value is the Response. */
  protected override _next(value: Uint8Array): void {
    if (!this.answered) this.session.answer(this, value);
  }

  /** The handler's error becomes an Error frame. */
  protected override _error(error: unknown): void {
    if (!this.answered) {
      this.answered = true;
      this.session.fail(this, error);
    }
    this.unsubscribe();
  }

  /** Completing without a value answers an empty Response. */
  protected override _complete(): void {
    if (!this.answered) this.session.answer(this, EMPTY_PAYLOAD);
    this.unsubscribe();
  }
}

/** One subscribed serve: starts handlers up to `concurrency`, answers each request once, emits Served records. */
export class ServeSession {
  readonly running = new Map<number, ServedCall>();
  /** startWaiting is running (see there). */
  private startingWaiting = false;
  /** Stopped (serve unsubscribed or ended): a request still being dispatched must not start a handler. */
  private stopped = false;
  readonly waiting: ServedCall[] = [];
  /** Runs after each answer or cancel (serve completes once the peer closed and nothing is left). */
  afterAnswer: () => void = () => undefined;

  constructor(
    private readonly connection: Connection,
    private readonly pick: (method: number) => Handler | undefined,
    private readonly concurrency: number,
    private readonly subscriber: Subscriber<Served>,
  ) {}

  /** A Request arrived: start it now, or let it wait for a slot (in order). */
  accept(correlation: number, method: number, payload: Uint8Array): void {
    const call = new ServedCall(this, correlation, method, payload);
    // Unsubscribed while replaying the router's waiting requests (take(1) on the first Served): the rest are refused.
    if (this.stopped || this.subscriber.closed) return this.refuse(call);
    if (this.running.size < this.concurrency) this.start(call);
    else this.waiting.push(call);
  }

  /** The peer's Cancel: drop a waiting request, or unsubscribe a running handler; either is reported Cancelled. */
  cancel(correlation: number): void {
    const index = this.waiting.findIndex((call) => call.correlation === correlation);
    if (index >= 0) {
      const [call] = this.waiting.splice(index, 1);
      this.subscriber.next({ method: call!.method, correlation, status: Status.Cancelled });
      return;
    }
    const call = this.running.get(correlation);
    if (!call) return; // already answered: the requester drops the late answer
    this.running.delete(correlation);
    call.registered = false;
    call.answered = true;
    call.unsubscribe();
    this.subscriber.next({ method: call.method, correlation, status: Status.Cancelled });
    this.startWaiting();
    this.afterAnswer();
  }

  /** Stops every running handler and answers it and every waiting request Unavailable (serve unsubscribed or ended). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const held = [...this.running.values(), ...this.waiting];
    this.running.clear();
    this.waiting.length = 0;
    for (const call of held) this.refuse(call);
  }

  /** Answers `call` Unavailable because serve stopped; nothing more if the connection cannot send any more. */
  private refuse(call: ServedCall): void {
    call.answered = true;
    call.registered = false; // stop() cleared `running`
    call.unsubscribe();
    const header = { kind: FrameKind.Error, status: Status.Unavailable, correlation: call.correlation, method: 0 };
    try {
      this.connection.sendFrame(header, encoder.encode('serve stopped'));
    } catch {
      // The connection is ending: its requesters fail with it, as they learn from its end.
    }
  }

  /** The handler's answer: checked, then sent as the Response. */
  answer(call: ServedCall, value: Uint8Array): void {
    call.answered = true;
    call.unsubscribe(); // stops the handler (within its subscribe, `of` stops at its closed subscriber)
    if (!(value instanceof Uint8Array)) return this.fail(call, new TypeError('handler result must be a Uint8Array'));
    const { maxMessage } = this.connection;
    if (value.length > maxMessage) return this.fail(call, responseTooLarge(value.length, maxMessage));
    this.finish(call, Status.Ok, FrameKind.Response, value);
  }

  /** The handler failed: an Error frame with the StatusError's status, else HandlerError, and the message. */
  fail(call: ServedCall, error: unknown): void {
    const status =
      error instanceof StatusError && error.status > 0 && error.status <= 0xffff ? error.status : Status.HandlerError;
    const text = encoder
      .encode(error instanceof Error ? error.message : String(error))
      .subarray(0, this.connection.maxMessage);
    this.finish(call, status, FrameKind.Error, text);
  }

  /** Runs the handler of `call`; a result that emits while being subscribed is answered before this returns. */
  start(call: ServedCall): void {
    if (this.stopped) return this.refuse(call);
    if (this.running.has(call.correlation)) {
      call.answered = true;
      return this.finish(call, Status.BadRequest, FrameKind.Error, idInUse(call.correlation));
    }
    const handler = this.pick(call.method);
    if (!handler) {
      call.answered = true;
      return this.finish(call, Status.NoSuchMethod, FrameKind.Error, noSuchMethod(call.method));
    }
    const context: RequestContext = { method: call.method, correlation: call.correlation, connection: this.connection };
    try {
      from(handler(call.payload, context)).subscribe(call); // answered meanwhile: `call` is already unsubscribed
      if (!call.answered) {
        call.registered = true;
        this.running.set(call.correlation, call);
      }
    } catch (error) {
      // The handler threw, or `from` refused its result: HandlerError (or the thrown StatusError's status).
      if (!call.answered) call.error(error);
    }
  }

  /**
   * Starts waiting requests while there is room. Not reentrant: a handler that answers synchronously finishes inside
   * `start`, and starting the next one from there would go one stack level deeper per request (thousands waiting
   * overflowed the stack, and RxJS swallowed the RangeError: those callers were never answered); the outer loop
   * starts it instead.
   */
  private startWaiting(): void {
    if (this.startingWaiting) return;
    this.startingWaiting = true;
    try {
      while (this.waiting.length > 0 && this.running.size < this.concurrency) this.start(this.waiting.shift()!);
    } finally {
      this.startingWaiting = false;
    }
  }

  private finish(call: ServedCall, status: number, kind: AnswerKind, payload: Uint8Array): void {
    // Only this call's own entry: a duplicate id answered BadRequest must not evict the running request it copied.
    if (call.registered) {
      call.registered = false;
      this.running.delete(call.correlation);
    }
    try {
      // Only Error frames carry a status, only Request frames a method id; a header of its own (the queue keeps it).
      const header = { kind, status: kind === FrameKind.Error ? status : 0, correlation: call.correlation, method: 0 };
      this.connection.sendFrame(header, payload);
    } catch (error) {
      // The handler's result could not be sent (a detached buffer: TypeError): the caller gets an Error frame
      // instead of silence, and nothing escapes into the handler's subscriber (where RxJS would rethrow it).
      if (kind === FrameKind.Response) return this.fail(call, error);
      throw error;
    }
    this.subscriber.next({ method: call.method, correlation: call.correlation, status });
    this.startWaiting();
    this.afterAnswer();
  }
}

// Error texts are built in functions of their own: a template literal inside a function every request runs had V8
// convert its numbers to strings on every call, used or not (see layout/ring-view.ts).

function responseTooLarge(length: number, maxMessage: number): Error {
  return new Error(`response too large: length=${length}, maxMessage=${maxMessage}`);
}

function idInUse(correlation: number): Uint8Array {
  return encoder.encode(`correlation id ${correlation} is already in use by a running request`);
}

function noSuchMethod(method: number): Uint8Array {
  return encoder.encode(`no such method: ${method}`);
}
