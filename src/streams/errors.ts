/**
 * Errors a channel raises. Configuration mistakes throw at creation (`ChannelOptionsError`); peer and run-time
 * failures reach subscribers through `error` (`ConnectError`, `PeerExitedError`, `MalformedFrameError`, ...).
 * Each has a `code` and states the facts in its message.
 */

/** Bad options given to listen/connect/spawnConnected: thrown at once, before anything is mapped. */
export class ChannelOptionsError extends Error {
  override readonly name = 'ChannelOptionsError';
  readonly code = 'InvalidOption';
  constructor(message: string) {
    super(message);
  }
}

/** Why a connect() failed. */
export type ConnectErrorCode =
  | 'ServerAbsent'
  | 'Busy'
  | 'Refused'
  | 'IncompatibleSegment'
  | 'HandshakeFailed';

/**
 * connect() could not complete the handshake. `Refused`: the server refused the hello, or the server is not who it
 * claims (the segment's owner is not this user or a trusted uid, or the doorbell's listener is not the segment's
 * owner and server pid): the message names the uid and pid found, and nothing was sent to it.
 */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly code: ConnectErrorCode,
    readonly channel: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`Unable to connect to channel "${channel}": ${message}`);
  }
}

/** listen() could not start serving. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    /**
     * `AlreadyServing`: a live process of this user serves the name (it listens on the doorbell and its pid is the
     * segment's server pid). `Squatted`: something that does not serve the channel holds its name (another user's
     * segment, or a doorbell bound by a process that is not the segment's server); the message names its uid and pid.
     */
    readonly code: 'AlreadyServing' | 'Squatted' | 'SegmentFailed' | 'DoorbellFailed',
    readonly channel: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`Unable to listen on channel "${channel}": ${message}`);
  }
}

/** The peer process went away without sending Close (crash, kill, exit without unsubscribing). */
export class PeerExitedError extends Error {
  override readonly name = 'PeerExitedError';
  readonly code = 'PeerExited';
  constructor(
    readonly channel: string,
    readonly peerPid: number,
    /** When it happened, if not during the connection (e.g. "before connecting (code=1, signal=null)"). */
    readonly detail?: string,
  ) {
    super(`The peer of channel "${channel}" (pid ${peerPid}) exited ${detail ?? 'without closing'}`);
  }
}

/** A frame read from the ring breaks the frame layout: the peer is broken or hostile; the connection ends. */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
  readonly code = 'MalformedFrame';
  constructor(
    readonly channel: string,
    readonly reason: string,
  ) {
    super(`Malformed frame on channel "${channel}": ${reason}`);
  }
}

/** A message larger than the channel's maxMessage: nothing was sent. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  readonly code = 'MessageTooLarge';
  constructor(
    readonly length: number,
    readonly maxMessage: number,
  ) {
    super(`Message too large: length=${length}, maxMessage=${maxMessage}; nothing was sent`);
  }
}

/** Under the `reject` overflow policy, the ring was full: this message was not sent (reported on `errors$`). */
export class RingFullError extends Error {
  override readonly name = 'RingFullError';
  readonly code = 'RingFull';
  constructor(
    readonly channel: string,
    readonly length: number,
  ) {
    super(`Ring full on channel "${channel}" under the reject policy: a message of ${length} bytes was not sent`);
  }
}

/**
 * A use of a connection that has ended or is closing: `next()` throws it, `send()`/`request()` error with it, a
 * late subscriber gets it. The message says why (`reason`): closed by this side, by its peer, its peer died, its
 * owning subscription ended, or error() was called.
 */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'ConnectionClosed';
  constructor(
    readonly channel: string,
    /** Why, e.g. "was closed by this side (complete() was called); nothing was sent". */
    readonly reason = 'is closed; nothing was sent',
    override readonly cause?: unknown,
  ) {
    super(`Connection on channel "${channel}" ${reason}`);
  }
}

/**
 * The peer left without delivering everything it had sent: it called `error()`, its owner gave up after the
 * linger time, or it found the channel corrupt. Unlike a clean Close, this means messages may be missing.
 */
export class ConnectionAbortedError extends Error {
  override readonly name = 'ConnectionAbortedError';
  readonly code = 'ConnectionAborted';
  constructor(
    readonly channel: string,
    readonly peerPid: number,
  ) {
    super(`The peer of channel "${channel}" (pid ${peerPid}) aborted the connection: messages it sent may be missing`);
  }
}
