/**
 * Builds a Connection and its engine over an accepted handshake: picks the rings and the close bits of the side.
 *
 * Cross-process invariants relied on: the server produces ring 0 (server to client) and consumes ring 1, the client
 * the reverse, so each ring has one producer and one consumer. Each side sets only its own CLOSE_FLAG_* bits and
 * reads the peer's (docs/LAYOUT.md 5, "Close and death"; aborted outranks closed). Ring positions are written by the
 * peer and checked at each use, never trusted while the connection is built.
 */
import type { Socket } from 'node:net';
import {
  CLOSE_FLAG_CLIENT_ABORTED,
  CLOSE_FLAG_CLIENT_CLOSED,
  CLOSE_FLAG_SERVER_ABORTED,
  CLOSE_FLAG_SERVER_CLOSED,
  ChannelSession,
  RingCorruptError,
  RingReader,
  RingWriter,
  type ChannelLayout,
} from '../../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../../codecs/index.js';
import { ChannelEngine } from '../engine/engine.js';
import { Connection } from './connection.js';
import { ConnectionAbortedError, PeerExitedError } from '../errors.js';
import type { ResolvedOptions } from '../channel/options.js';

/** What building a Connection needs: an accepted handshake's segment, layout, doorbell, side and peer. */
export interface BuildConnectionParams {
  readonly channel: string;
  readonly side: 'server' | 'client';
  readonly buffer: ArrayBuffer;
  readonly layout: ChannelLayout;
  readonly socket: Socket;
  readonly options: ResolvedOptions;
  readonly peerPid: number;
  readonly generation: number;
  /** The client's slot on its server (default 0). */
  readonly clientId?: number;
  /** What the receive side does when the peer fails (dies, aborts, corrupts): error (default) or complete. */
  readonly peerFailure?: 'error' | 'complete';
}

/**
 * Runs `build` (a buildConnection call); a ring already corrupt when the connection is built (RingCorruptError from
 * the ring reader's or writer's constructor) is returned, for the caller to refuse this connection with a typed
 * error instead of a throw. Any other error is a bug and is rethrown.
 */
export function tryBuildConnection(build: () => Connection): Connection | RingCorruptError {
  try {
    return build();
  } catch (error) {
    if (error instanceof RingCorruptError) return error;
    throw error;
  }
}

/** A connected Connection; the caller owns the segment and unmaps it in `teardown`'s callback. */
export function buildConnection(params: BuildConnectionParams): Connection {
  const server = params.side === 'server';
  const receiveRingOffset = server ? params.layout.clientToServer : params.layout.serverToClient;
  const sendRingOffset = server ? params.layout.serverToClient : params.layout.clientToServer;
  const receiveRing = new RingReader(
    params.buffer,
    receiveRingOffset,
    params.layout.ringCapacity,
    params.layout.maxMessage,
    'auto',
  );
  const sendRing = new RingWriter(
    params.buffer,
    sendRingOffset,
    params.layout.ringCapacity,
    params.options.overflow === 'drop-oldest',
    params.layout.maxMessage,
  );
  // Fresh copies of received messages come from malloc: keep what the collector frees for reuse (native/linux/heap.ts).
  if (params.options.receive !== 'borrow') params.options.retainFreedHeap();
  const session = new ChannelSession(params.buffer);
  const connection = new Connection({
    channel: params.channel,
    side: params.side,
    generation: params.generation,
    peerPid: params.peerPid,
    clientId: params.clientId ?? 0,
    maxMessage: params.layout.maxMessage - FRAME_HEADER_LENGTH,
    backlogLimit: params.options.highWaterMark,
    peerFailure: params.peerFailure ?? 'error',
  });
  const engine = new ChannelEngine(
    params.channel,
    receiveRing,
    sendRing,
    params.socket,
    params.options,
    connection.sink(),
    {
      mark: () => session.markClosed(server ? CLOSE_FLAG_SERVER_CLOSED : CLOSE_FLAG_CLIENT_CLOSED),
      markAborted: () => session.markClosed(server ? CLOSE_FLAG_SERVER_ABORTED : CLOSE_FLAG_CLIENT_ABORTED),
      peerMark: () => {
        const flags = session.closeFlags;
        if ((flags & (server ? CLOSE_FLAG_CLIENT_ABORTED : CLOSE_FLAG_SERVER_ABORTED)) !== 0) return 'aborted';
        return (flags & (server ? CLOSE_FLAG_CLIENT_CLOSED : CLOSE_FLAG_SERVER_CLOSED)) !== 0 ? 'closed' : null;
      },
    },
  );
  engine.peerExitedError = () => new PeerExitedError(params.channel, params.peerPid);
  engine.peerAbortedError = () => new ConnectionAbortedError(params.channel, params.peerPid);
  connection.attach(engine);
  return connection;
}
