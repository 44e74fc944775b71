/**
 * One section of a contender's measurement, run the same way for every section: per key (a size, a codec, a number
 * of calls in flight) a warm-up that calibrates the count; then `repetitions` rounds in which every key is measured
 * once (interleaved, so a burst of load on the machine hits all keys alike); a key's row gets every round's sample.
 * Rounds of sections with resource figures (throughput, calls) run inside a window on both sides (resource-rows.ts);
 * warm-ups do not, so the figures cover the measured repetitions only.
 */
import type { ResourcePeer } from './contender.js';
import { inWindow, rowResources, type Windowed } from './resource-rows.js';
import type { RowResources } from './results.js';

/** A section: its keys, how to calibrate a key, one repetition, and what to record. */
export interface Series<K, S> {
  readonly name: string;
  readonly keys: readonly K[];
  readonly label: (key: K) => string;
  /** One repetition, without deadline; absent when the session does not implement the section. */
  readonly rep: ((key: K, count: number) => Promise<S>) | undefined;
  /** The count of a measured repetition, from warm-up runs of `rep` (which then run under the deadline). */
  readonly calibrate: (key: K, rep: (key: K, count: number) => Promise<S>) => Promise<number>;
  /** True: each measured round runs inside a resource window, and `record` gets the medians of the figures. */
  readonly windowed?: boolean;
  readonly record: (key: K, count: number, samples: S[], resources: RowResources | undefined) => void;
}

/** One measured round of a key: its sample, and both sides' figures when the section is windowed. */
interface Round<S> {
  readonly value: S;
  readonly window?: Windowed<S>;
}

/** What a series needs of the contender being measured. */
export interface SeriesContext {
  readonly repetitions: number;
  /** The session's reporting peer, for windowed sections. */
  readonly peer: ResourcePeer | undefined;
  /** Runs `run` under the deadline of one session call. */
  call<T>(what: string, run: () => Promise<T>): Promise<T>;
  /** Runs a step: false (the failure noted) when it fails, false without running once the session is broken. */
  attempt(what: string, run: () => Promise<void>): Promise<boolean>;
  /** Advances the progress bar. */
  step(label: string): void;
}

/** Runs the section; resolves with the number of keys recorded (0: nothing measured, or not implemented). */
export async function runSeries<K, S>(x: Series<K, S>, ctx: SeriesContext): Promise<number> {
  const rep = x.rep;
  const what = (key: K): string => `${x.name} ${x.label(key)}`;
  const timed = (key: K, count: number): Promise<S> => ctx.call(x.name, () => rep!(key, count));
  const measured = (key: K, count: number): Promise<Round<S>> =>
    x.windowed
      ? ctx.call(x.name, () => inWindow(ctx.peer, () => rep!(key, count))).then((w) => ({ value: w.value, window: w }))
      : timed(key, count).then((value) => ({ value }));
  const counts = new Map<K, number>();
  const rounds = new Map<K, Round<S>[]>();
  for (const key of x.keys) {
    ctx.step(`${what(key)} warm-up`);
    if (rep)
      await ctx.attempt(what(key), async () => {
        counts.set(key, await x.calibrate(key, timed));
        rounds.set(key, []);
      });
  }
  for (let r = 1; r <= ctx.repetitions; r++) {
    ctx.step(`${x.name} round ${r}/${ctx.repetitions}`);
    for (const [key, count] of counts) {
      const ok = await ctx.attempt(what(key), async () => {
        rounds.get(key)!.push(await measured(key, count));
      });
      if (!ok) counts.delete(key);
    }
  }
  for (const [key, count] of counts) {
    const done = rounds.get(key)!;
    const windows = done.flatMap((round) => (round.window ? [round.window] : []));
    x.record(
      key,
      count,
      done.map((round) => round.value),
      x.windowed ? rowResources(windows) : undefined,
    );
  }
  return counts.size;
}
