/**
 * The live-corruption fuzz (issue 10): a client and a server process exchange checksummed messages and requests
 * while a third process writes seeded random values into their shared segment (test/fixtures/fuzz-run.ts drives
 * test/fixtures/fuzz-server.ts, fuzz-client.ts and fuzz-corrupter.ts). Whatever is hit, no process crashes, no trial
 * hangs, no API call throws, every teardown ends, unmaps and lets its process exit; structural corruption comes out as
 * typed errors. Changed payload bytes that keep every length valid cannot be detected by the library: the fuzz counts
 * them (`undetected`) and requires nothing of them.
 *
 * RXSHM_FUZZ_TRIALS (default 400) and RXSHM_FUZZ_SEED (default 1) choose the run; RXSHM_FUZZ_REPORT=1 prints the
 * tables. A long run: `node --import tsx test/fixtures/fuzz-run.ts --trials 100000 --lanes 2`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatReport, runFuzz, type Proc } from '../fixtures/fuzz-run.js';
import { underWatchdog } from '../helpers/watchdog.js';

const test = suite('live corruption fuzz');

const trials = Number(process.env['RXSHM_FUZZ_TRIALS'] ?? 400);
const seed = Number(process.env['RXSHM_FUZZ_SEED'] ?? 1);

test(`${trials} trials (seed ${seed}) of random writes into a live segment: 0 crashes, 0 hangs, 0 throws out of the API, 0 wedged teardowns; corruption comes out as typed errors`, () =>
  underWatchdog<void, Proc>(Math.max(180_000, trials * 400), async ({ track }) => {
    const report = await runFuzz({ trials, seed, track });
    if (process.env['RXSHM_FUZZ_REPORT'] === '1') console.log(`\n${formatReport(report)}\n`);
    const failures = report.failures
      .map(
        (f) =>
          `${f.outcome} in trial ${f.t} (seed ${f.seed}, ${f.phase}, writes ${JSON.stringify(f.writes ?? [])}): ${f.detail}`,
      )
      .join('\n');
    for (const outcome of ['crash', 'hang', 'thrown', 'wedged'])
      assert.is(report.outcomes[outcome] ?? 0, 0, `${outcome}:\n${failures}`);
    assert.is(report.trials, trials, 'every trial ran');
    const typed =
      (report.outcomes['typed'] ?? 0) +
      (report.outcomes['typed-after-bad-data'] ?? 0) +
      (report.outcomes['refused-connect'] ?? 0);
    assert.ok(
      typed >= trials / 100,
      `the corruption was felt: ${typed} trials ended in typed errors\n${formatReport(report)}`,
    );
    assert.ok(report.messagesVerified > trials * 10, `traffic flowed: ${report.messagesVerified} echoes verified`);
  }));

test.run();
