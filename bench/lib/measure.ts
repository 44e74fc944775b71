/**
 * Runs one contender through every section with the same hygiene: a short probe to calibrate counts, a warm-up
 * repetition, then `plan.repetitions` measured repetitions whose medians are reported. Each session call has a
 * deadline; a failing section becomes a note and the others still run; the session is always closed.
 */
import type { BenchContext, Contender, RequestCodec, Session } from './contender.js';
import { SkipContender } from './contender.js';
import { payload, sizeLabel } from './payload.js';
import type { Progress } from './progress.js';
import type { ContenderStatus, Results } from './results.js';
import { clampCount, median } from './stats.js';

export const CODECS: readonly RequestCodec[] = ['struct', 'json'];

/** Progress steps one contender takes (open + each section slot), so the bar's total is known up front. */
export function stepsPerContender(ctx: Pick<BenchContext, 'plan'>): number {
  return 1 + ctx.plan.rttSizes.length + ctx.plan.throughputSizes.length + CODECS.length + 1;
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

export async function runContender(contender: Contender, ctx: BenchContext, progress: Progress, results: Results): Promise<void> {
  const { plan } = ctx;
  const status: ContenderStatus = { name: contender.name, label: contender.label, status: 'failed', notes: [] };
  results.contenders.push(status);
  const steps = stepsPerContender(ctx);
  let stepped = 0;
  const step = (label: string) => { stepped++; progress.step(`${contender.name}: ${label}`); };
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> => within(run(), plan.callTimeoutMs, `${contender.name} ${what}`);

  let session: Session | undefined;
  try {
    step('starting');
    session = await call('open', () => contender.open(ctx));
  } catch (e) {
    status.status = e instanceof SkipContender ? 'skipped' : 'failed';
    status.notes.push(`${status.status}: ${message(e)}`);
    progress.log(`note: ${contender.name} ${status.notes.at(-1)}`);
    while (stepped < steps) step('-');
    return;
  }
  const s = session;
  // Two warm-up repetitions: a fixed small one (JIT, buffers), then one sized from it to about half a repetition,
  // whose warmed-up cost per message sizes the measured repetitions.
  const calibrate = async (secondsPerMessage: (count: number) => Promise<number>): Promise<number> => {
    const first = await secondsPerMessage(plan.throughputWarmup);
    const second = await secondsPerMessage(clampCount(plan.repSeconds / 2 / first, plan.minCount, plan.maxCount));
    return clampCount(plan.repSeconds / second, plan.minCount, plan.maxCount);
  };
  // A section that misses its deadline leaves the session in an unknown state: skip the rest of this contender.
  let broken = false;
  const section = async (label: string, run: () => Promise<boolean>): Promise<void> => {
    step(label);
    if (broken) return;
    try {
      if (await run()) status.status = 'ok';
    } catch (e) {
      broken ||= e instanceof Deadline;
      status.notes.push(`${label} failed: ${message(e)}`);
      progress.log(`note: ${contender.name} ${label} failed: ${message(e)}`);
    }
  };
  try {
    for (const size of plan.rttSizes) {
      await section(`round trip ${sizeLabel(size)}`, async () => {
        if (!s.roundTrip) return false;
        const rt = s.roundTrip.bind(s);
        const bytes = payload(size);
        // A short probe bounds the warm-up's length; the warmed-up median then sets the measured count.
        const probe = await call('round trip', () => rt(bytes, 20));
        const warmCount = clampCount(Math.min(plan.rttWarmup, (plan.repSeconds * 1e9) / probe.medianNs), plan.minCount, plan.maxCount);
        const warm = await call('round trip', () => rt(bytes, warmCount));
        const perRep = clampCount((plan.repSeconds * 1e9) / warm.medianNs, plan.minCount, plan.maxCount);
        const reps = [];
        for (let r = 0; r < plan.repetitions; r++) reps.push(await call('round trip', () => rt(bytes, perRep)));
        results.roundTrip.push({
          contender: contender.name, size, repetitions: reps.length, iterations: perRep,
          medianUs: median(reps.map((x) => x.medianNs)) / 1e3, p99Us: median(reps.map((x) => x.p99Ns)) / 1e3,
        });
        return true;
      });
    }
    for (const size of plan.throughputSizes) {
      await section(`throughput ${sizeLabel(size)}`, async () => {
        if (!s.throughput) return false;
        const tp = s.throughput.bind(s);
        const bytes = payload(size);
        const perRep = await calibrate((n) => call('throughput', () => tp(bytes, n)).then((x) => x.seconds / x.messages));
        const rates = [];
        for (let r = 0; r < plan.repetitions; r++) {
          const x = await call('throughput', () => tp(bytes, perRep));
          rates.push(x.messages / x.seconds);
        }
        const mps = median(rates);
        results.throughput.push({ contender: contender.name, size, repetitions: rates.length, messages: perRep, messagesPerSecond: mps, bytesPerSecond: mps * size });
        return true;
      });
    }
    for (const codec of CODECS) {
      await section(`request/response ${codec}`, async () => {
        if (!s.requestResponse) return false;
        const rr = s.requestResponse.bind(s);
        const perRep = await calibrate((n) => call('request/response', () => rr(codec, n)).then((x) => x.seconds / x.operations));
        const rates = [];
        for (let r = 0; r < plan.repetitions; r++) {
          const x = await call('request/response', () => rr(codec, perRep));
          rates.push(x.operations / x.seconds);
        }
        results.requestResponse.push({ contender: contender.name, codec, repetitions: rates.length, operations: perRep, opsPerSecond: median(rates) });
        return true;
      });
    }
    await section('idle CPU', async () => {
      if (!s.idle) return false;
      const idle = s.idle.bind(s);
      await sleep(200); // let GC and delayed writes from the previous section settle
      const x = await call('idle', () => idle(plan.idleMs));
      const pct = (cpu: number) => (cpu / x.seconds) * 100;
      results.idle.push({
        contender: contender.name, seconds: x.seconds, harnessPercent: pct(x.harnessCpuSeconds),
        peerPercent: pct(x.peerCpuSeconds), pairPercent: pct(x.harnessCpuSeconds + x.peerCpuSeconds),
      });
      return true;
    });
  } finally {
    await within(s.close(), 10_000, `${contender.name} close`).catch((e: unknown) => status.notes.push(`close failed: ${message(e)}`));
  }
}
