/**
 * `nativeChannel(options?)`: an anonymous channel whose other end is handed to native code as two descriptors, rxshm's
 * form of xShm's event handles: the segment (rings and parked flags) and the doorbell (the socket a parked side sleeps
 * on and a waking side writes to). C joins with rxshm_adopt (c/rxshm.h), or rxshm_connect_parent in a child that got
 * them as fds 3 and 4.
 *
 * Cross-process invariants: as spawnConnected's (anonymous-server.ts): a sealed memfd only this process and the
 * taker of the descriptors hold, the one-client handshake with the header's TOKEN. This process closes its copy of
 * the peer's doorbell end as soon as the peer has joined: while it stays open, the peer's death cannot reach this
 * side as the doorbell's end-of-file (docs/LAYOUT.md 5, "Close and death").
 */
import { Socket } from 'node:net';
import { Observable, ReplaySubject } from 'rxjs';
import { native as defaultNative } from '../../native/index.js';
import type { Connection } from '../connection/connection.js';
import { ChannelOptionsError, ConnectError } from '../errors.js';
import { createAnonymousSegment, serveAnonymous } from './anonymous-server.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { parentChannelEnvValue } from './parent-channel.js';
import { DEFAULT_SPAWN_TIMEOUT_MS } from './spawn-connected.js';

/** The name a native channel's connection and its errors report. */
const NATIVE_CHANNEL_NAME = 'native';

/** What nativeChannel emits: the peer's two descriptors, and this side's connection once the peer has joined. */
export interface NativeChannel {
  /** The segment, a memfd sealed at its size: for the native side to map (rxshm_adopt checks the seals). */
  readonly segmentFd: number;
  /**
   * The native side's end of the doorbell, a connected Unix stream socket. This process closes its copy once the
   * native side has joined (or the subscription ends): hand it on (spawn's `stdio`, or a `dup` for a library in
   * this process) before then.
   */
  readonly doorbellFd: number;
  /** The RXSHM_PARENT value ("3,4") for a child that receives segmentFd as fd 3 and doorbellFd as fd 4. */
  readonly environment: string;
  /**
   * Emits this side's Connection once the native side has joined, completes when it ends; errors with
   * ConnectError `HandshakeFailed` when nobody joins within `options.timeout`. Replayed to late subscribers.
   */
  readonly connection: Observable<Connection>;
}

/**
 * A cold observable that, on subscribe, creates an anonymous channel as spawnConnected does and emits the peer's
 * descriptors for native code (a library in this process, or a child through spawn's `stdio`) with this side's
 * `connection`. The channel belongs to the subscription: unsubscribing closes this process's copies of the
 * descriptors and ends the connection as spawnConnected's unsubscribe does; it completes once the connection ended or
 * failed. Throws ChannelOptionsError at the call for bad options, and on a backend that passes no descriptors
 * (Windows, the fake).
 *
 * @example
 * ```ts
 * nativeChannel().pipe(switchMap(({ segmentFd, doorbellFd, environment, connection }) => {
 *   spawn('./peer', [], { stdio: ['ignore', 'inherit', 'inherit', segmentFd, doorbellFd], env: { ...process.env, RXSHM_PARENT: environment } });
 *   return connection;
 * }));
 * ```
 */
export function nativeChannel(options: ChannelOptions = {}): Observable<NativeChannel> {
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  const sockets = native.sockets;
  if (sockets === null || native.platform === 'win32')
    throw new ChannelOptionsError(
      `nativeChannel: the ${native.platform} backend passes no descriptors (it needs Linux's memfd and socket pairs)`,
    );
  const timeoutMs = options.timeout ?? DEFAULT_SPAWN_TIMEOUT_MS;
  return new Observable<NativeChannel>((subscriber) => {
    let ends: readonly [number, number];
    const { segment, layout } = createAnonymousSegment(native, resolved);
    try {
      ends = sockets.pair();
    } catch (error) {
      segment.close();
      subscriber.error(error);
      return;
    }
    const [ownEnd, peerEnd] = ends;
    let peerOpen = true;
    const closePeerEnd = (): void => {
      if (peerOpen) sockets.close(peerEnd);
      peerOpen = false;
    };
    const socket = new Socket({ fd: ownEnd, readable: true, writable: true });
    const joined = new ReplaySubject<Connection>(1);
    const sink = {
      next: (connection: Connection) => (closePeerEnd(), joined.next(connection)),
      error: (error: unknown) => (joined.error(error), subscriber.complete()),
      complete: () => (joined.complete(), subscriber.complete()),
    };
    const join = { channel: NATIVE_CHANNEL_NAME, socket, segment, layout, options: resolved, timeoutMs };
    const server = serveAnonymous({ ...join, peerPid: (hello) => hello.pid }, sink, (why) => {
      const error = new ConnectError('HandshakeFailed', NATIVE_CHANNEL_NAME, `the native side did not join: ${why}`);
      // A microtask later: a refused hello is answered (its status byte written) before the teardown closes all.
      queueMicrotask(() => sink.error(error));
    });
    subscriber.next({
      segmentFd: segment.fd,
      doorbellFd: peerEnd,
      environment: parentChannelEnvValue(),
      connection: joined.asObservable(),
    });
    return () => {
      closePeerEnd();
      server.close(() => undefined);
    };
  });
}
