/**
 * Errors a channel raises. Configuration mistakes throw at creation (`ChannelOptionsError`); peer and run-time
 * failures reach subscribers through `error` (`ConnectError`, `PeerExitedError`, `MalformedFrameError`, ...).
 * Each extends `RxshmError` (which sets `name` and `code`) and states the facts in its message.
 *
 * Cross-process invariants relied on: none; an error describes what this side saw of its peer.
 */
import { RxshmError } from '../errors/rxshm-error.js';

/**
 * Bad options given to listen/connect/spawnConnected: thrown at once, before anything is mapped.
 * Code: `InvalidOption`.
 */
export class ChannelOptionsError extends RxshmError<'InvalidOption'> {
  constructor(message: string) {
    super('InvalidOption', message);
  }
}

/** Why a connect() failed. */
export type ConnectErrorCode = 'ServerAbsent' | 'Busy' | 'Refused' | 'IncompatibleSegment' | 'HandshakeFailed';

/**
 * connect() could not complete the handshake. `Refused`: the server refused the hello, or the server is not who it
 * claims (the segment's owner is not this user or a trusted uid, or the doorbell's listener is not the segment's
 * owner and server pid): the message names the uid and pid found, and nothing was sent to it.
 */
export class ConnectError extends RxshmError<ConnectErrorCode> {
  constructor(
    code: ConnectErrorCode,
    readonly channel: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `Unable to connect to channel "${channel}": ${message}`, { cause });
  }
}

/**
 * Why a listen() failed. `AlreadyServing`: a live process of this user serves the name (it listens on the doorbell
 * and its pid is the segment's server pid). `Squatted`: something that does not serve the channel holds its name
 * (another user's segment, or a doorbell bound by a process that is not the segment's server); the message names its
 * uid and pid. `SegmentFailed`/`DoorbellFailed`: creating the segment or binding the doorbell failed (see `cause`).
 */
export type ListenErrorCode = 'AlreadyServing' | 'Squatted' | 'SegmentFailed' | 'DoorbellFailed';

/** listen() could not start serving; `code` says why (see {@link ListenErrorCode}). */
export class ListenError extends RxshmError<ListenErrorCode> {
  constructor(
    code: ListenErrorCode,
    readonly channel: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `Unable to listen on channel "${channel}": ${message}`, { cause });
  }
}

/** The peer process went away without sending Close (crash, kill, exit without unsubscribing). Code: `PeerExited`. */
export class PeerExitedError extends RxshmError<'PeerExited'> {
  constructor(
    readonly channel: string,
    readonly peerPid: number,
    /** When it happened, if not during the connection (e.g. "before connecting (code=1, signal=null)"). */
    readonly detail?: string,
  ) {
    super('PeerExited', `The peer of channel "${channel}" (pid ${peerPid}) exited ${detail ?? 'without closing'}`);
  }
}

/**
 * A frame read from the ring breaks the frame layout: the peer is broken or hostile; the connection ends.
 * Code: `MalformedFrame`.
 */
export class MalformedFrameError extends RxshmError<'MalformedFrame'> {
  constructor(
    readonly channel: string,
    readonly reason: string,
  ) {
    super('MalformedFrame', `Malformed frame on channel "${channel}": ${reason}`);
  }
}

/** A message larger than the channel's maxMessage: nothing was sent. Code: `MessageTooLarge`. */
export class MessageTooLargeError extends RxshmError<'MessageTooLarge'> {
  constructor(
    readonly length: number,
    readonly maxMessage: number,
  ) {
    super('MessageTooLarge', `Message too large: length=${length}, maxMessage=${maxMessage}; nothing was sent`);
  }
}

/**
 * Under the `reject` overflow policy, the ring was full: this message was not sent (reported on `errors$`).
 * Code: `RingFull`.
 */
export class RingFullError extends RxshmError<'RingFull'> {
  constructor(
    readonly channel: string,
    readonly length: number,
  ) {
    const facts = `a message of ${length} bytes was not sent`;
    super('RingFull', `Ring full on channel "${channel}" under the reject policy: ${facts}`);
  }
}

/**
 * A use of a connection that has ended or is closing: `next()` throws it, `send()`/`request()` error with it, a
 * late subscriber gets it. The message says why (`reason`): closed by this side, by its peer, its peer died, its
 * owning subscription ended, or error() was called. Code: `ConnectionClosed`.
 */
export class ConnectionClosedError extends RxshmError<'ConnectionClosed'> {
  constructor(
    readonly channel: string,
    /** Why, e.g. "was closed by this side (complete() was called); nothing was sent". */
    readonly reason = 'is closed; nothing was sent',
    cause?: unknown,
  ) {
    super('ConnectionClosed', `Connection on channel "${channel}" ${reason}`, { cause });
  }
}

/**
 * The peer left without delivering everything it had sent: it called `error()`, its owner gave up after the
 * linger time, or it found the channel corrupt. Unlike a clean Close, this means messages may be missing.
 * Code: `ConnectionAborted`.
 */
export class ConnectionAbortedError extends RxshmError<'ConnectionAborted'> {
  constructor(
    readonly channel: string,
    readonly peerPid: number,
  ) {
    super(
      'ConnectionAborted',
      `The peer of channel "${channel}" (pid ${peerPid}) aborted the connection: messages it sent may be missing`,
    );
  }
}
