/**
 * The parent's side of an anonymous channel, shared by spawnConnected and nativeChannel: the segment with its
 * header, created before anything is handed over, and the handshake on the parent's end of the doorbell once the
 * other side (connectParent, or C's rxshm_adopt / rxshm_connect_parent) says hello.
 *
 * Cross-process invariants: the segment is a sealed memfd (`createSealed`: nobody holding it can shrink or grow it)
 * or, where no descriptor can be passed (Windows), a section under an unguessable name; the only process besides
 * this one that can reach it is the one the descriptors were handed to, so the handshake is the named one-client
 * channel's (HELLO with the header's random TOKEN, one status byte; docs/LAYOUT.md 5, "An anonymous channel"). The
 * rings are reset and GENERATION bumped before ACCEPTED is written (`accept`), so the client reads them after it.
 */
import type { Socket } from 'node:net';
import type { NativeApi, Segment } from '../../native/contract.js';
import { RingCorruptError, channelSegmentLength, type ChannelLayout } from '../../layout/index.js';
import { accept, readHello } from '../handshake/server-handshake.js';
import { writeChannelHeader } from '../handshake/client-setup.js';
import type { Hello } from '../handshake/handshake.js';
import type { Connection } from '../connection/connection.js';
import { tryBuildConnection, buildConnection } from '../connection/build-connection.js';
import { ConnectError } from '../errors.js';
import type { ResolvedOptions } from './options.js';

/** An anonymous channel's segment and the layout written into it. */
export interface AnonymousSegment {
  readonly segment: Segment;
  readonly layout: ChannelLayout;
}

/**
 * Creates the segment of an anonymous channel (sealed memfd, or the section `name` where descriptors cannot be
 * passed) and writes its header with a fresh random token. Throws the native layer's CreateSegmentError.
 */
export function createAnonymousSegment(native: NativeApi, options: ResolvedOptions, name?: string): AnonymousSegment {
  const length = channelSegmentLength(options.ringCapacity);
  const segment = name === undefined ? native.segments.createSealed(length) : native.segments.create(name, length);
  return { segment, layout: writeChannelHeader(segment.buffer, options) };
}

/** What the handshake of an anonymous channel needs. */
export interface AnonymousJoin extends AnonymousSegment {
  /** The name the connection and its errors report (`spawn:<pid>`, `native`). */
  readonly channel: string;
  /** The parent's end of the doorbell. */
  readonly socket: Socket;
  readonly options: ResolvedOptions;
  /** How long the other side may take to say hello (ms). */
  readonly timeoutMs: number;
  /** The peer's pid, as the connection reports it. */
  readonly peerPid: (hello: Hello) => number;
}

/** Where the handshake reports: the connection once joined, its end, a corrupt segment. */
export interface AnonymousSink {
  next(connection: Connection): void;
  error(error: unknown): void;
  complete(): void;
}

/** The parent's side while the handshake runs and after. */
export interface AnonymousServer {
  /** The connection, once the other side joined. */
  readonly connection: Connection | null;
  /** Ends it: the connection closes as a connect()'s does (after delivering what it queued), then `then` runs. */
  close(then: () => void): void;
}

/**
 * Waits for the hello on `join.socket` and, once it comes with the right token, accepts and emits the Connection to
 * `sink` (which then hears its end). `onGone` hears of a doorbell that closed, timed out or said a wrong hello first.
 */
export function serveAnonymous(
  join: AnonymousJoin,
  sink: AnonymousSink,
  onGone: (why: string) => void,
): AnonymousServer {
  const { channel, socket, segment, layout } = join;
  let connection: Connection | null = null;
  const onHello = (hello: Hello): void => {
    const generation = accept(socket, segment.buffer, layout, hello);
    const built = tryBuildConnection(() =>
      buildConnection({
        channel,
        side: 'server',
        buffer: segment.buffer,
        layout,
        socket,
        options: join.options,
        peerPid: join.peerPid(hello),
        generation,
      }),
    );
    if (built instanceof RingCorruptError) {
      socket.destroy();
      return sink.error(new ConnectError('HandshakeFailed', channel, `the rings are corrupt: ${built.message}`, built));
    }
    connection = built;
    connection.onEnd = () => sink.complete();
    connection.emitTo(sink);
  };
  readHello(socket, layout.token, onHello, join.timeoutMs, onGone);
  return {
    get connection() {
      return connection;
    },
    close(then) {
      if (connection) {
        connection.release(() => {
          segment.close();
          then();
        });
        return;
      }
      socket.destroy();
      segment.close();
      then();
    },
  };
}
