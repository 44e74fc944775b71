/**
 * `liveness(options)`: the peer's state as the SharedHandoffBuffer seed's LivenessCheck / Alive exchange and the OS
 * see it. Every connection answers LivenessCheck with Alive by itself (see ControlRouter).
 *
 * Invariants relied on: the peer answers each LivenessCheck with an Alive of the same correlation id, unless it is
 * stopped or gone; after its Close no Alive can come; the OS's view of the peer pid is checked before calling it
 * unresponsive, so a dead peer is `exited`, never merely `unresponsive`.
 */
import { Observable, asyncScheduler, switchMap, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { FrameKind } from '../../codecs/index.js';
import type { NativeApi } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import type { Connection } from '../connection/connection.js';
import { EMPTY_PAYLOAD } from '../engine/frame-fields.js';
import { PeerExitedError } from '../errors.js';

/** `alive`: it answers; `unresponsive`: it exists but did not answer within the timeout (e.g. stopped);
 * `exited`: the OS says it is gone (or its doorbell closed without Close). */
export type PeerState = 'alive' | 'unresponsive' | 'exited';

/** Options of liveness. */
export interface LivenessOptions {
  /** Milliseconds between checks. Default 1000. */
  readonly interval?: number;
  /** Milliseconds a check may wait for Alive before the peer counts as unresponsive. Default: `interval`. */
  readonly timeout?: number;
  readonly scheduler?: SchedulerLike;
  /** The native backend asked whether the peer process exists. Default: this OS's. */
  readonly native?: NativeApi;
}

/** What liveness needs of a connection: narrow, so the timing logic can be tested with a fake. */
export interface LivenessProbe {
  /** Sends one LivenessCheck with this correlation id. */
  check(correlation: number): void;
  /** Calls back on every Alive; returns the unregister function. */
  onAlive(callback: () => void): () => void;
  /** Calls back once when the connection ends: `exited` when the peer died. Returns the unregister function. */
  onEnd(callback: (exited: boolean) => void): () => void;
  /** What the OS says of the peer process. */
  exited(): boolean;
}

/**
 * An operator from connections to the state of their peer: emits `alive`, `unresponsive` or `exited` on every
 * change (and the first state once known), completes after `exited` or when the connection ends cleanly.
 * An Alive that arrives late still counts as a sign of life; the state returns to `alive`.
 *
 * @example
 * ```ts
 * connect('worker').pipe(liveness({ interval: 200, timeout: 150 })).subscribe((state) => console.log(state));
 * of(connection).pipe(liveness()).subscribe(...); // for a connection you already hold
 * ```
 */
export function liveness(options: LivenessOptions = {}): OperatorFunction<Connection, PeerState> {
  const interval = options.interval ?? 1000;
  const timeout = options.timeout ?? interval;
  if (!(interval > 0) || !(timeout > 0))
    throw new RangeError(`liveness: interval and timeout must be > 0 ms: interval=${interval}, timeout=${timeout}`);
  const native = options.native ?? defaultNative;
  return (source) =>
    source.pipe(
      switchMap((connection) =>
        peerStates(connectionProbe(connection, native), { interval, timeout, scheduler: options.scheduler }),
      ),
    );
}

/** The LivenessProbe of a real connection. */
export function connectionProbe(connection: Connection, native: NativeApi): LivenessProbe {
  return {
    check: (correlation) =>
      void connection.sendFrame({ kind: FrameKind.LivenessCheck, status: 0, correlation, method: 0 }, EMPTY_PAYLOAD),
    onAlive: (callback) => connection.control.on(FrameKind.Alive, () => callback()),
    onEnd: (callback) => {
      // After the peer's Close no Alive can come: end (not `unresponsive`), as when the connection ends cleanly.
      const offClose = connection.control.onPeerClose(() => callback(false));
      const offFail = connection.control.onFail((error) => callback(error instanceof PeerExitedError));
      return () => {
        offClose();
        offFail();
      };
    },
    exited: () => connection.peerPid > 0 && native.processes.state(connection.peerPid) === 'exited',
  };
}

/** The state machine: a check every `interval`, each with its own deadline `timeout` later. */
export function peerStates(
  probe: LivenessProbe,
  options: { interval: number; timeout: number; scheduler?: SchedulerLike },
): Observable<PeerState> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<PeerState>((subscriber) => {
    let state: PeerState | null = null;
    let lastAlive = -Infinity;
    let nextId = 1;
    const emit = (next: PeerState): void => {
      if (subscriber.closed) return;
      if (next !== state) subscriber.next((state = next));
      if (next === 'exited') subscriber.complete();
    };
    const offAlive = probe.onAlive(() => {
      lastAlive = scheduler.now();
      emit('alive');
    });
    const offEnd = probe.onEnd((exited) => (exited ? emit('exited') : subscriber.complete()));
    const ticks = scheduler.schedule(function tick() {
      if (probe.exited()) return emit('exited');
      const sentAt = scheduler.now();
      probe.check(nextId++);
      const deadline = scheduler.schedule(() => {
        subscriber.remove(deadline); // one check's deadline: do not keep it once it ran (liveness may run for days)
        if (lastAlive < sentAt && !probe.exited()) emit('unresponsive');
        else if (probe.exited()) emit('exited');
      }, options.timeout);
      subscriber.add(deadline);
      this.schedule(undefined, options.interval);
    }, 0);
    return () => {
      ticks.unsubscribe();
      offAlive();
      offEnd();
    };
  });
}
