/**
 * Smoke test of the benchmark harness: run `bench/index.ts --quick` as a child and check the SHAPE of what it
 * prints and writes. Never a time or a speed: the machine may be busy. A watchdog kills the run after 120 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TARGETS } from '../../bench/lib/targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WATCHDOG_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bench(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const watchdog = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench ${args.join(' ')} still running after ${WATCHDOG_MS} ms\n${stderr.slice(-2000)}`));
    }, WATCHDOG_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Data rows (not header or rule) of the Markdown table under `heading`. */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  assert.ok(start >= 0, `missing section ${heading}`);
  const lines = markdown.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((l) => l.startsWith('|')));
  const end = table.findIndex((l) => !l.startsWith('|'));
  const rows = end < 0 ? table : table.slice(0, end);
  return rows.slice(2).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

const BUILT_IN = ['unix-socket', 'process-send-json', 'process-send-advanced', 'message-port'];
/** Every rxshm contender, and the calls baselines (zeromq is a dev dependency with prebuilt binaries). */
const MUST_RUN = [
  ...BUILT_IN,
  'rxshm-spin',
  'rxshm-default',
  'rxshm-parked',
  'rxshm-zerocopy',
  'rxshm-batched',
  'rxshm-pooled',
  'unix-socket-rpc',
  'zeromq',
];
/** The contenders of the calls section (issue 12). */
const CALLERS = ['rxshm-spin', 'rxshm-default', 'unix-socket-rpc', 'zeromq'];
const RATE = /^\d+(\.\d+)?( [kMG])?$/;

interface Figures {
  harnessPeakRssBytes: number;
  harnessGcPercent: number;
  peerPeakRssBytes: number | null;
  peerGcPercent: number | null;
  peakRssScope: string;
}

/** A row's resource figures are there and plausible: sizes in bytes, shares in [0, 100]; the peer's when it has one. */
function checkFigures(where: string, x: Figures | undefined, hasPeer: boolean): void {
  assert.ok(x, `${where}: no resources`);
  assert.ok(x.harnessPeakRssBytes > 1 << 20, `${where}: harness peak RSS ${x.harnessPeakRssBytes}`);
  assert.ok(x.harnessGcPercent >= 0 && x.harnessGcPercent <= 100, `${where}: harness GC ${x.harnessGcPercent}`);
  if (!hasPeer) {
    assert.is(x.peerPeakRssBytes, null, `${where}: an in-process peer has no figures`);
    return;
  }
  assert.ok(x.peerPeakRssBytes !== null && x.peerPeakRssBytes > 1 << 20, `${where}: peer peak ${x.peerPeakRssBytes}`);
  assert.ok(x.peerGcPercent !== null && x.peerGcPercent >= 0 && x.peerGcPercent <= 100, `${where}: peer GC`);
  if (process.platform === 'linux') assert.is(x.peakRssScope, 'window', `${where}: high-water mark reset per window`);
}

test('--quick prints every section and writes parsable json, md and svg', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rxshm-bench-test-'));
  try {
    const run = await bench(['--quick', '--out', out]);
    assert.is(run.code, 0, run.stderr.slice(-2000));
    const md = run.stdout;
    for (const header of [
      '## Round trip',
      '## One-way throughput',
      '## Request/response',
      '## Request/response calls, 32 B echo',
      '## Resources',
      '## Idle CPU',
      '## Targets (issues 6 and 12)',
    ]) {
      assert.ok(md.includes(header), `stdout lacks ${header}`);
    }
    assert.ok(md.includes('| contender | 8 B median | 8 B p99 |'), 'latency header');
    assert.ok(md.includes('| contender | 64 B msg/s | 64 B bytes/s |'), 'throughput header');
    assert.ok(md.includes('| contender | harness side | peer | pair |'), 'idle header');
    assert.ok(md.includes('| target | measured | goal | status |'), 'targets header');
    assert.match(run.stderr, /\[[#-]+\]\s+\d+\/\d+/, 'progress bar on stderr');

    const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Record<string, unknown> & {
      machine: Record<string, unknown>;
      contenders: { name: string; label: string; status: string; notes: string[] }[];
      roundTrip: { contender: string; size: number; medianUs: number; p99Us: number }[];
      throughput: { contender: string; messagesPerSecond: number; bytesPerSecond: number; resources?: Figures }[];
      calls: {
        contender: string;
        payloadBytes: number;
        inFlight: number;
        callsPerSecond: number;
        repetitions: number;
        resources?: Figures;
      }[];
      idle: { contender: string; pairPercent: number }[];
      targets: { id: string; met: boolean | null }[];
      plan: { repetitions: number };
    };
    for (const key of [
      'machine',
      'plan',
      'contenders',
      'roundTrip',
      'throughput',
      'requestResponse',
      'calls',
      'idle',
      'targets',
      'notes',
    ]) {
      assert.ok(key in json, `json lacks ${key}`);
    }
    for (const key of ['cpu', 'cores', 'node', 'date']) assert.ok(key in json.machine, `machine lacks ${key}`);
    for (const name of MUST_RUN) {
      assert.is(
        json.contenders.find((c) => c.name === name)?.status,
        'ok',
        `${name} did not run: ${JSON.stringify(json.contenders)}`,
      );
    }
    // A section that failed is a note on its contender: a smoke run has none (rxshm's sections once all failed
    // while the contender still counted as 'ok').
    const failed = json.contenders.flatMap((c) =>
      c.notes.filter((n) => / failed: /.test(n)).map((n) => `${c.name}: ${n}`),
    );
    assert.equal(failed, [], 'no section failed');
    assert.ok(
      ['ok', 'skipped'].includes(json.contenders.find((c) => c.name === 'c-limit')?.status ?? ''),
      'c-limit ran or was skipped',
    );

    // One table row per contender that produced rows for that section, labelled as in the json.
    const label = new Map(json.contenders.map((c) => [c.name, c.label]));
    const expectRows = (heading: string, names: string[]) => {
      const rows = tableRows(md, heading).map((r) => r[0]);
      assert.equal(
        rows,
        [...new Set(names)].map((n) => label.get(n)),
        heading,
      );
    };
    expectRows(
      '## Round trip',
      json.roundTrip.map((r) => r.contender),
    );
    expectRows(
      '## One-way throughput',
      json.throughput.map((r) => r.contender),
    );
    expectRows(
      '## Idle CPU',
      json.idle.map((r) => r.contender),
    );
    expectRows(
      '## Request/response calls',
      json.calls.map((r) => r.contender),
    );
    assert.is(tableRows(md, '## Targets').length, json.targets.length);
    assert.is(json.targets.length, TARGETS.length);

    // Calls (issue 12): both modes for every caller, 32 B, a rate in each cell, ratios to both baselines.
    for (const name of CALLERS)
      for (const inFlight of [1, 64]) {
        const row = json.calls.find((r) => r.contender === name && r.inFlight === inFlight);
        assert.ok(row, `no calls row: ${name} ${inFlight}`);
        assert.is(row.payloadBytes, 32);
        assert.is(row.repetitions, json.plan.repetitions);
        assert.ok(Number.isFinite(row.callsPerSecond) && row.callsPerSecond > 0, `${name}: ${row.callsPerSecond}`);
        checkFigures(`calls ${name} ${inFlight}`, row.resources, true);
      }
    assert.equal(
      [...new Set(json.calls.map((r) => r.contender))].sort(),
      [...CALLERS].sort(),
      'only the callers implement calls',
    );
    for (const row of tableRows(md, '## Request/response calls')) {
      assert.is(row.length, 3, `calls row ${row.join(' | ')}`);
      for (const cell of row.slice(1)) assert.match(cell, RATE);
    }
    const ratios = tableRows(md, 'rxshm / baseline, same run');
    assert.equal(
      ratios.map((r) => r[0]),
      ['rxshm-spin', 'rxshm-default'].flatMap((s) =>
        ['unix-socket-rpc', 'zeromq'].map((b) => `${label.get(s)} / ${label.get(b)}`),
      ),
    );
    for (const row of ratios) for (const cell of row.slice(1)) assert.match(cell, /^\d+(\.\d+)?x$/);
    for (const id of ['unix-socket-rpc', 'zeromq'].flatMap((b) => [`calls-sequential-${b}`, `calls-64-${b}`]))
      assert.type(json.targets.find((t) => t.id === id)?.met, 'boolean', `target ${id} computed`);

    // Resources (issue 12): every throughput and calls row has both sides' figures, and the table lists each row.
    for (const row of json.throughput)
      checkFigures(`throughput ${row.contender}`, row.resources, row.contender !== 'message-port');
    const resourceRows = tableRows(md, '## Resources');
    assert.is(resourceRows.length, json.throughput.length + json.calls.length);
    for (const row of resourceRows) {
      assert.is(row.length, 6, `resources row ${row.join(' | ')}`);
      assert.match(row[2]!, /^\d+(\.\d+)? MiB$/);
      assert.match(row[4]!, /^\d+\.\d\d %$/);
    }

    const svg = readFileSync(join(out, 'latest.svg'), 'utf8');
    assert.ok(svg.startsWith('<svg'), 'svg starts with <svg');
    assert.ok(svg.trimEnd().endsWith('</svg>'), 'svg is closed');
    assert.is(readFileSync(join(out, 'latest.md'), 'utf8'), md, 'latest.md is what stdout showed');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('--only with an unknown name fails with the known names', async () => {
  const run = await bench(['--only', 'no-such-contender', '--out', join(tmpdir(), 'rxshm-bench-never-written')]);
  assert.is(run.code, 1);
  assert.match(run.stderr, /unknown contender: names=no-such-contender; known=.*unix-socket/);
});

test.run();
