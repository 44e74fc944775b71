/**
 * The server's steps for one client of a named channel on Linux (docs/LAYOUT.md 5): read its HELLO2 through
 * libuv, create its sealed segment, and answer on the raw descriptor, with the segment's descriptor on an accept.
 *
 * Cross-process invariants: the reply is written with sendmsg on the socket's own descriptor, which is safe because
 * nothing was ever written to it through libuv (no libuv write can be queued before it); every header field a
 * client reads (SERVER_PID, CLIENT_PID, states, GENERATION, then MAGIC last) is stored before the descriptor is
 * sent, and the segment is sealed, so its size can never change under the client.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { LocalSocketApi, NativeApi, Segment } from '../../native/contract.js';
import {
  CLIENT_STATE_CONNECTED,
  ChannelSession,
  SERVER_STATE_CONNECTED,
  channelSegmentLength,
  initChannelSegment,
  type ChannelLayout,
} from '../../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../../codecs/index.js';
import type { ResolvedOptions } from '../channel/options.js';
import { socketFd } from './doorbell-owner.js';
import { SETUP_MESSAGE_LENGTH, decodeSetupHello, encodeSetupReply } from './setup-wire.js';

/**
 * Reads the 16-byte HELLO2 from a resumed `socket`: calls `onHello` with the pid it states (null when malformed),
 * or `onGone` when the socket closes or `timeoutMs` passes first (the socket is then destroyed).
 */
export function readSetupHello(
  socket: Socket,
  timeoutMs: number,
  onHello: (pid: number | null) => void,
  onGone: () => void,
): void {
  let received = Buffer.alloc(0);
  let settled = false;
  const settle = (then: () => void): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData);
    then();
  };
  const timer = setTimeout(() => settle(() => (socket.destroy(), onGone())), timeoutMs);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    if (received.length < SETUP_MESSAGE_LENGTH) return;
    settle(() => onHello(decodeSetupHello(received.subarray(0, SETUP_MESSAGE_LENGTH))));
  };
  socket.on('data', onData);
  socket.on('error', () => undefined); // 'close' follows
  socket.once('close', () => settle(onGone));
}

/**
 * Sends the reply on the socket's raw descriptor (with `passFd` when given); false when it could not go out whole
 * (the client is gone). Never throws.
 */
export function sendReply(
  sockets: LocalSocketApi,
  socket: Socket,
  status: number,
  clientId: number,
  passFd?: number,
): boolean {
  const fd = socketFd(socket);
  if (fd < 0) return false;
  try {
    return sockets.send(fd, encodeSetupReply(status, clientId), passFd) === SETUP_MESSAGE_LENGTH;
  } catch {
    return false;
  }
}

/** Answers `status` (no descriptor) and closes the socket. */
export function refuseClient(sockets: LocalSocketApi, socket: Socket, status: number): void {
  sendReply(sockets, socket, status, 0);
  socket.destroy();
}

/** What a client's segment needs to know about the two processes. */
export interface ClientSegmentFacts {
  readonly clientPid: number;
  readonly generation: number;
}

/** Writes a fresh channel header (rings of the options' size, a new random token, this process as creator). */
export function writeChannelHeader(buffer: ArrayBuffer, options: ResolvedOptions): ChannelLayout {
  return initChannelSegment(buffer, {
    ringCapacity: options.ringCapacity,
    maxMessage: options.maxMessage + FRAME_HEADER_LENGTH,
    token: randomBytes(8).readBigUInt64LE(0),
    creatorPid: process.pid,
  });
}

/**
 * Creates a client's segment with today's channel layout (header + two rings), its session line filled in as after
 * an accept: a sealed one by default, or what `create` makes (a Windows section under an unguessable name). Throws
 * the native CreateSegmentError (e.g. `NoSpace`) when memory is short.
 */
export function createClientSegment(
  native: NativeApi,
  options: ResolvedOptions,
  facts: ClientSegmentFacts,
  create: (size: number) => Segment = (size) => native.segments.createSealed(size),
): { segment: Segment; layout: ChannelLayout } {
  const segment = create(channelSegmentLength(options.ringCapacity));
  try {
    const session = new ChannelSession(segment.buffer);
    session.serverPid = process.pid;
    session.clientPid = facts.clientPid;
    session.clientState = CLIENT_STATE_CONNECTED;
    session.serverState = SERVER_STATE_CONNECTED;
    session.generation = facts.generation;
    return { segment, layout: writeChannelHeader(segment.buffer, options) };
  } catch (error) {
    segment.close();
    throw error;
  }
}
