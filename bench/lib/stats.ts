/** Order statistics. Samples are sorted in place (callers hand over arrays they no longer need in order). */

/** Nearest-rank percentile of sorted values, p in [0, 1]. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((sorted.length - 1) * p)));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Median and p99 of raw round-trip samples in ns. */
export function summarizeNs(samples: Float64Array): { medianNs: number; p99Ns: number } {
  samples.sort();
  return { medianNs: percentileSorted(samples, 0.5), p99Ns: percentileSorted(samples, 0.99) };
}

/** Clamp a calibrated count into [min, max], rounded to an integer. */
export function clampCount(n: number, min: number, max: number): number {
  if (!Number.isFinite(n)) return min;
  return Math.round(Math.min(max, Math.max(min, n)));
}

/**
 * One repetition of awaited round trips, the way the Node baselines are measured: `exchange` sends the payload and
 * resolves with the echo; each sample is one hrtime interval; the first echo is checked against the payload.
 */
export async function awaitedRoundTrips(
  name: string,
  iterations: number,
  exchange: () => Promise<Uint8Array>,
  isPayload: (bytes: Uint8Array) => boolean,
): Promise<{ iterations: number; medianNs: number; p99Ns: number }> {
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    const echoed = await exchange();
    samples[i] = Number(process.hrtime.bigint() - t0);
    if (i === 0 && !isPayload(echoed)) throw new Error(`${name}: echoed payload differs`);
  }
  return { iterations, ...summarizeNs(samples) };
}
