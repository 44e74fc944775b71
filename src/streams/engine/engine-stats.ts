/**
 * The counters one engine keeps as it sends, receives and parks. Process-local, never shared with the peer.
 *
 * Invariant relied on: fields only, each a number that starts at 0. ConnectionStats is derived from this class
 * (every counter but the `queuedPeak` diagnostic, plus what the ring and the connection count), and Connection.stats
 * snapshots it with a spread, so a counter added here shows up in every snapshot and in the public type at once.
 */

/** The engine's own counters, from this side's point of view; Connection.stats snapshots them. */
export class EngineStats {
  /** Data messages this side wrote into the ring. */
  sent = 0;
  /** Data messages this side delivered to subscribers. */
  received = 0;
  /** Payload bytes of the Data messages sent. */
  bytesSent = 0;
  /** Payload bytes of the Data messages delivered. */
  bytesReceived = 0;
  /** Messages this side did not send because the ring was full (overflow `reject`). */
  rejected = 0;
  /** Times the receiver parked on the doorbell. */
  parks = 0;
  /** Times a bell woke it from a park. */
  wakes = 0;
  /** Bells this side rang. */
  bells = 0;
  /** Largest local queue length seen (`block`): an engine diagnostic, not part of ConnectionStats. */
  queuedPeak = 0;
}

/** The engine counters ConnectionStats carries (all but the diagnostics). */
export type EngineCounters = Omit<EngineStats, 'queuedPeak'>;
