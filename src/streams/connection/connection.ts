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
 * This class is the public face; its parts do the work: SendPath, ReceivePath (with batches), ConnectionOwnership,
 * ConnectionEnding and the ControlRouter with its RequestTable (each in the file of its name, kebab-cased).
 *
 * Cross-process invariant relied on: a clean close (Close frame, closed bit) is announced only when nothing this
 * side sent is lost; otherwise the engine sets the aborted bit (engine/close-sequence.ts, docs/LAYOUT.md section 5).
 */
import { Observable, Subject, type Subscriber, type Subscription } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { ChannelEngine, FrameSink, SendResult } from '../engine/engine.js';
import type { FrameFields } from '../engine/frame-fields.js';
import { ConnectionClosedError } from '../errors.js';
import { request, type RequestOptions } from '../rpc/request.js';
import { RequestTable } from '../rpc/request-table.js';
import { DEFAULT_HIGH_WATER_MARK } from '../channel/options.js';
import type { Claim } from './claim.js';
import { ConnectionEnding, type ConnectionEnd } from './connection-ending.js';
import type { ConnectionInfo } from './connection-info.js';
import { iterate } from './connection-iterator.js';
import { ConnectionOwnership } from './connection-ownership.js';
import { statsEvery, statsSnapshot, type ConnectionCounters, type ConnectionStats } from './connection-stats.js';
import { connectionSink } from './connection-sink.js';
import { ControlRouter } from './control-router.js';
import { ReceivePath } from './receive-path.js';
import { SendPath } from './send-path.js';

/** Types of the Connection API defined next to their parts, re-exported with it. */
export type { Claim, ConnectionEnd, ConnectionInfo };

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
  /** The channel name, as given to listen/connect. */
  readonly channel: string;
  /** Which end this is: the `server` (listen) or the `client` (connect, connectParent, spawnConnected's parent). */
  readonly side: 'server' | 'client';
  /** Bumped by the server at each accepted client: tells connections on the same channel apart. */
  readonly generation: number;
  /** The peer's process id: the kernel's word (SO_PEERCRED) on a named channel on Linux, else its handshake's. */
  readonly peerPid: number;
  /** The client's slot on its server: 0-based, reused once it left, the same on both ends (0 when anonymous). */
  readonly clientId: number;
  /** The largest message (payload bytes) this connection sends or receives. */
  readonly maxMessage: number;
  /**
   * What the peer's failure (death, abort, corrupt or malformed data, and in `typed` a message that does not
   * decode) does to the receive side: `error` it (the default for clients) or `complete` it, reporting the error on
   * `errors$` and `end$` (the default for listen's connections, so one client never takes a server down).
   */
  readonly peerFailure: 'error' | 'complete';
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
  /** @internal Counters kept here rather than in the engine. */
  readonly counters: ConnectionCounters = { lateResponses: 0, decodeErrors: 0 };
  /** @internal The pending requests of this connection: correlation ids and who waits for each answer. */
  readonly requests: RequestTable;
  /** @internal The owner's hook: the connection ended (null: cleanly). */
  onEnd: ((error: Error | null) => void) | null = null;

  private engine!: ChannelEngine;
  private readonly sending: SendPath;
  private readonly receiving: ReceivePath;
  private readonly ownership: ConnectionOwnership;
  private readonly ending: ConnectionEnding;

  /**
   * Built by listen, connect, spawnConnected and connectParent over a finished handshake, never by users (the
   * connection works only once its engine is attached). Declared in the published types so that the class keeps
   * this signature rather than Subject's.
   */
  constructor(info: ConnectionInfo) {
    super();
    this.channel = info.channel;
    this.side = info.side;
    this.generation = info.generation;
    this.peerPid = info.peerPid;
    this.clientId = info.clientId ?? 0;
    this.maxMessage = info.maxMessage;
    this.peerFailure = info.peerFailure ?? 'error';
    const engine = (): ChannelEngine => this.engine;
    this.ending = new ConnectionEnding({
      channel: this.channel,
      peerFailure: this.peerFailure,
      engine,
      endReceive: (error) => this.receiving.end(error),
      failControl: (error) => this.control.fail(error),
      ended: (error) => {
        this.sending.end(); // writable$ completes, then the owner's hook runs
        const onEnd = this.onEnd;
        this.onEnd = null;
        onEnd?.(error);
      },
    });
    this.ownership = new ConnectionOwnership({
      channel: this.channel,
      ending: this.ending,
      engine,
      receiversGone: () => this.receiving.receiversGone,
      peerClosed: () => this.control.peerClosed,
      stop: (error) => {
        this.receiving.end(error);
        this.control.fail(error);
      },
    });
    this.receiving = new ReceivePath(info.backlogLimit ?? DEFAULT_HIGH_WATER_MARK, engine, () => this.retain());
    this.sending = new SendPath(engine, this);
    this.control = new ControlRouter(this);
    this.requests = new RequestTable(
      this.control,
      () => this.counters.lateResponses++,
      () => new ConnectionClosedError(this.channel, 'was closed by its peer; no response will come'),
    );
    this.errors$ = this.ending.errors$;
    this.end$ = this.ending.end$;
    this.writable$ = this.sending.writable$;
    this.stats$ = this.statsEvery(1000);
    this.livenessChecks$ = new Observable<number>((subscriber) =>
      this.control.on(FrameKind.LivenessCheck, ({ correlation }) => subscriber.next(correlation)),
    );
  }

  /**
   * Sends `bytes` (copied into the ring, or queued under `block` when it is full). Throws MessageTooLargeError, and
   * ConnectionClosedError (saying why) once this side is closed: nothing is ever dropped silently.
   */
  override next(bytes: Uint8Array): void {
    this.sending.next(bytes);
  }

  /**
   * Sends Close after everything already sent: the peer's receive side completes. This side stays open for
   * receiving while something uses it (a receive subscription, serve, a pending request), then ends.
   */
  override complete(): void {
    if (this.ending.ended || this.engine.sendClosed) return;
    this.ending.closing('was closed by this side (complete() was called)');
    this.engine.close();
    this.ownership.checkIdle();
  }

  /**
   * Closes at once and errors the local receive side with `error`. If nothing queued is lost the peer sees a clean
   * Close; otherwise it gets ConnectionAbortedError (queued messages are discarded, never silently).
   */
  override error(error: unknown): void {
    if (this.ending.ended) return;
    this.ending.closing('was closed by this side (error() was called)');
    this.ending.abort(error);
  }

  /** Receives with `for await (const bytes of connection)`; leaving the loop unsubscribes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterate(this);
  }

  /**
   * @internal Subscribing receives. RxJS's own WebSocketSubject overrides this same method: a Subject subclass has
   * no other hook for its subscribe side (AnonymousSubject is not exported from the package root).
   */
  protected _subscribe(subscriber: Subscriber<Uint8Array>): Subscription {
    return this.receiving.subscribe(subscriber);
  }

  /**
   * Receives in batches: each emission is every message of one ring drain, in order, as copies safe to keep that
   * share one buffer per batch (a late subscriber first gets the backlog). Otherwise like subscribing: demand,
   * backlog, backpressure, the end after everything, `stats.received`; per-message subscribers see the same messages.
   */
  batches(): Observable<Uint8Array[]> {
    return new Observable((subscriber) => this.receiving.subscribeBatches(subscriber));
  }

  /**
   * Sends a Request frame with a fresh correlation id; a cold observable of the Response payload.
   * See `request()` for the semantics (timeout, cancel on unsubscribe, late responses counted).
   */
  request(payload: Uint8Array, options: RequestOptions = {}): Observable<Uint8Array> {
    return request(this, payload, options);
  }

  /**
   * Sends `bytes` and completes once they are in the ring (waiting for room under `block`), or errors with
   * RingFullError (`reject`), MessageTooLargeError or ConnectionClosedError. Cold: nothing is sent until subscribed.
   * Use it for real backpressure: `source.pipe(concatMap((m) => connection.send(m)))`.
   */
  send(bytes: Uint8Array): Observable<never> {
    return this.sending.send(bytes);
  }

  /**
   * Zero-copy send: claims `length` bytes of ring memory to write a message in place, or returns null when the
   * ring has no room now (or earlier sends are still queued: order is kept). Commit or abort before anything else
   * is sent on this connection.
   */
  claim(length: number): Claim | null {
    return this.sending.claim(length);
  }

  /** True while sends go straight out or the local queue is under the high-water mark. */
  get writable(): boolean {
    return this.sending.writable;
  }

  /** True once the connection ended (closed both ways, this side closed and left, failed, or torn down). */
  get ended(): boolean {
    return this.ending.ended;
  }

  /** A snapshot of the counters. */
  get stats(): ConnectionStats {
    return statsSnapshot(this.engine, this.counters);
  }

  /** Stats every `periodMs`, starting now, until the connection ends. */
  statsEvery(periodMs: number): Observable<ConnectionStats> {
    return statsEvery(this, this.ending.ended$, periodMs);
  }

  /** @internal One user of this side (receive subscription, serve, pending request) until the result is called. */
  retain(): () => void {
    return this.ownership.retain();
  }

  /** @internal Emits this connection to its owner's subscriber; an owner that lets go meanwhile hands it over. */
  emitTo(subscriber: { next(connection: Connection): void }): void {
    this.ownership.emitTo(this, subscriber);
  }

  /**
   * @internal The owning subscription ended; `unmap` runs once the connection has ended. Letting go while emitting
   * (firstValueFrom, take(1)) hands the connection to the caller; later it means "stop" (unless `stop` is false: a
   * server whose client left lets it end by itself): this side closes after everything queued is delivered.
   */
  release(unmap: () => void, stop = true): void {
    this.ownership.release(unmap, stop);
  }

  /** @internal Wires the engine; the sink it needs is `this.sink()`. */
  attach(engine: ChannelEngine): void {
    this.engine = engine;
  }

  /** @internal The sink the engine delivers to. */
  sink(): FrameSink {
    const { receiving, sending, control, ownership, ending } = this;
    return connectionSink({ receiving, sending, control, ownership, ending });
  }

  /** @internal Reports a non-fatal error on errors$. */
  report(error: Error): void {
    this.ending.report(error);
  }

  /** @internal Sends a control frame (no size check beyond maxMessage); 'closed' once this side's Close is queued. */
  sendFrame(header: FrameFields, payload: Uint8Array): SendResult | 'closed' {
    return this.sending.frame(header, payload);
  }

  /**
   * @internal The peer misbehaved (it sent what does not decode): the connection ends as the peer's failure, and
   * the peer is told (aborted close bit, doorbell closed) so it fails with ConnectionAbortedError.
   */
  rejectPeer(error: Error): void {
    this.ending.rejectPeer(error);
  }

  /** @internal The error a use of this closed side fails with, naming why it is closed. */
  closedError(): ConnectionClosedError {
    return this.ending.closedError();
  }
}
