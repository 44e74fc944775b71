/**
 * Connection: a duplex Subject over one connected channel, in the manner of RxJS's `webSocket()` subject.
 * Subscribe to receive `Uint8Array` messages; `next(bytes)` sends; `complete()` sends Close. The peer's Close
 * completes the receive side; the peer's death errors it with PeerExitedError; a malformed frame errors it with
 * MalformedFrameError. Messages nobody subscribes to yet wait in a bounded backlog, then in the ring (backpressure,
 * nothing lost).
 */
import { BehaviorSubject, Observable, Subject, Subscriber, Subscription, defer, distinctUntilChanged, interval, map, startWith, takeUntil } from 'rxjs';
import { FrameKind } from '../codecs/index.js';
import type { ChannelEngine, FrameSink, SendResult } from './engine.js';
import { ConnectionClosedError, MessageTooLargeError, RingFullError } from './errors.js';
import type { ConnectionStats } from './connection-stats.js';
import { ControlRouter } from './control-router.js';
import { request, type RequestOptions } from './request.js';
import { DEFAULT_HIGH_WATER_MARK } from './options.js';
import { RingClaim, type Claim } from './claim.js';
import { ReceiveBacklog } from './receive-backlog.js';

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
}

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
  /** @internal Request/response and liveness plumbing. */
  readonly control: ControlRouter;

  private readonly incoming = new Subject<Uint8Array>();
  private readonly errorsSubject = new Subject<Error>();
  private readonly writableSubject = new BehaviorSubject<boolean>(true);
  private readonly endedSubject = new Subject<void>();
  private demand = 0;
  private engine!: ChannelEngine;
  /** @internal counters kept here rather than in the engine */
  readonly counters = { lateResponses: 0, decodeErrors: 0 };

  /** @internal Built by listen/connect/spawnConnected, never by users. */
  constructor(info: ConnectionInfo) {
    super();
    this.channel = info.channel;
    this.side = info.side;
    this.generation = info.generation;
    this.peerPid = info.peerPid;
    this.maxMessage = info.maxMessage;
    this.backlog = new ReceiveBacklog(info.backlogLimit ?? DEFAULT_HIGH_WATER_MARK, {
      demand: () => this.demand,
      deliver: (payload) => this.deliver(payload),
      end: (error) => (error ? this.incoming.error(error) : this.incoming.complete()),
    });
    this.errors$ = this.errorsSubject.asObservable();
    this.writable$ = this.writableSubject.pipe(distinctUntilChanged());
    this.stats$ = this.statsEvery(1000);
    this.control = new ControlRouter(this);
    this.livenessChecks$ = new Observable<number>((subscriber) =>
      this.control.on(FrameKind.LivenessCheck, (_kind, _status, correlation) => subscriber.next(correlation)),
    );
  }

  /** Sends `bytes` (copied into the ring, or queued under `block` when it is full). Throws MessageTooLargeError. */
  override next(bytes: Uint8Array): void {
    this.sendData(bytes);
  }

  /** Sends Close after everything already sent: the peer's receive side completes. */
  override complete(): void {
    this.engine.close();
  }

  /** Closes at once (Close is sent if there is room, queued messages are discarded) and errors the receive side. */
  override error(error: unknown): void {
    this.abort(error);
  }

  /**
   * Subscribing receives. RxJS's own WebSocketSubject overrides this same method: a Subject subclass has no other
   * hook for its subscribe side (AnonymousSubject is not exported from the package root).
   * @internal
   */
  protected _subscribe(subscriber: Subscriber<Uint8Array>): Subscription {
    this.demand++;
    const subscription = this.incoming.subscribe(subscriber);
    subscription.add(() => this.demand--);
    this.backlog.flush();
    this.engine.resume();
    return subscription;
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

  /** True once the connection ended (closed both ways, failed, or torn down). */
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
      const result = this.engine.send(FrameKind.Data, 0, 0, 0, bytes, (e) => (e ? subscriber.error(e) : subscriber.complete()));
      if (result === 'rejected') subscriber.error(this.rejected(bytes));
    });
  }

  /**
   * Zero-copy send: claims `length` bytes of ring memory to write a message in place, or returns null when the
   * ring has no room now (or earlier sends are still queued: order is kept). Commit or abort before anything else
   * is sent on this connection.
   */
  claim(length: number): Claim | null {
    const error = this.checkSend(EMPTY, length);
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
      control: (kind, status, correlation, method, payload) => this.control.dispatch(kind, status, correlation, method, payload),
      closed: () => {
        this.control.closedByPeer();
        this.backlog.end(null);
      },
      failed: (error) => this.finish(error),
      ended: () => this.finish(null),
      writableChanged: (writable) => this.writableSubject.next(writable),
    };
  }

  /** @internal Reports a non-fatal error on errors$. */
  report(error: Error): void {
    this.errorsSubject.next(error);
  }

  /** @internal Sends a control frame (no size check beyond maxMessage). */
  sendFrame(kind: number, status: number, correlation: number, method: number, payload: Uint8Array): SendResult | 'closed' {
    if (this.engine.sendClosed && kind !== FrameKind.Close) return 'closed';
    if (payload.length > this.maxMessage) throw new MessageTooLargeError(payload.length, this.maxMessage);
    return this.engine.send(kind, status, correlation, method, payload);
  }

  /** @internal Tears the connection down from the owner (unsubscribe of listen/connect). */
  teardown(then?: () => void): void {
    this.engine.dispose(new ConnectionClosedError(this.channel), then);
    this.finish(null);
  }

  private sendData(bytes: Uint8Array): void {
    const error = this.checkSend(bytes);
    if (error instanceof ConnectionClosedError) return this.report(error);
    if (error) throw error;
    if (this.engine.send(FrameKind.Data, 0, 0, 0, bytes) === 'rejected') this.report(this.rejected(bytes));
  }

  private rejected(bytes: Uint8Array): RingFullError {
    this.engine.stats.rejected++;
    return new RingFullError(this.channel, bytes.length);
  }

  private checkSend(bytes: Uint8Array, length = bytes?.length): Error | null {
    if (this.engine.sendClosed) return new ConnectionClosedError(this.channel);
    if (!(bytes instanceof Uint8Array)) return new TypeError('Connection.next expects a Uint8Array');
    if (!Number.isInteger(length) || length < 0) return new RangeError(`invalid message length=${length}`);
    if (length > this.maxMessage) return new MessageTooLargeError(length, this.maxMessage);
    return null;
  }

  private abort(error: unknown): void {
    const reason = error instanceof Error ? error : new Error(String(error));
    this.engine.dispose(reason);
    this.finish(reason);
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

  private finish(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.backlog.end(error);
    this.control.fail(error ?? new ConnectionClosedError(this.channel));
    this.writableSubject.complete();
    this.errorsSubject.complete();
    this.endedSubject.next();
    this.endedSubject.complete();
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.(error);
  }

  private finished = false;

  /** @internal The owner's hook: the connection ended (null: cleanly). */
  onEnd: ((error: Error | null) => void) | null = null;
}

const EMPTY = new Uint8Array(0);
