/**
 * rxshm benchmark harness (issues 6, 12, 13): `node --import tsx bench/index.ts [--quick] [--only a,b] [--out DIR]`.
 *
 * Discovers the contenders in bench/contenders/, runs each through every section it implements (round trip,
 * throughput, request/response with codecs, request/response calls, idle CPU), then rxshm's late-subscriber drain,
 * many clients against a Unix socket (issue 13) and the codecs; prints a Markdown report on stdout with progress on
 * stderr, and writes latest.json, latest.md and latest.svg. rxshm is the compiled library (lib/library.ts: `dist/`,
 * which `npm run bench` builds first, or RXSHM_BENCH_DIST), as users run it; the harness itself runs through tsx.
 * Every child process is tracked and killed before exit; a contender (or section) that fails becomes a note and the
 * run goes on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCodecBench } from './codecs.js';
import { runLateSubscriberBench } from './late-subscriber.js';
import { FULL_SIZING, manyClientsSteps, QUICK_SIZING, runManyClientsBench } from './many-clients.js';
import { parseArgs } from './lib/args.js';
import type { BenchContext } from './lib/contender.js';
import { discover } from './lib/discover.js';
import { DIST_DIR, staleBuildNote } from './lib/library.js';
import { machine } from './lib/machine.js';
import { toMarkdown } from './lib/markdown.js';
import { runContender, stepsPerContender } from './lib/measure.js';
import { killAllChildren } from './lib/peer.js';
import { FULL_PLAN, QUICK_PLAN } from './lib/plan.js';
import { Progress } from './lib/progress.js';
import type { LateDrainRow, ManyClientsRow, Results } from './lib/results.js';
import { toSvg } from './lib/svg.js';
import { computeTargets } from './lib/targets.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Sections that are not contenders, selectable with --only like one. */
const SECTIONS = ['late-subscriber', 'many-clients', 'codecs'];
const cleanups: (() => void)[] = [];

/** Synchronous and idempotent, so it can run from `finally` and again from the 'exit' handler. */
function cleanUp(): void {
  killAllChildren();
  for (const f of cleanups.splice(0)) {
    try {
      f();
    } catch {
      /* best effort */
    }
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), join(BENCH_DIR, 'results'));
  const plan = args.quick ? QUICK_PLAN : FULL_PLAN;
  const found = await discover(join(BENCH_DIR, 'contenders'));
  const unknown = (args.only ?? []).filter((n) => !SECTIONS.includes(n) && !found.contenders.some((c) => c.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown contender: names=${unknown.join(',')}; known=${[...found.contenders.map((c) => c.name), ...SECTIONS].join(',')}`,
    );
  const selected = found.contenders.filter((c) => !args.only || args.only.includes(c.name));
  const runs = (section: string): boolean => !args.only || args.only.includes(section);

  const lateSubscriber: LateDrainRow[] = [];
  const manyClients: ManyClientsRow[] = [];
  const results: Results = {
    machine: machine(),
    plan,
    contenders: [],
    roundTrip: [],
    throughput: [],
    requestResponse: [],
    calls: [],
    idle: [],
    codecs: [],
    lateSubscriber,
    manyClients,
    targets: [],
    notes: [...found.failures],
  };
  if (args.only) results.notes.push(`Run limited to: ${args.only.join(', ')} (--only).`);
  results.notes.push(`rxshm: the compiled library (${relative(join(BENCH_DIR, '..'), DIST_DIR)}/), as users run it.`);
  const stale = staleBuildNote();
  if (stale) results.notes.push(stale);
  const progress = new Progress(
    selected.length * stepsPerContender({ plan }) +
      (runs('late-subscriber') ? plan.repetitions : 0) +
      (runs('many-clients') ? manyClientsSteps(plan.repetitions) : 0),
  );
  for (const f of stale ? [...found.failures, stale] : found.failures) progress.log(`note: ${f}`);
  const root = mkdtempSync(join(tmpdir(), 'rxshm-bench-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  try {
    for (const contender of selected) {
      const tmpDir = mkdtempSync(join(root, `${contender.name}-`));
      const ctx: BenchContext = {
        plan,
        tmpDir,
        benchDir: BENCH_DIR,
        note: (text) => {
          if (!results.notes.includes(text)) results.notes.push(text);
        },
      };
      await runContender(contender, ctx, progress, results);
    }
    if (runs('late-subscriber')) {
      await runLateSubscriberBench({
        repetitions: plan.repetitions,
        timeoutMs: plan.callTimeoutMs,
        onRepetition: (r) => progress.step(`late subscriber round ${r}/${plan.repetitions}`),
      }).then(
        (row) => lateSubscriber.push(row),
        (e: unknown) => {
          const text = `late-subscriber failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
          results.notes.push(text);
          progress.log(`note: ${text}`);
        },
      );
    }
    if (runs('many-clients')) {
      await runManyClientsBench({
        sizing: args.quick ? QUICK_SIZING : FULL_SIZING,
        repetitions: plan.repetitions,
        tmpDir: mkdtempSync(join(root, 'many-clients-')),
        timeoutMs: plan.callTimeoutMs,
        onStep: (label) => progress.step(label),
      }).then(
        (rows) => manyClients.push(...rows),
        (e: unknown) => {
          const text = `many-clients failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
          results.notes.push(text);
          progress.log(`note: ${text}`);
        },
      );
    }
    // Codecs run in-process, after the transports, so they do not compete with a peer for the cores.
    if (runs('codecs')) results.codecs.push(...(await runCodecBench({ quick: args.quick })));
  } finally {
    progress.end();
    cleanUp();
  }
  results.targets = computeTargets(results);

  const markdown = toMarkdown(results);
  mkdirSync(args.outDir, { recursive: true });
  writeFileSync(join(args.outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(args.outDir, 'latest.md'), markdown);
  writeFileSync(join(args.outDir, 'latest.svg'), toSvg(results));
  process.stdout.write(markdown);
  process.stderr.write(`results written to ${args.outDir}/latest.{json,md,svg}\n`);
  // Exit code 0 even when contenders failed: failures are reported in the output, the run itself worked.
  return 0;
}

// Safety net: whatever happens, children die with us and temporary files go (process.exit skips `finally`).
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130));
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
