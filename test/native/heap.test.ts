/**
 * glibc's heap policy (native/linux/heap.ts), through a real connection in a child process: a connection that
 * receives copies raises glibc's trim threshold, so a freed 32 MiB run of 64 KiB blocks (what collected copies of
 * large messages are) stays in the heap for reuse instead of going back to the kernel (to be faulted in again by the
 * next copies); borrowed views leave the policy alone, and so do `RXSHM_HEAP_TUNING=off` and a user's own
 * GLIBC_TUNABLES. The fixture asks glibc itself (malloc, free, mallinfo2), so the result does not depend on when the
 * garbage collector runs.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, withWatchdog } from '../helpers/process-run.js';

const test = suite('native heap policy (linux)');
/** The run the fixture frees: it stays whole under the raised threshold (64 MiB), glibc's default trims it. */
const RUN_BYTES = 32 * 1024 * 1024;

interface Report {
  /** keepcost after each of three attempts. */
  readonly keptBytes: number[];
  readonly outcome: string | null;
}

/** Runs test/fixtures/heap-retention.ts with `receive` and extra environment (none of the caller's malloc tuning). */
async function run(receive: 'copy' | 'borrow', env: Record<string, string> = {}): Promise<Report> {
  const environment = { ...process.env };
  for (const key of [
    'GLIBC_TUNABLES',
    'RXSHM_HEAP_TUNING',
    'MALLOC_TRIM_THRESHOLD_',
    'MALLOC_MMAP_THRESHOLD_',
    'MALLOC_TOP_PAD_',
  ])
    delete environment[key];
  Object.assign(environment, env);
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('heap-retention.ts'), receive], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: environment,
  });
  const end = await withWatchdog(child, 30_000, `heap-retention ${receive}`).done;
  assert.is(end.code, 0, `fixture failed: ${end.stderr}`);
  return JSON.parse(end.stdout.trim()) as Report;
}

if (process.platform !== 'linux') {
  test('skipped: glibc only', () => console.log('  skipped: native heap policy is Linux (glibc) only'));
} else {
  test('a copying connection applies the policy: a freed 32 MiB run stays in the heap for reuse', async () => {
    const report = await run('copy');
    assert.is(report.outcome, 'applied');
    assert.ok(Math.max(...report.keptBytes) >= (RUN_BYTES * 3) / 4, `kept ${report.keptBytes} bytes at the heap top`);
  });

  test("glibc's own policy trims such a run: what the raised threshold prevents", async () => {
    // The same fixture with glibc's default threshold set explicitly (a user's own setting, which rxshm honours).
    const report = await run('copy', { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=131072' });
    assert.is(report.outcome, 'user-tuned');
    assert.ok(Math.min(...report.keptBytes) < RUN_BYTES / 4, `kept ${report.keptBytes} bytes: trimmed`);
  });

  test('MALLOC_TRIM_THRESHOLD_ of the user is honoured too', async () => {
    assert.is((await run('copy', { MALLOC_TRIM_THRESHOLD_: '262144' })).outcome, 'user-tuned');
  });

  test('RXSHM_HEAP_TUNING=off and borrowed views leave the policy alone', async () => {
    assert.is((await run('copy', { RXSHM_HEAP_TUNING: 'off' })).outcome, 'opted-out');
    assert.is((await run('borrow')).outcome, null);
  });
}

test.run();
