/**
 * The contender contract: everything the harness knows about a transport under test.
 *
 * A contender is one way of moving bytes between two parties (rxshm with a wait strategy, a Unix socket, ...).
 * The harness opens one {@link Session} per contender, runs every section the session implements (a method that is
 * absent means "not measured"), then closes it. Each session method measures ONE repetition; warm-up, calibration of
 * iteration counts, repetitions and medians are the harness's job, so every contender is measured the same way.
 *
 * Registering: put a module in `bench/contenders/` that exports `contenders: Contender[]`; the harness discovers
 * it at start-up (a module that fails to import is reported and skipped, the run goes on).
 *
 * @example
 * export const contenders: Contender[] = [{
 *   name: 'rxshm-spin', label: 'rxshm (spin)', order: 10,
 *   async open(ctx) { const peer = await startNodePeer(ctx, peerScript, []); return { ...methods, close: () => peer.kill() }; },
 * }];
 */
import type { Plan } from './plan.js';
import type { SideResources } from './resources.js';

/** Codec variants of the request/response section (issue 6: a struct codec and a json codec). */
export type RequestCodec = 'struct' | 'json';

/** One repetition of round trips: order statistics over `iterations` samples. */
export interface RttSample {
  readonly iterations: number;
  readonly medianNs: number;
  readonly p99Ns: number;
}

/** One repetition of one-way transfer: `messages` delivered (and acknowledged by the receiver) in `seconds`. */
export interface ThroughputSample {
  readonly messages: number;
  readonly seconds: number;
}

/** One repetition of request/response: `operations` completed responses in `seconds`. */
export interface OpsSample {
  readonly operations: number;
  readonly seconds: number;
}

/**
 * The peer's half of the resource figures (issue 12): the harness opens a window on both sides around each measured
 * repetition of throughput and calls, and the peer reports its own peak RSS and GC share. NodePeer implements it.
 */
export interface ResourcePeer {
  openWindow(): Promise<void>;
  closeWindow(): Promise<SideResources>;
}

/** CPU time a connected but silent pair used over `seconds` of wall time. */
export interface IdleSample {
  readonly seconds: number;
  /** CPU seconds (user+sys) spent by the harness-side party (this process, or a second child). */
  readonly harnessCpuSeconds: number;
  /** CPU seconds (user+sys) spent by the peer process. */
  readonly peerCpuSeconds: number;
}

/** What the harness hands to a contender. */
export interface BenchContext {
  readonly plan: Plan;
  /** A private temporary directory for this contender (sockets, binaries); removed by the harness. */
  readonly tmpDir: string;
  /** Absolute path of the bench/ directory. */
  readonly benchDir: string;
  /** Record a remark printed under the tables (e.g. "payloads sent as base64 strings"). */
  note(text: string): void;
}

/** An open pair. Implement only the sections the transport supports. */
export interface Session {
  /** Send `payload`, wait for the peer to echo it back; `iterations` times. */
  roundTrip?(payload: Uint8Array, iterations: number): Promise<RttSample>;
  /** Send `messages` copies of `payload` one way as fast as the transport accepts; done when the receiver has all. */
  throughput?(payload: Uint8Array, messages: number): Promise<ThroughputSample>;
  /** Complete `operations` sequential requests through a request/serve pair with the given codec. */
  requestResponse?(codec: RequestCodec, operations: number): Promise<OpsSample>;
  /**
   * Complete `operations` calls of the transport's request/response path (issue 12), each sending `payload` to a
   * peer that answers with the same bytes, with `inFlight` calls outstanding at all times (1: sequential). Every
   * answer must reach its own caller (a correlation id per call), as a user's RPC needs.
   */
  calls?(payload: Uint8Array, inFlight: number, operations: number): Promise<OpsSample>;
  /** The peer's resource figures; absent when there is no peer process (its peer columns then stay empty). */
  readonly resources?: ResourcePeer;
  /** Stay connected and silent for `ms`; report the CPU both sides used. */
  idle?(ms: number): Promise<IdleSample>;
  /** Tear everything down: kill child processes, remove files. Must not throw; called exactly once. */
  close(): Promise<void>;
}

/** A transport under test. */
export interface Contender {
  /** Unique id: used by `--only`, in the JSON and by the targets (e.g. 'unix-socket', 'rxshm-spin'). */
  readonly name: string;
  /** Human text for tables and the chart. */
  readonly label: string;
  /** Sort key for tables (lower first); default 50. */
  readonly order?: number;
  /** Start the pair. Throw {@link SkipContender} when the contender cannot run here (e.g. no C compiler). */
  open(ctx: BenchContext): Promise<Session>;
}

/** Thrown by `open` to skip a contender with a reason (printed, not an error). */
export class SkipContender extends Error {
  override readonly name = 'SkipContender';
}
