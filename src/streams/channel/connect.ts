/**
 * `connect(name, options?)`: join a named channel as its client.
 *
 * Cross-process invariants relied on: before it sends a byte, a client checks who serves (docs/LAYOUT.md, "Doorbell
 * and handshake"): the segment's owner (the kernel's, via fstat) is this user or a trusted uid, and the doorbell's
 * listener (SO_PEERCRED) is that same user with the server pid the segment's header names. Anything else is
 * ConnectError `Refused`, naming the uid and pid found: a header is written by whoever owns the segment, the kernel's
 * credentials by nobody. A server publishes MAGIC last, so a segment still empty or with a zero MAGIC is being
 * created and worth a retry.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Observable, type Subscriber } from 'rxjs';
import type { NativeApi, Segment } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import { ChannelSession, SegmentHeaderError, isSegmentUnpublished, type ChannelLayout } from '../../layout/index.js';
import { segmentName, validateChannelName } from './channel-name.js';
import { distrustedListener, untrustedOwner } from '../handshake/server-trust.js';
import { joinChannel, readClientChannel, type JoinOutcome } from '../handshake/join-channel.js';
import { ConnectError } from '../errors.js';
import { HANDSHAKE_BUSY, handshakeStatusText } from '../handshake/handshake.js';
import { resolveOptions, type ChannelOptions, type ResolvedOptions } from './options.js';
import type { Connection } from '../connection/connection.js';
import { DescriptorConnectAttempt } from './descriptor-connect.js';
import { DescriptorJoin } from '../handshake/descriptor-join.js';
import { SectionJoin } from '../handshake/section-join.js';

/** Pause between attempts while the server is absent. */
const RETRY_MS = 25;

/**
 * A cold observable that, on subscribe, opens the channel's segment, completes the handshake and emits one
 * Connection; it completes when that connection ends (its own receive side tells how). Until `options.timeout`
 * (default 5000 ms) it retries while the server is absent or busy with another client, then errors with ConnectError
 * `ServerAbsent` or `Busy`; it errors at once with `IncompatibleSegment` (wrong magic, version or layout), and with
 * `Refused` when the segment or the doorbell belongs to a user it does not trust (see `trustUids`), having sent
 * nothing. A doorbell of the right user held by another pid than the header's is retried (a server restarting), then
 * `Refused`.
 * It completes once this side is done: it closed (complete(), or its last receive subscription, serve or request
 * ended) and everything it sent is in the ring, or the connection ended. Taking the connection with
 * `firstValueFrom` hands it to the caller: it stays open until completed, errored or its peer ends. Unsubscribing
 * later closes this side after everything queued is delivered, then unmaps.
 *
 * @example
 * ```ts
 * connect('echo')
 *   .pipe(switchMap((connection) => { connection.next(new TextEncoder().encode('hi')); return connection; }))
 *   .subscribe((bytes) => console.log(new TextDecoder().decode(bytes)));
 * ```
 */
export function connect(name: string, options: ChannelOptions = {}): Observable<Connection> {
  validateChannelName(name);
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  return new Observable<Connection>((subscriber) => {
    // Linux: the segment comes as a descriptor over the doorbell; Windows: the server names a segment of this
    // client's own; the fake (unless told otherwise) names the channel's one segment.
    const sockets = native.sockets;
    const attempt = sockets
      ? new DescriptorConnectAttempt(
          name,
          resolved,
          () => new DescriptorJoin(name, resolved, native, sockets),
          subscriber,
        )
      : native.clientSections
        ? new DescriptorConnectAttempt(name, resolved, () => new SectionJoin(name, resolved, native), subscriber)
        : new ConnectAttempt(name, resolved, native, subscriber);
    attempt.tryOnce();
    return () => attempt.cancel();
  });
}

/**
 * One subscription's attempts to join: opens and checks the segment, checks the doorbell's listener, joins, and
 * retries (segment and socket released each time) until the deadline. Owns the segment and the socket until the
 * connection is emitted; then `cancel` hands the unmapping to the connection's release.
 */
class ConnectAttempt {
  private readonly deadline: number;
  private segment: Segment | null = null;
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopJoin: (() => void) | null = null;
  private connection: Connection | null = null;
  private cancelled = false;

  constructor(
    private readonly channel: string,
    private readonly options: ResolvedOptions,
    private readonly native: NativeApi,
    private readonly subscriber: Subscriber<Connection>,
  ) {
    this.deadline = Date.now() + options.timeout;
  }

  /** One attempt: open the segment, connect to the doorbell, check who listens, join. */
  tryOnce(): void {
    if (this.cancelled) return;
    const opened = this.openSegment();
    if (opened === null) return; // retried or failed
    const { segment, owner, layout } = opened;
    const socket = (this.socket = netConnect(this.native.doorbellPath(this.channel)));
    socket.once('connect', () => {
      if (!this.verifyListener(socket, segment, owner)) return;
      const params = { channel: this.channel, buffer: segment.buffer, layout, socket, options: this.options };
      this.stopJoin = joinChannel(params, (outcome) => {
        this.stopJoin = null;
        this.joined(outcome);
      });
    });
    socket.once('error', (error) => {
      if (!this.stopJoin && !this.connection) this.retry(error);
    });
  }

  /** Stops retrying; releases the connection (which unmaps once it is done) or the socket and segment. */
  cancel(): void {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopJoin?.();
    const segment = this.segment;
    if (this.connection) this.connection.release(() => segment?.close());
    else {
      this.socket?.destroy();
      segment?.close();
    }
  }

  /**
   * Opens the segment, refuses it unless the kernel says a trusted uid owns it (checked before reading a byte of it:
   * an impostor's header says whatever it likes), and validates its header. Null when it retried or failed instead.
   */
  private openSegment(): { segment: Segment; owner: number; layout: ChannelLayout } | null {
    try {
      const name = segmentName(this.channel);
      const segment = (this.segment = this.native.segments.open(name));
      const owner = segment.ownerUid;
      const distrust = untrustedOwner(this.native, name, owner, this.options.trustUids);
      if (distrust !== null) {
        this.fail(this.refused(distrust));
        return null;
      }
      return { segment, owner, layout: readClientChannel(segment.buffer) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'NotFound' || this.beingCreated(error)) this.retry(error);
      else {
        const failure = error instanceof SegmentHeaderError ? 'IncompatibleSegment' : 'HandshakeFailed';
        this.fail(new ConnectError(failure, this.channel, (error as Error).message, error));
      }
      return null;
    }
  }

  /** What the join's outcome means here: busy and a closed doorbell are retried, the rest is final. */
  private joined(outcome: JoinOutcome): void {
    switch (outcome.kind) {
      case 'closed':
        return this.retry(outcome.error ?? new Error('doorbell closed during the handshake'));
      case 'refused': {
        const why = handshakeStatusText(outcome.status);
        if (outcome.status === HANDSHAKE_BUSY) return this.retry(new ConnectError('Busy', this.channel, why));
        return this.fail(new ConnectError('Refused', this.channel, why));
      }
      case 'corrupt': {
        const why = `its rings are corrupt: ${outcome.error.message}`;
        return this.fail(new ConnectError('HandshakeFailed', this.channel, why, outcome.error));
      }
      case 'joined':
        this.connection = outcome.connection;
        this.connection.onEnd = () => this.subscriber.complete(); // its teardown (cancel) then unmaps
        this.connection.emitTo(this.subscriber);
    }
  }

  /** The doorbell's listener must be the segment's owner and its server pid; true when the handshake may go on. */
  private verifyListener(socket: Socket, segment: Segment, owner: number): boolean {
    const serverPid = new ChannelSession(segment.buffer).serverPid;
    const path = this.native.doorbellPath(this.channel);
    const distrust = distrustedListener(this.native, socket, path, owner, serverPid);
    if (distrust === null) return true;
    if (distrust.retry) this.retry(this.refused(distrust.why));
    else this.fail(this.refused(distrust.why));
    return false;
  }

  /** ConnectError `Refused`: this client does not trust the server, and sent it nothing. */
  private refused(why: string): ConnectError {
    return new ConnectError('Refused', this.channel, `refused to trust the server: ${why}; nothing was sent`);
  }

  /**
   * The server has created the segment but not finished it (docs/LAYOUT.md 5, step 1): still empty (shm_open comes
   * before ftruncate: the open fails with InvalidSize), shorter than its header, or with MAGIC still 0 (the server
   * stores it last). Worth a retry, not an IncompatibleSegment.
   */
  private beingCreated(error: unknown): boolean {
    if ((error as { code?: string }).code === 'InvalidSize') return true;
    return error instanceof SegmentHeaderError && this.segment !== null && isSegmentUnpublished(this.segment.buffer);
  }

  /** Releases this attempt's socket and segment and tries again, or fails once the deadline has passed. */
  private retry(cause: unknown): void {
    this.socket?.destroy();
    this.socket = null;
    this.segment?.close();
    this.segment = null;
    if (this.cancelled) return;
    if (Date.now() >= this.deadline) {
      // A server busy with another client until the deadline is Busy; one never reached is ServerAbsent.
      if (cause instanceof ConnectError && cause.code === 'Busy') {
        return this.fail(
          new ConnectError('Busy', this.channel, `another client was connected for ${this.options.timeout} ms`),
        );
      }
      if (cause instanceof ConnectError && cause.code === 'Refused') return this.fail(cause);
      return this.fail(
        new ConnectError('ServerAbsent', this.channel, `no server within ${this.options.timeout} ms`, cause),
      );
    }
    this.timer = setTimeout(() => this.tryOnce(), RETRY_MS);
  }

  /** Releases the socket and segment and errors the subscriber. */
  private fail(error: ConnectError): void {
    this.socket?.destroy();
    this.segment?.close();
    this.socket = null;
    this.segment = null;
    this.subscriber.error(error);
  }
}
