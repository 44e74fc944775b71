/**
 * ConnectionInfo: the facts a Connection is built with, fixed at the handshake (both sides agree on them through
 * the segment header and the hello/status exchange; nothing here is read from shared memory again).
 */

/** Facts about a connection, fixed at the handshake. */
export interface ConnectionInfo {
  readonly channel: string;
  readonly side: 'server' | 'client';
  readonly generation: number;
  readonly peerPid: number;
  /** The client's slot on its server (0 when the channel has a single client). */
  readonly clientId?: number;
  readonly maxMessage: number;
  /** Bytes of Data kept for a subscriber that has not come yet (the channel's highWaterMark; default 1 MiB). */
  readonly backlogLimit?: number;
  /** When the peer fails (dies, aborts, corrupts the channel): error the receive side (default) or complete it. */
  readonly peerFailure?: 'error' | 'complete';
}
