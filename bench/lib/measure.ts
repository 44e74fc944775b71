/**
 * Runs one contender through every section with the same hygiene (series.ts: warm-up and calibration per key,
 * interleaved repetitions, medians over repetitions). Each session call has a deadline; a failure becomes a note
 * and the rest still runs; the session is always closed. Throughput and calls rows carry both sides' peak RSS and
 * GC share over their measured repetitions (issue 12).
 */
import type { BenchContext, Contender, RequestCodec, Session } from './contender.js';
import { SkipContender } from './contender.js';
import { inFlightLabel } from './format.js';
import type { Plan } from './plan.js';
import { payload, sizeLabel } from './payload.js';
import type { Progress } from './progress.js';
import type { ContenderStatus, Results } from './results.js';
import { runSeries, type Series } from './series.js';
import { clampCount, median } from './stats.js';

export const CODECS: readonly RequestCodec[] = ['struct', 'json'];

/** Progress steps one contender takes (open, warm-ups, rounds, idle), so the bar's total is known up front. */
export function stepsPerContender({ plan }: { plan: Plan }): number {
  const sections = [plan.rttSizes.length, plan.throughputSizes.length, CODECS.length, plan.callsInFlight.length];
  return 1 + sections.reduce((sum, keys) => sum + keys + plan.repetitions, 0) + 1;
}

class Deadline extends Error {}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runContender(
  contender: Contender,
  ctx: BenchContext,
  progress: Progress,
  results: Results,
): Promise<void> {
  const { plan } = ctx;
  const status: ContenderStatus = { name: contender.name, label: contender.label, status: 'failed', notes: [] };
  results.contenders.push(status);
  const steps = stepsPerContender(ctx);
  let stepped = 0;
  const step = (label: string) => {
    stepped++;
    progress.step(`${contender.name}: ${label}`);
  };
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    within(run(), plan.callTimeoutMs, `${contender.name} ${what}`);
  const fail = (what: string, e: unknown) => {
    status.notes.push(`${what} failed: ${message(e)}`);
    progress.log(`note: ${contender.name} ${what} failed: ${message(e)}`);
  };

  let s: Session;
  try {
    step('starting');
    s = await call('open', () => contender.open(ctx));
  } catch (e) {
    status.status = e instanceof SkipContender ? 'skipped' : 'failed';
    status.notes.push(`${status.status}: ${message(e)}`);
    progress.log(`note: ${contender.name} ${status.notes.at(-1)}`);
    while (stepped < steps) step('-');
    return;
  }
  // A call that misses its deadline leaves the session in an unknown state: skip the rest of this contender.
  let broken = false;
  const attempt = async (what: string, run: () => Promise<void>): Promise<boolean> => {
    if (broken) return false;
    try {
      await run();
      return true;
    } catch (e) {
      broken ||= e instanceof Deadline;
      fail(what, e);
      return false;
    }
  };
  const series = async <K, S>(x: Series<K, S>): Promise<void> => {
    const recorded = await runSeries(x, { repetitions: plan.repetitions, peer: s.resources, call, attempt, step });
    if (recorded > 0) status.status = 'ok';
  };

  // Two warm-up runs for counted sections: a fixed small one (JIT, buffers), then one sized from it to about
  // half a repetition, whose warmed-up cost per message sizes the measured repetitions.
  const calibrateRate = async (secondsPerMessage: (count: number) => Promise<number>): Promise<number> => {
    const first = await secondsPerMessage(plan.throughputWarmup);
    const second = await secondsPerMessage(clampCount(plan.repSeconds / 2 / first, plan.minCount, plan.maxCount));
    return clampCount(plan.repSeconds / second, plan.minCount, plan.maxCount);
  };
  const roundTrip = s.roundTrip?.bind(s);
  const throughput = s.throughput?.bind(s);
  const requestResponse = s.requestResponse?.bind(s);
  const calls = s.calls?.bind(s);
  try {
    await series({
      name: 'round trip',
      keys: plan.rttSizes,
      label: sizeLabel,
      rep: roundTrip && ((size: number, n: number) => roundTrip(payload(size), n)),
      async calibrate(size, rep) {
        // A short probe bounds the warm-up's length; the warmed-up wall time per round trip then sets the measured
        // count. Wall time, not the median: on a loaded machine round trips are bimodal (µs while both processes
        // run, a scheduler tick when one waits for a core), and a count sized from a fast median can run many
        // times its repetition's length, into the deadline.
        const nsPerTrip = async (n: number): Promise<number> => {
          const t0 = process.hrtime.bigint();
          await rep(size, n);
          return Number(process.hrtime.bigint() - t0) / n;
        };
        const repNs = plan.repSeconds * 1e9;
        const probe = await nsPerTrip(20);
        const warm = await nsPerTrip(clampCount(Math.min(plan.rttWarmup, repNs / probe), plan.minCount, plan.maxCount));
        return clampCount(repNs / warm, plan.minCount, plan.maxCount);
      },
      record: (size, iterations, reps) =>
        results.roundTrip.push({
          contender: contender.name,
          size,
          repetitions: reps.length,
          iterations,
          medianUs: median(reps.map((x) => x.medianNs)) / 1e3,
          p99Us: median(reps.map((x) => x.p99Ns)) / 1e3,
        }),
    });
    await series({
      name: 'throughput',
      keys: plan.throughputSizes,
      label: sizeLabel,
      rep: throughput && ((size: number, n: number) => throughput(payload(size), n)),
      calibrate: (size, rep) => calibrateRate((n) => rep(size, n).then((x) => x.seconds / x.messages)),
      windowed: true,
      record: (size, messages, reps, figures) => {
        const mps = median(reps.map((x) => x.messages / x.seconds));
        results.throughput.push({
          contender: contender.name,
          size,
          repetitions: reps.length,
          messages,
          messagesPerSecond: mps,
          bytesPerSecond: mps * size,
          resources: figures!,
        });
      },
    });
    await series({
      name: 'request/response',
      keys: CODECS,
      label: (codec) => codec,
      rep: requestResponse && ((codec: RequestCodec, n: number) => requestResponse(codec, n)),
      calibrate: (codec, rep) => calibrateRate((n) => rep(codec, n).then((x) => x.seconds / x.operations)),
      record: (codec, operations, reps) =>
        results.requestResponse.push({
          contender: contender.name,
          codec,
          repetitions: reps.length,
          operations,
          opsPerSecond: median(reps.map((x) => x.operations / x.seconds)),
        }),
    });
    await series({
      name: 'calls',
      keys: plan.callsInFlight,
      label: inFlightLabel,
      rep: calls && ((inFlight: number, n: number) => calls(payload(plan.callBytes), inFlight, n)),
      calibrate: (inFlight, rep) => calibrateRate((n) => rep(inFlight, n).then((x) => x.seconds / x.operations)),
      windowed: true,
      record: (inFlight, operations, reps, figures) =>
        results.calls.push({
          contender: contender.name,
          payloadBytes: plan.callBytes,
          inFlight,
          repetitions: reps.length,
          operations,
          callsPerSecond: median(reps.map((x) => x.operations / x.seconds)),
          resources: figures!,
        }),
    });
    step('idle CPU');
    if (s.idle && !broken) {
      const idle = s.idle.bind(s);
      try {
        await sleep(200); // let GC and delayed writes from the previous section settle
        const x = await call('idle', () => idle(plan.idleMs));
        const pct = (cpu: number) => (cpu / x.seconds) * 100;
        results.idle.push({
          contender: contender.name,
          seconds: x.seconds,
          harnessPercent: pct(x.harnessCpuSeconds),
          peerPercent: pct(x.peerCpuSeconds),
          pairPercent: pct(x.harnessCpuSeconds + x.peerCpuSeconds),
        });
        status.status = 'ok';
      } catch (e) {
        fail('idle CPU', e);
      }
    }
  } finally {
    await within(s.close(), 10_000, `${contender.name} close`).catch((e: unknown) =>
      status.notes.push(`close failed: ${message(e)}`),
    );
  }
}
