/** Process-local counters of one engine; Connection.stats snapshots them. */
export class EngineStats {
  /** Data messages written into the ring. */
  sent = 0;
  /** Data messages delivered. */
  received = 0;
  bytesSent = 0;
  bytesReceived = 0;
  /** Messages not sent because the ring was full under `reject`. */
  rejected = 0;
  /** Largest local queue length seen (`block`). */
  queuedPeak = 0;
  /** Times the receiver parked on the doorbell. */
  parks = 0;
  /** Times a bell woke it from a park. */
  wakes = 0;
  /** Bells this side rang. */
  bells = 0;
}
