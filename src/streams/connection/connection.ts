/**
 * Connection: a duplex Subject over one connected channel, in the manner of RxJS's `webSocket()` subject.
 * Subscribe to receive `Uint8Array` messages; `next(bytes)` sends; `complete()` sends Close. Messages nobody
 * subscribes to yet wait in a bounded backlog, then in the ring (backpressure, nothing lost).
 *
 * Lifecycle (README "How a connection ends"): the peer's Close completes the receive side; the peer's failure errors
 * it (or completes it, under `peerFailure: 'complete'`, reporting on errors$/end$). Its owner (listen/connect) either
 * scopes it (it closes its side once its users — receive subscriptions, serve, pending requests — are gone) or hands
 * it to the caller (an owner that lets go while emitting it: firstValueFrom). Once this side is closed every use fails
 * with ConnectionClosedError naming why; the segment is unmapped only after the end and after the owner let go.
 *
 * Cross-process invariant relied on: a clean close (Close frame, closed bit) is only ever announced when nothing
 * this side sent is lost; otherwise the engine sets the aborted bit (see engine.ts and docs/LAYOUT.md section 5).
 */
import { BehaviorSubject, Observable, ReplaySubject, Subject, Subscriber, Subscription, defer, distinctUntilChanged, interval, map, startWith, takeUntil } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { ChannelEngine, FrameSink, SendResult } from '../engine/engine.js';
import { DATA_FRAME, EMPTY_PAYLOAD, type FrameFields } from '../engine/frame-fields.js';
import { ConnectionClosedError, MessageTooLargeError, RingFullError } from '../errors.js';
import type { ConnectionStats } from './connection-stats.js';
import { ControlRouter } from './control-router.js';
import { request, type RequestOptions } from '../rpc/request.js';
import { RequestTable } from '../rpc/request-table.js';
import { DEFAULT_HIGH_WATER_MARK } from '../channel/options.js';
import { RingClaim, type Claim } from './claim.js';
import { ReceiveBacklog } from './receive-backlog.js';
import { iterate } from './connection-iterator.js';

export type { Claim };

/** Facts about a connection, fixed at the handshake. */
export interface ConnectionInfo {
  readonly channel: string;
  readonly side: 'server' | 'client';
  readonly generation: number;
  readonly peerPid: number;
  readonly maxMessage: number;
  /** Bytes of Data kept for a subscriber that has not come yet (the channel's highWaterMark; default 1 MiB). */
  readonly backlogLimit?: number;
  /** When the peer fails (dies, aborts, corrupts the channel): error the receive side (default) or complete it. */
  readonly peerFailure?: 'error' | 'complete';
}

/** How a connection ended, as `end$` tells it. */
export interface ConnectionEnd {
  /** True when nothing was lost: both sides closed, or this side closed and everything it sent was delivered. */
  readonly clean: boolean;
  /** Why it ended, when not clean: PeerExitedError, ConnectionAbortedError, MalformedFrameError, ... */
  readonly error: Error | null;
  /** Who ended it: `both` (Close both ways), `self` (this side closed or let go), `peer` (the peer died or failed). */
  readonly by: 'both' | 'self' | 'peer';
}

/**
 * One end of a connected channel, as a duplex Subject; built by listen, connect, spawnConnected and connectParent.
 * @example
 * ```ts
 * const connection = await firstValueFrom(connect('echo'));
 * const answer = firstValueFrom(connection);
 * connection.next(new TextEncoder().encode('hello'));
 * console.log(await answer);
 * connection.complete();
 * ```
 */
export class Connection extends Subject<Uint8Array> {
  readonly channel: string;
  readonly side: 'server' | 'client';
  /** Bumped by the server at each accepted client: tells connections on the same channel apart. */
  readonly generation: number;
  readonly peerPid: number;
  readonly maxMessage: number;
  /** Non-fatal problems: RingFullError under `reject`, DecodeError from a skipping decode, ... */
  readonly errors$: Observable<Error>;
  /** `true` while sends go straight out or the local queue is under the high-water mark. */
  readonly writable$: Observable<boolean>;
  /** Emits a stats snapshot now, then every `periodMs` (default 1000), and completes when the connection ends. */
  readonly stats$: Observable<ConnectionStats>;
  /** Emits the correlation id of each LivenessCheck this connection answered (it answers by itself). */
  readonly livenessChecks$: Observable<number>;
  /** Emits once how the connection ended (see ConnectionEnd), then completes; replays it to late subscribers. */
  readonly end$: Observable<ConnectionEnd>;
  /** @internal Request/response and liveness plumbing. */
  readonly control: ControlRouter;

  private readonly incoming = new Subject<Uint8Array>();
  private readonly errorsSubject = new Subject<Error>();
  private readonly writableSubject = new BehaviorSubject<boolean>(true);
  private readonly endedSubject = new Subject<void>();
  private readonly endSubject = new ReplaySubject<ConnectionEnd>(1);
  /**
   * What the peer's failure (death, abort, corrupt or malformed data, and in `typed` a message that does not
   * decode) does to the receive side: `error` it (the default for clients) or `complete` it, reporting the error on
   * `errors$` and `end$` (the default for listen's connections, so one client never takes a server down).
   */
  readonly peerFailure: 'error' | 'complete';
  private demand = 0;
  /** Receive subscriptions, serves and pending requests: while any is there, this side stays open. */
  private users = 0;
  /** The last receive subscription ended: once nothing else uses it, a scoped connection closes its side. */
  private receiversGone = false;
  private idleCheckQueued = false;
  /** `scoped`: its listen/connect subscription owns it; `handed`: that subscription let go while emitting it
   * (firstValueFrom, take(1)), so the caller owns it until it ends; `gone`: the owner unsubscribed to stop it. */
  private owner: 'scoped' | 'handed' | 'gone' = 'scoped';
  private emitting = false;
  /** Why sends are refused, once this side closed (for ConnectionClosedError's message). */
  private closedReason: string | null = null;
  /** Unmaps the segment once the connection ended and its owner let go. */
  private unmap: (() => void) | null = null;
  private engine!: ChannelEngine;
  /** @internal counters kept here rather than in the engine */
  readonly counters = { lateResponses: 0, decodeErrors: 0 };
  /** @internal The pending requests of this connection: correlation ids and who waits for each answer. */
  readonly requests: RequestTable;

  /** @internal Built by listen/connect/spawnConnected, never by users. */
  constructor(info: ConnectionInfo) {
    super();
    this.channel = info.channel;
    this.side = info.side;
    this.generation = info.generation;
    this.peerPid = info.peerPid;
    this.maxMessage = info.maxMessage;
    this.peerFailure = info.peerFailure ?? 'error';
    this.end$ = this.endSubject.asObservable();
    this.backlog = new ReceiveBacklog(info.backlogLimit ?? DEFAULT_HIGH_WATER_MARK, {
      demand: () => this.demand,
      deliver: (payload) => this.deliver(payload),
      end: (error) => (error ? this.incoming.error(error) : this.incoming.complete()),
    });
    this.errors$ = this.errorsSubject.asObservable();
    this.writable$ = this.writableSubject.pipe(distinctUntilChanged());
    this.stats$ = this.statsEvery(1000);
    this.control = new ControlRouter(this);
    this.requests = new RequestTable(
      this.control,
      () => this.counters.lateResponses++,
      () => new ConnectionClosedError(this.channel, 'was closed by its peer; no response will come'),
    );
    this.livenessChecks$ = new Observable<number>((subscriber) =>
      this.control.on(FrameKind.LivenessCheck, ({ correlation }) => subscriber.next(correlation)),
    );
  }

  /**
   * Sends `bytes` (copied into the ring, or queued under `block` when it is full). Throws MessageTooLargeError, and
   * ConnectionClosedError (saying why) once this side is closed: nothing is ever dropped silently.
   */
  override next(bytes: Uint8Array): void {
    this.sendData(bytes);
  }

  /**
   * Sends Close after everything already sent: the peer's receive side completes. This side stays open for
   * receiving while something uses it (a receive subscription, serve, a pending request), then ends.
   */
  override complete(): void {
    if (this.finished || this.engine.sendClosed) return;
    this.closedReason ??= 'was closed by this side (complete() was called)';
    this.engine.close();
    if (this.users === 0) this.queueIdleCheck();
  }

  /**
   * Closes at once and errors the local receive side with `error`. If nothing queued is lost the peer sees a clean
   * Close; otherwise it gets ConnectionAbortedError (queued messages are discarded, never silently).
   */
  override error(error: unknown): void {
    if (this.finished) return;
    this.closedReason ??= 'was closed by this side (error() was called)';
    this.abort(error);
  }

  /** Receives with `for await (const bytes of connection)`; leaving the loop unsubscribes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterate(this);
  }

  /**
   * Subscribing receives. RxJS's own WebSocketSubject overrides this same method: a Subject subclass has no other
   * hook for its subscribe side (AnonymousSubject is not exported from the package root).
   * @internal
   */
  protected _subscribe(subscriber: Subscriber<Uint8Array>): Subscription {
    this.demand++;
    this.receiversGone = false;
    const release = this.retain();
    const subscription = this.incoming.subscribe(subscriber);
    subscription.add(() => {
      if (--this.demand === 0) this.receiversGone = true;
      release();
    });
    this.backlog.flush();
    this.engine.resume();
    return subscription;
  }

  /**
   * @internal One user of this side (a receive subscription, serve, a pending request) until the returned function
   * runs. Users keep the process alive; without them a connection does not (its exit hook still closes it cleanly).
   * When the last receive subscription has ended and no user is left (checked a turn later, so a re-subscription
   * carries over), a connection its listen/connect subscription still owns closes its side: the pipe style ends by
   * itself.
   */
  retain(): () => void {
    if (this.users++ === 0) this.engine.setInUse(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.users > 0) return;
      this.engine.setInUse(false);
      this.queueIdleCheck();
    };
  }

  private queueIdleCheck(): void {
    if (this.idleCheckQueued || this.finished) return;
    this.idleCheckQueued = true;
    setImmediate(() => {
      this.idleCheckQueued = false;
      if (this.finished || this.users > 0) return;
      if (this.engine.sendClosed) return this.engine.leave(); // complete() was called: done once Close is out
      if (this.owner !== 'scoped') return; // a handed-over connection closes when its holder says so
      if (this.receiversGone || this.control.peerClosed) {
        this.closedReason ??= this.receiversGone
          ? 'was closed by this side (its last subscriber, serve or request ended)'
          : 'was closed by this side (its peer closed and nothing here used it)';
        this.engine.leave();
      }
    });
  }

  /** @internal Emits this connection to its owner's subscriber; an owner that lets go meanwhile hands it over. */
  emitTo(subscriber: { next(connection: Connection): void }): void {
    this.emitting = true;
    try {
      subscriber.next(this);
    } finally {
      this.emitting = false;
    }
  }

  /**
   * @internal The owning subscription ended; `unmap` runs once the connection has ended. Letting go while emitting
   * (firstValueFrom, take(1)) hands the connection to the caller; later it means "stop": this side closes after
   * everything queued is delivered.
   */
  release(unmap: () => void): void {
    this.unmap = unmap;
    if (this.finished) return this.engine.dispose(this.endError ?? new ConnectionClosedError(this.channel), unmap);
    if (this.emitting) {
      this.owner = 'handed';
      return;
    }
    this.owner = 'gone';
    this.closedReason ??= 'was closed by its owning subscription (unsubscribed)';
    // "Stop": receiving and pending requests end now; what this side queued is still delivered before its Close.
    const stopped = new ConnectionClosedError(this.channel, this.closedReason);
    this.backlog.end(stopped);
    this.control.fail(stopped);
    this.engine.leave();
  }

  /**
   * Sends a Request frame with a fresh correlation id; a cold observable of the Response payload.
   * See `request()` for the semantics (timeout, cancel on unsubscribe, late responses counted).
   */
  request(payload: Uint8Array, options: RequestOptions = {}): Observable<Uint8Array> {
    return request(this, payload, options);
  }

  /** @internal Wires the engine; the sink it needs is `this.sink()`. */
  attach(engine: ChannelEngine): void {
    this.engine = engine;
  }

  /** True while sends go straight out or the local queue is under the high-water mark. */
  get writable(): boolean {
    return this.writableSubject.value;
  }

  /** True once the connection ended (closed both ways, this side closed and left, failed, or torn down). */
  get ended(): boolean {
    return this.finished;
  }

  /** A snapshot of the counters. */
  get stats(): ConnectionStats {
    const s = this.engine.stats;
    return {
      sent: s.sent,
      received: s.received,
      bytesSent: s.bytesSent,
      bytesReceived: s.bytesReceived,
      dropped: this.engine.dropped,
      rejected: s.rejected,
      queued: this.engine.queued,
      parks: s.parks,
      wakes: s.wakes,
      bells: s.bells,
      lateResponses: this.counters.lateResponses,
      decodeErrors: this.counters.decodeErrors,
    };
  }

  /** Stats every `periodMs`, starting now, until the connection ends. */
  statsEvery(periodMs: number): Observable<ConnectionStats> {
    return defer(() => (this.ended ? [this.stats] : interval(periodMs).pipe(startWith(0), map(() => this.stats), takeUntil(this.endedSubject))));
  }

  /**
   * Sends `bytes` and completes once they are in the ring (waiting for room under `block`), or errors with
   * RingFullError (`reject`), MessageTooLargeError or ConnectionClosedError. Cold: nothing is sent until subscribed.
   * Use it for real backpressure: `source.pipe(concatMap((m) => connection.send(m)))`.
   */
  send(bytes: Uint8Array): Observable<never> {
    return new Observable<never>((subscriber) => {
      const error = this.checkSend(bytes);
      if (error) return subscriber.error(error);
      const result = this.engine.send(DATA_FRAME, bytes, (e) => (e ? subscriber.error(e) : subscriber.complete()));
      if (result === 'rejected') subscriber.error(this.rejected(bytes));
      if (result === 'failed') subscriber.error(this.closedError());
    });
  }

  /**
   * Zero-copy send: claims `length` bytes of ring memory to write a message in place, or returns null when the
   * ring has no room now (or earlier sends are still queued: order is kept). Commit or abort before anything else
   * is sent on this connection.
   */
  claim(length: number): Claim | null {
    const error = this.checkSend(EMPTY_PAYLOAD, length);
    if (error) throw error;
    const bytes = this.engine.claim(length);
    if (!bytes) return null;
    // One claim is open at a time, so one object serves them all: no allocation per zero-copy send.
    return (this.openClaim ??= new RingClaim(this.engine)).open(bytes);
  }

  private openClaim: RingClaim | null = null;

  /** @internal The sink the engine delivers to. */
  sink(): FrameSink {
    return {
      dataMode: () => this.backlog.mode(),
      data: (payload) => this.backlog.accept(payload),
      control: (header, payload) => this.control.dispatch(header, payload),
      closed: () => {
        this.control.closedByPeer();
        this.backlog.end(null);
        if (this.users === 0) this.queueIdleCheck();
      },
      failed: (error) => this.finish(error, 'peer'),
      ended: () => this.finish(null, this.control.peerClosed ? 'both' : 'self'),
      writableChanged: (writable) => this.writableSubject.next(writable),
    };
  }

  /** @internal Reports a non-fatal error on errors$. */
  report(error: Error): void {
    this.errorsSubject.next(error);
  }

  /** @internal Sends a control frame (no size check beyond maxMessage). */
  sendFrame(header: FrameFields, payload: Uint8Array): SendResult | 'closed' {
    if (this.engine.sendClosed && header.kind !== FrameKind.Close) return 'closed';
    if (payload.length > this.maxMessage) throw new MessageTooLargeError(payload.length, this.maxMessage);
    return this.engine.send(header, payload);
  }

  private sendData(bytes: Uint8Array): void {
    const error = this.checkSend(bytes);
    if (error) throw error;
    // 'failed': the ring is corrupt; the connection failed and its receive side, errors$ and end$ say so.
    if (this.engine.send(DATA_FRAME, bytes) === 'rejected') this.report(this.rejected(bytes));
  }

  private rejected(bytes: Uint8Array): RingFullError {
    this.engine.stats.rejected++;
    return new RingFullError(this.channel, bytes.length);
  }

  private checkSend(bytes: Uint8Array, length = bytes?.length): Error | null {
    if (this.engine.sendClosed) return this.closedError();
    if (!(bytes instanceof Uint8Array)) return new TypeError('Connection.next expects a Uint8Array');
    if (!Number.isInteger(length) || length < 0) return new RangeError(`invalid message length=${length}`);
    if (length > this.maxMessage) return new MessageTooLargeError(length, this.maxMessage);
    return null;
  }

  /**
   * @internal The peer misbehaved (it sent what does not decode): the connection ends as the peer's failure, and
   * the peer is told (aborted close bit, doorbell closed) so it fails with ConnectionAbortedError.
   */
  rejectPeer(error: Error): void {
    if (this.finished) return;
    this.closedReason ??= `was closed because its peer misbehaved: ${error.message}`;
    this.engine.dispose(error, undefined, true);
    this.finish(error, 'peer');
  }

  /** @internal The error a use of this closed side fails with, naming why it is closed. */
  closedError(): ConnectionClosedError {
    const why = this.closedReason ?? (this.endError ? `failed: ${this.endError.message}` : 'was closed by both sides');
    return new ConnectionClosedError(this.channel, `${why}; nothing was sent`, this.endError ?? undefined);
  }

  private abort(error: unknown): void {
    const reason = error instanceof Error ? error : new Error(String(error));
    this.engine.dispose(reason);
    this.finish(reason, 'self');
  }

  /** Data nobody subscribed to yet (see ReceiveBacklog). */
  private readonly backlog: ReceiveBacklog;

  /** Hands one message to the subscribers; `stats.received` counts exactly these. */
  private deliver(payload: Uint8Array): void {
    const stats = this.engine.stats;
    stats.received++;
    stats.bytesReceived += payload.length;
    this.incoming.next(payload);
  }

  /**
   * Ends the connection once. `error` null: closed both ways. A side that closed and left ends its receive side with
   * ConnectionClosedError (completion only means the peer closed); a failed peer errors it, or completes it under
   * `peerFailure: 'complete'` (the error then goes to errors$ and end$).
   */
  private finish(error: Error | null, by: ConnectionEnd['by']): void {
    if (this.finished) return;
    this.finished = true;
    const left = error === null && by === 'self';
    this.endError = left ? new ConnectionClosedError(this.channel, this.closedReason ?? 'was closed by this side') : error;
    this.closedReason ??= error ? `failed: ${error.message}` : null;
    if (error && by === 'peer' && this.peerFailure === 'complete') {
      this.report(error);
      this.backlog.end(null);
    } else this.backlog.end(this.endError);
    this.control.fail(this.endError ?? new ConnectionClosedError(this.channel, 'was closed by both sides'));
    this.endSubject.next({ clean: error === null, error, by });
    this.endSubject.complete();
    this.writableSubject.complete();
    this.errorsSubject.complete();
    this.endedSubject.next();
    this.endedSubject.complete();
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.(error);
    if (this.unmap) this.engine.dispose(this.endError ?? new ConnectionClosedError(this.channel), this.unmap);
  }

  private finished = false;
  /** How it ended, once it has (null: closed both ways). */
  private endError: Error | null = null;

  /** @internal The owner's hook: the connection ended (null: cleanly). */
  onEnd: ((error: Error | null) => void) | null = null;
}
