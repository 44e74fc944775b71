/**
 * The client's join, shared by connect (a named channel) and connectParent (the parent's anonymous channel): on a
 * connected doorbell socket (for a named channel, one whose listener was already checked), send the hello, read the
 * server's status byte and, on ACCEPTED, build this side's Connection over the segment.
 *
 * Cross-process invariants relied on (docs/LAYOUT.md, "Doorbell and handshake"): the server resets both rings,
 * clears CLOSE_FLAGS, sets CLIENT_PID and bumps GENERATION before it answers ACCEPTED, so the client touches no ring
 * before that byte and reads GENERATION (and SERVER_PID) after it. The client produces ring 1 (client to server) and
 * consumes ring 0. A ring already corrupt at that point is reported, never thrown.
 */
import type { Socket } from 'node:net';
import {
  ChannelSession,
  RingCorruptError,
  SegmentHeaderError,
  readChannelSegment,
  type ChannelLayout,
} from '../../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../../codecs/index.js';
import type { Connection } from '../connection/connection.js';
import { tryBuildConnection, buildConnection } from '../connection/build-connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { HANDSHAKE_ACCEPTED } from './handshake.js';
import { clientHandshake } from './client-handshake.js';

/**
 * Reads and checks a channel segment's header as a client does: the layout's checks, and a MAX_MESSAGE that can
 * hold a frame header (a smaller one would make every message too large). Throws SegmentHeaderError.
 */
export function readClientChannel(buffer: ArrayBuffer): ChannelLayout {
  const layout = readChannelSegment(buffer);
  if (layout.maxMessage <= FRAME_HEADER_LENGTH) {
    throw new SegmentHeaderError(
      'BadMaxMessage',
      `MAX_MESSAGE=${layout.maxMessage} cannot hold a ${FRAME_HEADER_LENGTH}-byte frame header`,
    );
  }
  return layout;
}

/** What a join needs: the segment (its header already validated), its connected doorbell, the channel's options. */
export interface JoinParams {
  /** The channel's name, as errors and the connection report it (`'parent'` for connectParent). */
  readonly channel: string;
  /** The mapped segment. */
  readonly buffer: ArrayBuffer;
  /** The segment's validated layout (readClientChannel). */
  readonly layout: ChannelLayout;
  /** The doorbell socket, connected; nothing sent on it yet. */
  readonly socket: Socket;
  readonly options: ResolvedOptions;
  /** The server's pid; by default the SERVER_PID of the segment's header, read once accepted. */
  readonly serverPid?: number;
}

/** How a join ended. */
export type JoinOutcome =
  /** Accepted: the connection is built, not yet emitted. */
  | { readonly kind: 'joined'; readonly connection: Connection }
  /** The server answered a status other than HANDSHAKE_ACCEPTED (busy, bad token, closing...). */
  | { readonly kind: 'refused'; readonly status: number }
  /** The doorbell closed or failed before the status byte. */
  | { readonly kind: 'closed'; readonly error: Error | undefined }
  /** Accepted, but a ring was already corrupt: no connection was built. */
  | { readonly kind: 'corrupt'; readonly error: RingCorruptError };

/**
 * Sends the hello and calls `done` once with the outcome. Returns a function that cancels the wait for the status
 * byte (the caller still owns the socket and the segment).
 * @example
 * ```ts
 * const stop = joinChannel({ channel, buffer, layout, socket, options }, (outcome) => {
 *   if (outcome.kind === 'joined') outcome.connection.emitTo(subscriber);
 * });
 * ```
 */
export function joinChannel(params: JoinParams, done: (outcome: JoinOutcome) => void): () => void {
  const { channel, buffer, layout, socket, options } = params;
  return clientHandshake(socket, layout.token, (answer) => {
    if ('closed' in answer) return done({ kind: 'closed', error: answer.error });
    if (answer.status !== HANDSHAKE_ACCEPTED) return done({ kind: 'refused', status: answer.status });
    const session = new ChannelSession(buffer);
    const peerPid = params.serverPid ?? session.serverPid;
    const generation = session.generation;
    const built = tryBuildConnection(() =>
      buildConnection({ channel, side: 'client', buffer, layout, socket, options, peerPid, generation }),
    );
    done(built instanceof RingCorruptError ? { kind: 'corrupt', error: built } : { kind: 'joined', connection: built });
  });
}
