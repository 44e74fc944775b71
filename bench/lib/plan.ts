/** How much to measure: the full plan for published numbers, the quick plan for smoke runs and the test. */
export interface Plan {
  readonly quick: boolean;
  /** Message sizes of the round-trip section, bytes. */
  readonly rttSizes: readonly number[];
  /** Message sizes of the throughput section, bytes. */
  readonly throughputSizes: readonly number[];
  /** Repetitions per measurement; the reported value is the median over repetitions. */
  readonly repetitions: number;
  /** Round trips in the warm-up repetition (also used to calibrate the measured repetitions). */
  readonly rttWarmup: number;
  /** Target wall time of one measured repetition, seconds (iterations are calibrated to it). */
  readonly repSeconds: number;
  /** Bounds on calibrated counts, so a very slow or very fast contender stays sane. */
  readonly minCount: number;
  readonly maxCount: number;
  /** Messages in the warm-up repetition of throughput and request/response. */
  readonly throughputWarmup: number;
  /** Payload of the calls section (issue 12: 32 B, echoed). */
  readonly callBytes: number;
  /** Calls outstanding in the calls section: 1 is sequential (issue 12: sequential and 64 in flight). */
  readonly callsInFlight: readonly number[];
  /** Idle-CPU window, ms (issue 6: 2 s). */
  readonly idleMs: number;
  /** Any single session call taking longer than this fails the contender's section. */
  readonly callTimeoutMs: number;
}

export const FULL_PLAN: Plan = {
  quick: false,
  rttSizes: [8, 1024, 65536],
  throughputSizes: [64, 1024, 65536],
  repetitions: 5,
  rttWarmup: 2000,
  repSeconds: 0.4,
  minCount: 200,
  maxCount: 2_000_000,
  throughputWarmup: 2000,
  callBytes: 32,
  callsInFlight: [1, 64],
  idleMs: 2000,
  callTimeoutMs: 60_000,
};

/** Every section and contender runs at least once; counts are small so the whole run stays well under a minute. */
export const QUICK_PLAN: Plan = {
  quick: true,
  rttSizes: [8, 65536],
  throughputSizes: [64, 65536],
  repetitions: 2,
  rttWarmup: 200,
  repSeconds: 0.05,
  minCount: 50,
  maxCount: 200_000,
  throughputWarmup: 200,
  callBytes: 32,
  callsInFlight: [1, 64],
  idleMs: 500,
  callTimeoutMs: 20_000,
};
