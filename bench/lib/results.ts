/** Shape of a benchmark run, as written to latest.json (units in the field names). */
import type { RequestCodec } from './contender.js';
import type { Plan } from './plan.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly release: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started. */
  readonly loadAverage: number;
  readonly date: string;
}

export interface ContenderStatus {
  readonly name: string;
  readonly label: string;
  /** ok: at least one section measured; skipped: cannot run here; failed: nothing measured. */
  status: 'ok' | 'skipped' | 'failed';
  readonly notes: string[];
}

export interface RttRow {
  readonly contender: string;
  readonly size: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly repetitions: number;
  readonly iterations: number;
}
/**
 * Both sides' resource figures over a row's measured repetitions (issue 12), each the median over repetitions of
 * that repetition's figure (see resources.ts for how a side measures itself).
 */
export interface RowResources {
  readonly harnessPeakRssBytes: number;
  /** Share of wall time the harness process spent in GC pauses, percent. */
  readonly harnessGcPercent: number;
  /** null when no peer process reports (an in-process peer). */
  readonly peerPeakRssBytes: number | null;
  readonly peerGcPercent: number | null;
  /** 'window': each high-water mark was reset per repetition; 'lifetime': maxRSS since the process started. */
  readonly peakRssScope: 'window' | 'lifetime';
}
export interface ThroughputRow {
  readonly contender: string;
  readonly size: number;
  readonly messagesPerSecond: number;
  readonly bytesPerSecond: number;
  readonly repetitions: number;
  readonly messages: number;
  readonly resources: RowResources;
}
export interface OpsRow {
  readonly contender: string;
  readonly codec: RequestCodec;
  readonly opsPerSecond: number;
  readonly repetitions: number;
  readonly operations: number;
}
/** Request/response calls (issue 12): `payloadBytes` echoed, `inFlight` outstanding (1: sequential). */
export interface CallsRow {
  readonly contender: string;
  readonly payloadBytes: number;
  readonly inFlight: number;
  readonly callsPerSecond: number;
  readonly repetitions: number;
  readonly operations: number;
  readonly resources: RowResources;
}
/** Late-subscriber drain (issue 9): rates of a live and a late subscriber for the same burst, and late / live. */
export interface LateDrainRow {
  readonly messages: number;
  readonly size: number;
  readonly repetitions: number;
  readonly liveMessagesPerSecond: number;
  readonly lateMessagesPerSecond: number;
  readonly ratio: number;
}
/**
 * One row of the many-clients bench (issue 13): rxshm against a Unix socket, both measured in the same run with the
 * same client processes, repetitions interleaved.
 */
export interface ManyClientsRow {
  /** fan-in: every client sends to the server; broadcast: the server to every client; setup: connect -> greeting. */
  readonly id: 'fan-in' | 'broadcast' | 'setup';
  /** Client processes connected at once (setup: one process connecting again and again). */
  readonly clients: number;
  /** Message size, bytes. */
  readonly size: number;
  readonly unit: 'messages/s' | 'µs';
  /** Median over repetitions (setup: of each repetition's median connect). */
  readonly rxshm: number;
  readonly socket: number;
  /** rxshm / socket. */
  readonly ratio: number;
  /** True for rates (above 1: rxshm ahead); false for times (below 1: rxshm ahead). */
  readonly higherIsBetter: boolean;
  readonly repetitions: number;
  /** Per repetition, the same for both transports: messages per client (fan-in), broadcast messages, connects. */
  readonly count: number;
  /** Each repetition's figure, in the order measured. */
  readonly samples: { readonly rxshm: readonly number[]; readonly socket: readonly number[] };
}
export interface IdleRow {
  readonly contender: string;
  readonly seconds: number;
  readonly harnessPercent: number;
  readonly peerPercent: number;
  readonly pairPercent: number;
}

export interface TargetRow {
  readonly id: string;
  readonly label: string;
  /** The goal as text, e.g. "<= 1.5x". */
  readonly goal: string;
  /** The measured ratio (or percentage for idle), null when an input is missing. */
  readonly value: number | null;
  /** Printable value, or "n/a (no rxshm result)". */
  readonly text: string;
  readonly met: boolean | null;
}

export interface Results {
  readonly machine: Machine;
  readonly plan: Plan;
  readonly contenders: ContenderStatus[];
  readonly roundTrip: RttRow[];
  readonly throughput: ThroughputRow[];
  readonly requestResponse: OpsRow[];
  /** Request/response calls with a payload echoed, sequential and with many in flight (issue 12). */
  readonly calls: CallsRow[];
  readonly idle: IdleRow[];
  /** In-process codec speed (issue 4): encode+decode operations per second. */
  readonly codecs: { readonly name: string; readonly opsPerSec: number }[];
  /** rxshm's late-subscriber drain; absent in runs from before it was measured, empty when it failed or was left out. */
  readonly lateSubscriber?: LateDrainRow[];
  /** Many clients, rxshm against a Unix socket (issue 13); absent in older runs, empty when failed or left out. */
  readonly manyClients?: ManyClientsRow[];
  targets: TargetRow[];
  readonly notes: string[];
}
