/** A snapshot of one connection's counters (process-local, from this side's point of view). */
export interface ConnectionStats {
  /** Data messages this side wrote into the ring. */
  readonly sent: number;
  /** Data messages this side delivered to subscribers. */
  readonly received: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Records this side dropped from its outgoing ring to make room (overflow `drop-oldest`). */
  readonly dropped: number;
  /** Messages this side did not send because the ring was full (overflow `reject`). */
  readonly rejected: number;
  /** Messages queued locally now, waiting for room (overflow `block`). */
  readonly queued: number;
  /** Times the receiver parked, times a bell woke it, bells this side rang. */
  readonly parks: number;
  readonly wakes: number;
  readonly bells: number;
  /** Responses that arrived after their request timed out or was cancelled (dropped, never delivered). */
  readonly lateResponses: number;
  /** Messages a `decode(..., { onError: 'skip' })` dropped. */
  readonly decodeErrors: number;
}
