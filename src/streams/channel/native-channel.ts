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
 *
 * On Windows no descriptor can be handed over: the segment is a section under an unguessable name (128 random bits,
 * as spawnConnected's) and the doorbell a named pipe `\\.\pipe\rxshm.native.<32 hex digits>`, unguessable too, that
 * accepts exactly one connection: the first one becomes the parent's end of the doorbell (the same handshake, HELLO
 * with the header's TOKEN), the listener is closed at once and any other connection that raced it is destroyed, so
 * nobody else can reach the doorbell. The pipe is created with FILE_FLAG_FIRST_PIPE_INSTANCE (libuv's bind), so a
 * process that created the name first makes the listen fail instead of being listened through.
 */
import { randomBytes } from 'node:crypto';
import { Socket, createServer, type Server } from 'node:net';
import { Observable, ReplaySubject } from 'rxjs';
import type { NativeApi } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import type { Connection } from '../connection/connection.js';
import { ChannelOptionsError, ConnectError } from '../errors.js';
import { createAnonymousSegment, serveAnonymous, type AnonymousServer } from './anonymous-server.js';
import { resolveOptions, type ChannelOptions, type ResolvedOptions } from './options.js';
import { nativePipeName, parentChannelEnvValue, spawnSegmentName } from './parent-channel.js';
import { DEFAULT_SPAWN_TIMEOUT_MS } from './spawn-connected.js';

/** The name a native channel's connection and its errors report. */
const NATIVE_CHANNEL_NAME = 'native';

/**
 * What nativeChannel emits: the peer's two descriptors (Linux) or two names (Windows), and this side's connection
 * once the peer has joined.
 */
export interface NativeChannel {
  /**
   * The segment, a memfd sealed at its size: for the native side to map (rxshm_adopt checks the seals). -1 on
   * Windows, where the segment is `segmentName`.
   */
  readonly segmentFd: number;
  /**
   * The native side's end of the doorbell, a connected Unix stream socket. This process closes its copy once the
   * native side has joined (or the subscription ends): hand it on (spawn's `stdio`, or a `dup` for a library in
   * this process) before then. -1 on Windows, where the doorbell is `pipeName`.
   */
  readonly doorbellFd: number;
  /**
   * Windows only (undefined on Linux): the name of the section holding the segment, `rxshm.spawn.<32 hex digits>`
   * (128 random bits), open to this user; a native program maps it with OpenFileMappingW (as `Local\<name>`) and
   * MapViewOfFile.
   */
  readonly segmentName?: string;
  /**
   * Windows only (undefined on Linux): the doorbell, a named pipe `\\.\pipe\rxshm.native.<32 hex digits>` (128
   * random bits) that accepts exactly one connection; the native side opens it with CreateFileW and sends the
   * anonymous channel's HELLO (docs/LAYOUT.md 5). Nobody else can connect once it has.
   */
  readonly pipeName?: string;
  /**
   * The RXSHM_PARENT value for a child that joins with connectParent: "3,4" on Linux (segmentFd passed as fd 3,
   * doorbellFd as fd 4), "@segmentName,@pipeName" on Windows (nothing to pass but the environment).
   */
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
 * failed. Throws ChannelOptionsError at the call for bad options, and on the fake backend (no descriptors, no
 * names another process could open). On Windows it emits names instead of descriptors (`segmentName`, `pipeName`);
 * unsubscribing there also closes the pipe's listener if nobody connected yet.
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
  const timeoutMs = options.timeout ?? DEFAULT_SPAWN_TIMEOUT_MS;
  if (native.platform === 'win32') return windowsChannel(native, resolved, timeoutMs);
  if (sockets === null)
    throw new ChannelOptionsError(
      `nativeChannel: the ${native.platform} backend passes no descriptors (it needs Linux's memfd and socket pairs, or Windows' named sections and pipes)`,
    );
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

/**
 * nativeChannel on Windows: the section under an unguessable name and a one-shot named pipe as the doorbell. The
 * first connection to the pipe is the parent's end of the doorbell; the listener closes with it, and nobody joining
 * within `timeoutMs` (connection and hello together) is ConnectError `HandshakeFailed`.
 */
function windowsChannel(native: NativeApi, resolved: ResolvedOptions, timeoutMs: number): Observable<NativeChannel> {
  return new Observable<NativeChannel>((subscriber) => {
    const segmentName = spawnSegmentName(randomBytes(16));
    const pipeName = nativePipeName(randomBytes(16));
    const { segment, layout } = createAnonymousSegment(native, resolved, segmentName);
    const deadline = Date.now() + timeoutMs;
    const joined = new ReplaySubject<Connection>(1);
    let done = false;
    const sink = {
      next: (connection: Connection) => joined.next(connection),
      error: (error: unknown) => {
        if (done) return;
        done = true;
        joined.error(error);
        subscriber.complete();
      },
      complete: () => {
        if (done) return;
        done = true;
        joined.complete();
        subscriber.complete();
      },
    };
    const fail = (why: string): void =>
      sink.error(new ConnectError('HandshakeFailed', NATIVE_CHANNEL_NAME, `the native side did not join: ${why}`));
    let server: AnonymousServer | null = null;
    let listener: Server | null = createServer();
    const stopListening = (): void => {
      clearTimeout(timer);
      listener?.close();
      listener = null;
    };
    const timer = setTimeout(() => {
      stopListening();
      fail(`nobody connected to the pipe within ${timeoutMs} ms`);
    }, timeoutMs);
    listener.on('connection', (socket: Socket) => {
      // One connection only: a second one that raced the first to another pipe instance is refused.
      if (server !== null || done) return void socket.destroy();
      stopListening();
      const join = { channel: NATIVE_CHANNEL_NAME, socket, segment, layout, options: resolved };
      const helloMs = Math.max(1, deadline - Date.now());
      server = serveAnonymous({ ...join, timeoutMs: helloMs, peerPid: (hello) => hello.pid }, sink, (why) =>
        // A microtask later: a refused hello is answered (its status byte written) before the teardown closes all.
        queueMicrotask(() => fail(why)),
      );
    });
    listener.on('error', (error: Error) => {
      stopListening();
      fail(`the pipe ${pipeName} could not be listened on: ${error.message}`);
    });
    listener.listen(pipeName);
    subscriber.next({
      segmentFd: -1,
      doorbellFd: -1,
      segmentName,
      pipeName,
      environment: parentChannelEnvValue(segmentName, pipeName),
      connection: joined.asObservable(),
    });
    return () => {
      stopListening();
      if (server !== null) server.close(() => undefined);
      else segment.close();
    };
  });
}
