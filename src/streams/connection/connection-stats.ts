/**
 * The counters of one connection: the public ConnectionStats type, derived from the engine's EngineStats so the
 * counters are declared once, and the snapshot and periodic stream Connection offers. Process-local: the peer
 * keeps its own counters, from its side.
 */
import { defer, interval, map, startWith, takeUntil, type Observable } from 'rxjs';
import type { EngineCounters, EngineStats } from '../engine/engine-stats.js';

/** A snapshot of one connection's counters (process-local, from this side's point of view). */
export interface ConnectionStats extends Readonly<EngineCounters> {
  /** Records this side dropped from its outgoing ring to make room (overflow `drop-oldest`). */
  readonly dropped: number;
  /** Messages queued locally now, waiting for room (overflow `block`). */
  readonly queued: number;
  /** Responses that arrived after their request timed out or was cancelled (dropped, never delivered). */
  readonly lateResponses: number;
  /** Messages a `decode(..., { onError: 'skip' })` dropped. */
  readonly decodeErrors: number;
}

/** The counters a Connection keeps itself (request and decode bookkeeping), as the engine keeps its own. */
export type ConnectionCounters = { -readonly [K in 'lateResponses' | 'decodeErrors']: ConnectionStats[K] };

/** What a snapshot reads from the engine. */
export interface StatsSource {
  readonly stats: EngineStats;
  readonly dropped: number;
  readonly queued: number;
}

/** A snapshot: the engine's counters (all but its diagnostics), the ring's, and the connection's own. */
export function statsSnapshot(engine: StatsSource, counters: ConnectionCounters): ConnectionStats {
  const { queuedPeak: _diagnostic, ...counted } = engine.stats;
  return { ...counted, dropped: engine.dropped, queued: engine.queued, ...counters };
}

/** What statsEvery watches: a connection's snapshot and whether it ended. */
export interface StatsSubject {
  readonly stats: ConnectionStats;
  readonly ended: boolean;
}

/** `of.stats` now, then every `periodMs`, until `end$` emits; once `of` ended, one snapshot, then complete. */
export function statsEvery(of: StatsSubject, end$: Observable<unknown>, periodMs: number): Observable<ConnectionStats> {
  const snapshot = (): ConnectionStats => of.stats;
  return defer(() => (of.ended ? [of.stats] : interval(periodMs).pipe(startWith(0), map(snapshot), takeUntil(end$))));
}
