/**
 * c/rxshm.h against the golden vectors of test/vectors (format: test/vectors/README.md): every vector, of every type
 * (segment headers, rings with padding at the wrap, frames, HELLO2/REPLY, doorbell addresses, and the malformed
 * headers, rings and frames with the error each must give), is rebuilt or judged by test/fixtures/c-vectors.c,
 * 64-bit, 32-bit and under ASan + UBSan. A copy with one byte of an expected result changed must fail, so the check
 * cannot pass by reading nothing.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, SANITIZER_ENV, buildC, buildFolder } from '../helpers/c-build.js';
import { root, type Child } from '../helpers/processes.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('c: c/rxshm.h against the golden vectors');
const VECTORS = join(root, 'test/vectors');

/** Runs the checker over `folder`; resolves with each vector's verdict once it has exited 0. */
async function check(watch: Watch, program: string, folder: string): Promise<Map<string, string>> {
  const env = { ...process.env, ...SANITIZER_ENV };
  const child: Child = watch.child(spawn(program, [folder], { stdio: ['ignore', 'pipe', 'pipe'], env }));
  const exit = await child.exited;
  assert.equal([exit.code, child.stderr], [0, ''], 'the checker exits 0 without a sanitizer report');
  const done = child.events.find((e) => e.ev === 'done');
  const verdicts = new Map(
    child.events.filter((e) => e.ev === 'vector').map((e) => [e.name as string, e.ok ? 'ok' : (e.why as string)]),
  );
  assert.is(done?.count, verdicts.size);
  return verdicts;
}

for (const variant of C_VARIANTS) {
  test(`${variant}: every vector holds, and a changed one fails`, () =>
    watched(60_000, async (watch) => {
      if (!existsSync(VECTORS)) return console.log('  skipped: test/vectors is not in this tree yet');
      const program = buildC('c-vectors.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const files = readdirSync(VECTORS).filter((f) => f.endsWith('.vec'));
      assert.ok(files.length >= 60, `${files.length} vectors`);
      const verdicts = await check(watch, program, VECTORS);
      assert.equal([...verdicts.keys()].sort(), files.map((f) => f.slice(0, -4)).sort(), 'every vector checked');
      const failed = [...verdicts].filter(([, verdict]) => verdict !== 'ok');
      assert.equal(failed, [], 'every vector holds');

      // The same vectors with one expected byte or error changed: exactly those fail.
      const changed = join(buildFolder(), `vectors-changed-${variant}`);
      cpSync(VECTORS, changed, { recursive: true });
      const edit = (file: string, from: RegExp, to: (found: string) => string): void => {
        const path = join(changed, file);
        const text = readFileSync(path, 'utf8');
        assert.ok(from.test(text), `${file} has what the test changes`);
        writeFileSync(path, text.replace(from, to));
      };
      edit('frame-request.vec', /expect 02/, () => 'expect 03');
      edit('ring-padding-at-wrap.vec', /^expect (..)/m, (found) => `expect ${found.slice(7) === 'ff' ? '00' : 'ff'}`);
      edit('header-rings-overlap.vec', /expect_error BadRingTable/, () => 'expect_error BadMaxMessage');
      edit('frame-invalid-error-utf8.vec', /expect_error error-bad-utf8/, () => 'expect_error short');
      edit('frame-batch.vec', /^message 68656c6c6f$/m, () => 'message 68656c6c70');
      edit(
        'frame-invalid-batch-padding-cut.vec',
        /expect_error batch-padding-cut/,
        () => 'expect_error batch-entry-cut',
      );
      const again = await check(watch, program, changed);
      const failures = [...again].filter(([, verdict]) => verdict !== 'ok').map(([name]) => name);
      assert.equal(failures.sort(), [
        'frame-batch',
        'frame-invalid-batch-padding-cut',
        'frame-invalid-error-utf8',
        'frame-request',
        'header-rings-overlap',
        'ring-padding-at-wrap',
      ]);
    }));
}

test.run();
