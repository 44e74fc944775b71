/**
 * PendingCall: the state of one subscribed request between its Request frame and its end — one object per call that
 * is at once what the RequestTable tells (answer, Error frame, failure), the subscription's teardown and the timeout's
 * target, instead of a closure for each.
 *
 * Invariants relied on: the call owns its correlation id while it is in the table; it settles once (answer, Error
 * frame, failure, timeout or unsubscribe) and whatever comes after is ignored; a call that gives up unanswered frees
 * its id first and then sends Cancel, so a late answer finds no owner and is dropped, never misdelivered.
 */
import type { SchedulerLike, Subscriber, Subscription, Unsubscribable } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { SendResult } from '../engine/frame-sink.js';
import { EMPTY_PAYLOAD, type FrameFields } from '../engine/frame-fields.js';
import { RemoteError, RequestTimeoutError } from './request-errors.js';
import type { PendingRequest, RequestTable } from './request-table.js';

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
  /** @internal Keeps the side open while requests are pending (the table holds one); call the result to let go. */
  retain(): () => void;
  /** @internal Sends the Request and Cancel frames. */
  sendFrame(header: FrameFields, payload: Uint8Array): SendResult | 'closed';
}

/** Tells the server a request was given up on (the id is already free). Built only when a call gives up. */
function sendCancel(connection: RequestPort, id: number): void {
  connection.sendFrame({ kind: FrameKind.Cancel, status: 0, correlation: id, method: 0 }, EMPTY_PAYLOAD);
}

/** The timeout's callback for setTimeout and for a scheduler (no closure per call). */
function timeOut(this: unknown, call: PendingCall | undefined): void {
  call!.timedOut();
}

/** One request in flight: what the table tells it goes to its subscriber; its teardown cancels it. */
export class PendingCall implements PendingRequest, Unsubscribable {
  /** The correlation id, set once the table handed it out. */
  id = 0;
  private settled = false;
  /** The timeout in ms, once a timer runs (for the error). */
  private timeout = 0;
  /** The plain timer, or the scheduler's action, of the timeout; null when none runs. */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private scheduled: Subscription | null = null;

  constructor(
    private readonly connection: RequestPort,
    private readonly subscriber: Subscriber<Uint8Array>,
    private readonly method: number,
  ) {}

  /**
   * Fails the call with RequestTimeoutError `timeout` ms from now: on `scheduler` when given (tests inject a
   * virtual one), else one plain timer (a call without a timeout never gets here, so it costs no timer).
   */
  startTimer(timeout: number, scheduler: SchedulerLike | undefined): void {
    this.timeout = timeout;
    if (scheduler) this.scheduled = scheduler.schedule(timeOut, timeout, this);
    else this.timer = setTimeout(timeOut, timeout, this);
  }

  /** The Response payload: the one value, then complete. */
  response(payload: Uint8Array): void {
    this.settled = true;
    this.subscriber.next(payload);
    this.subscriber.complete();
  }

  /** The server's Error frame. */
  error(status: number, payload: Uint8Array): void {
    this.settled = true;
    this.subscriber.error(new RemoteError(status, this.id, this.method, decoder.decode(payload)));
  }

  /** The connection failed or the peer closed: no answer can come. */
  failed(error: Error): void {
    this.settled = true;
    this.subscriber.error(error);
  }

  /** The deadline passed unanswered: free the id, send Cancel, fail with the id. */
  timedOut(): void {
    this.timer = this.scheduled = null;
    if (this.settled) return;
    this.settled = true;
    this.connection.requests.delete(this.id);
    sendCancel(this.connection, this.id);
    this.subscriber.error(new RequestTimeoutError(this.id, this.method, this.timeout));
  }

  /** The subscription's teardown: stop the timer; unanswered, free the id and then send Cancel. */
  unsubscribe(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.scheduled?.unsubscribe();
    this.timer = this.scheduled = null;
    if (this.settled) return;
    this.settled = true;
    if (this.connection.requests.delete(this.id)) sendCancel(this.connection, this.id);
  }
}
