/**
 * The many-clients bench (issue 13): the numbered-message check finds every loss, repeat and stray (so a lossy
 * transport cannot score), and `bench/index.ts --quick --only many-clients` measures all three rows for both
 * transports, reports them with their ratio, and writes them to latest.json. Shapes only, never a speed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NumberedCheck, numbered, seqOf } from '../../bench/lib/numbered.js';
import type { ManyClientsRow } from '../../bench/lib/results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WATCHDOG_MS = 120_000;
const message = (seq: number, size = 8): Uint8Array => numbered(new Uint8Array(size), seq);

test('numbered: the number round-trips through bytes 0..3, up to 2^32 - 1', () => {
  for (const seq of [0, 1, 255, 256, 65_536, 2 ** 31, 2 ** 32 - 1]) assert.is(seqOf(message(seq)), seq);
});

test('NumberedCheck: every message once and in order settles done() without a problem', async () => {
  const check = new NumberedCheck().reset(3, 8);
  const done = check.done();
  for (const seq of [0, 1, 2]) assert.is(check.add(message(seq)), null);
  assert.equal(await done, { received: 3, problem: null });
});

test('NumberedCheck: a gap, a repeat, a wrong size, a message beyond the count and a stray are problems', () => {
  const gap = new NumberedCheck().reset(3, 8);
  gap.add(message(0));
  assert.is(gap.add(message(2)), 'message 1 carries 2');
  const repeat = new NumberedCheck().reset(3, 8);
  repeat.add(message(0));
  assert.is(repeat.add(message(0)), 'message 1 carries 0');
  assert.is(new NumberedCheck().reset(1, 8).add(message(0, 16)), 'message 0: 16 B, not 8');
  const beyond = new NumberedCheck().reset(1, 8);
  beyond.add(message(0));
  assert.is(beyond.add(message(1)), 'message 1 beyond the 1 expected');
  assert.is(new NumberedCheck().reset(0).add(message(0)), 'message 0 beyond the 0 expected');
});

test('NumberedCheck: a failure of the stream settles done() with it', async () => {
  const check = new NumberedCheck().reset(5, 8);
  const done = check.done();
  check.add(message(0));
  check.fail('socket: reset');
  assert.equal(await done, { received: 1, problem: 'socket: reset' });
});

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
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

test('--quick --only many-clients: three rows, both transports, ratios in the report and in latest.json', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rxshm-bench-many-'));
  try {
    const run = await bench(['--quick', '--only', 'many-clients', '--out', out]);
    assert.is(run.code, 0, run.stderr.slice(-2000));
    const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
      manyClients: ManyClientsRow[];
      notes: string[];
      plan: { repetitions: number };
    };
    assert.equal(
      json.notes.filter((n) => n.startsWith('many-clients')),
      [],
      'the section did not fail',
    );
    const rows = json.manyClients;
    assert.equal(
      rows.map((r) => [r.id, r.unit, r.higherIsBetter]),
      [
        ['fan-in', 'messages/s', true],
        ['broadcast', 'messages/s', true],
        ['setup', 'µs', false],
      ],
    );
    for (const r of rows) {
      for (const side of ['rxshm', 'socket'] as const) {
        assert.ok(Number.isFinite(r[side]) && r[side] > 0, `${r.id} ${side}: ${r[side]}`);
        assert.is(r.samples[side].length, json.plan.repetitions, `${r.id} ${side}: one figure per repetition`);
      }
      assert.ok(Number.isInteger(r.count) && r.count >= 1, `${r.id}: count ${r.count}`);
      assert.ok(Math.abs(r.ratio - r.rxshm / r.socket) < 1e-9 * r.ratio, `${r.id}: ratio is rxshm / socket`);
    }
    assert.is(rows[0]!.clients, rows[1]!.clients, 'fan-in and broadcast use the same clients');
    const md = run.stdout;
    const section = md.slice(md.indexOf('## Many clients'));
    assert.ok(section.length > 0 && md.includes('## Many clients'), 'report has the section');
    const tableRows = section
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .slice(2, 5);
    assert.is(tableRows.length, 3);
    for (const line of tableRows) assert.match(line, /\| \d+(\.\d+)?x \| (higher|lower) \|$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
