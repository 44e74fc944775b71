/**
 * The send side of a Connection: checks each message, hands it to the engine (copied, queued, or claimed for a
 * zero-copy write), and turns the engine's answer into what the caller sees. Process-local only.
 *
 * Invariants relied on: nothing is dropped silently (a refused send throws, errors its observable, or is reported on
 * errors$); a message is either wholly in the ring, wholly queued, or not sent at all; once Close is queued every
 * send fails with ConnectionClosedError, so nothing can follow this side's Close.
 */
import { BehaviorSubject, Observable, distinctUntilChanged } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { ChannelEngine, SendResult } from '../engine/engine.js';
import { DATA_FRAME, EMPTY_PAYLOAD, type FrameFields } from '../engine/frame-fields.js';
import { MessageTooLargeError, RingFullError } from '../errors.js';
import { RingClaim, type Claim } from './claim.js';

/** What the send side needs from its connection (Connection itself). */
export interface SendHost {
  readonly channel: string;
  readonly maxMessage: number;
  /** The error a use of the closed side fails with, naming why it is closed. */
  closedError(): Error;
  /** Reports a non-fatal error on errors$. */
  report(error: Error): void;
}

/** The sends of one connection: `next`, `send`, `claim` and the control frames of request, serve and liveness. */
export class SendPath {
  private readonly writableSubject = new BehaviorSubject<boolean>(true);
  /** `true` while sends go straight out or the local queue is under the high-water mark. */
  readonly writable$: Observable<boolean> = this.writableSubject.pipe(distinctUntilChanged());
  /** One claim is open at a time, so one object serves them all: no allocation per zero-copy send. */
  private openClaim: RingClaim | null = null;

  /** `engine` gives the engine, which is attached after the connection is built. */
  constructor(
    private readonly engine: () => ChannelEngine,
    private readonly host: SendHost,
  ) {}

  /** See Connection.writable. */
  get writable(): boolean {
    return this.writableSubject.value;
  }

  /** The engine's queue crossed the high-water mark. */
  writableChanged(writable: boolean): void {
    this.writableSubject.next(writable);
  }

  /** The connection ended: writable$ completes. */
  end(): void {
    this.writableSubject.complete();
  }

  /** Connection.next: sends at once or queues; a `reject`ed message is reported on errors$. Throws if refused. */
  next(bytes: Uint8Array): void {
    const error = this.check(bytes);
    if (error) throw error;
    // 'failed': the ring is corrupt; the connection failed and its receive side, errors$ and end$ say so.
    if (this.engine().send(DATA_FRAME, bytes) === 'rejected') this.host.report(this.rejected(bytes));
  }

  /** Connection.send: cold; completes once the message is in the ring, errors if it is refused. */
  send(bytes: Uint8Array): Observable<never> {
    return new Observable<never>((subscriber) => {
      const error = this.check(bytes);
      if (error) return subscriber.error(error);
      const done = (e?: Error): void => (e ? subscriber.error(e) : subscriber.complete());
      const result = this.engine().send(DATA_FRAME, bytes, done);
      if (result === 'rejected') subscriber.error(this.rejected(bytes));
      if (result === 'failed') subscriber.error(this.host.closedError());
    });
  }

  /** Connection.claim: ring memory for a zero-copy message, or null when there is no room now. */
  claim(length: number): Claim | null {
    const error = this.check(EMPTY_PAYLOAD, length);
    if (error) throw error;
    const engine = this.engine();
    const bytes = engine.claim(length);
    if (!bytes) return null;
    return (this.openClaim ??= new RingClaim(engine)).open(bytes);
  }

  /** A control frame (no size check beyond maxMessage); 'closed' once this side's Close is queued. */
  frame(header: FrameFields, payload: Uint8Array): SendResult | 'closed' {
    const engine = this.engine();
    if (engine.sendClosed && header.kind !== FrameKind.Close) return 'closed';
    if (payload.length > this.host.maxMessage) throw new MessageTooLargeError(payload.length, this.host.maxMessage);
    return engine.send(header, payload);
  }

  private rejected(bytes: Uint8Array): RingFullError {
    this.engine().stats.rejected++;
    return new RingFullError(this.host.channel, bytes.length);
  }

  private check(bytes: Uint8Array, length = bytes?.length): Error | null {
    if (this.engine().sendClosed) return this.host.closedError();
    if (!(bytes instanceof Uint8Array)) return new TypeError('Connection.next expects a Uint8Array');
    if (!Number.isInteger(length) || length < 0) return invalidLength(length);
    const { maxMessage } = this.host;
    if (length > maxMessage) return new MessageTooLargeError(length, maxMessage);
    return null;
  }
}

/** Built outside the check: a template literal in a hot function had V8 format its numbers on every call. */
function invalidLength(length: number): RangeError {
  return new RangeError(`invalid message length=${length}`);
}
