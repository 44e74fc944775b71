/**
 * glibc's heap policy (native/linux/heap.ts), through a real connection in a child process: a connection that
 * receives copies keeps freed heap memory for reuse, so a stream of 64 KiB copies stops faulting fresh pages in;
 * borrowed views leave the policy alone, and so do `RXSHM_HEAP_TUNING=off` and a user's own GLIBC_TUNABLES.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, withWatchdog } from '../helpers/process-run.js';

const test = suite('native heap policy (linux)');
/** A 64 KiB copy spans 16 pages: trimmed and faulted in again, a copy costs about that many faults. */
const PAGES_PER_COPY = (64 * 1024) / 4096;

interface Report {
  readonly faultsPerMessage: number;
  readonly checksum: number;
  readonly outcome: string | null;
}

/** Runs test/fixtures/heap-retention.ts (4,000 messages of 64 KiB) with `receive` and extra environment. */
async function run(receive: 'copy' | 'borrow', env: Record<string, string> = {}): Promise<Report> {
  const environment = { ...process.env, ...env };
  delete environment['GLIBC_TUNABLES'];
  Object.assign(environment, env);
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('heap-retention.ts'), receive], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: environment,
  });
  const end = await withWatchdog(child, 60_000, `heap-retention ${receive}`).done;
  assert.is(end.code, 0, `fixture failed: ${end.stderr}`);
  const report = JSON.parse(end.stdout.trim()) as Report;
  assert.is(report.checksum, 4000 * 7, 'every message arrived intact');
  return report;
}

if (process.platform !== 'linux') {
  test('skipped: glibc only', () => console.log('  skipped: native heap policy is Linux (glibc) only'));
} else {
  test('a copying connection keeps freed heap: 64 KiB copies stop faulting pages in; opting out brings it back', async () => {
    // Fault counts follow the collector's timing (when a run of copies is freed at the heap's top): up to three
    // pairs of runs, and one clear separation is the proof; a policy that did nothing would never separate them.
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const tuned = await run('copy');
      const off = await run('copy', { RXSHM_HEAP_TUNING: 'off' });
      assert.is(tuned.outcome, 'applied');
      assert.is(off.outcome, 'opted-out');
      seen.push(`tuned ${tuned.faultsPerMessage}, off ${off.faultsPerMessage}`);
      if (off.faultsPerMessage > PAGES_PER_COPY / 4 && tuned.faultsPerMessage < PAGES_PER_COPY / 10) return;
    }
    assert.unreachable(`faults per 64 KiB message never separated: ${seen.join('; ')}`);
  });

  test('borrowed views copy nothing: the policy is not applied', async () => {
    assert.is((await run('borrow')).outcome, null);
  });

  test("a user's own GLIBC_TUNABLES for malloc wins: rxshm leaves the policy alone", async () => {
    const report = await run('copy', { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1048576' });
    assert.is(report.outcome, 'user-tuned');
  });
}

test.run();
