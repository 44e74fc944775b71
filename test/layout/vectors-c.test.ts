/**
 * The golden vectors read by C: test/fixtures/vectors-check.c implements docs/LAYOUT.md from the page alone (not from
 * the TypeScript code), parses every vector file with fgets/strtoull as test/vectors/README.md describes, and rebuilds
 * the bytes of every built vector it can (headers, rings with padding at the wrap, frames, HELLO2/REPLY, plain
 * doorbell addresses). So the vectors agree with the spec, not only with the code that generated them. Built with cc
 * as 64-bit, as 32-bit (-m32) and with -fsanitize=address,undefined; a variant the compiler cannot build is skipped
 * with the reason printed, and everything is skipped without cc.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runs32Bit } from '../helpers/c-build.js';
import { fixture } from '../helpers/process-run.js';
import { BUILT_TYPES } from '../vectors/build.js';
import { Fields, VECTOR_DIR, readVectors } from '../vectors/format.js';

const test = suite('layout: golden vectors checked by a C implementation of LAYOUT.md');
const VARIANTS: Record<string, string[]> = {
  '64-bit': [],
  '32-bit': ['-m32'],
  sanitized: ['-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all'],
};

/** Runs the checker over `dir`; the watchdog is spawnSync's timeout (SIGKILL). */
const check = (program: string, dir: string) =>
  spawnSync(program, [dir], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });

test('every built vector is rebuilt byte for byte by C, in every variant the compiler can build', () => {
  if (spawnSync('cc', ['--version']).status !== 0) return console.log('  skipped: needs a C compiler (cc)');
  const dir = mkdtempSync(join(tmpdir(), 'rxshm-vectors-c-'));
  try {
    // What the C program can rebuild: every built vector but a hashed doorbell address (a name over 100 bytes).
    const built = readVectors()
      .map((v) => new Fields(v))
      .filter((f) => BUILT_TYPES.includes(f.text('type')))
      .filter((f) => f.text('type') !== 'doorbell-address' || f.bytes('name').length <= 100);
    assert.ok(built.length >= 25);
    for (const [variant, flags] of Object.entries(VARIANTS)) {
      const program = join(dir, `check-${variant}`);
      const compiled = spawnSync(
        'cc',
        ['-std=c11', '-Wall', '-O1', ...flags, '-o', program, fixture('vectors-check.c')],
        {
          encoding: 'utf8',
        },
      );
      if (compiled.status !== 0) {
        console.log(`  ${variant}: skipped, cc cannot build it here: ${compiled.stderr.split('\n')[0]}`);
        continue;
      }
      if (variant === '32-bit' && !runs32Bit()) {
        console.log(`  ${variant}: skipped, -m32 programs cannot run on this kernel`);
        continue;
      }
      const run = check(program, VECTOR_DIR);
      assert.is(run.status, 0, `${variant}: exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
      assert.is(run.stderr, '', `${variant}: no sanitizer report`);
      const [, checked] = /^checked (\d+) skipped \d+$/m.exec(run.stdout) ?? [];
      assert.is(Number(checked), built.length, `${variant}: ${run.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the C check fails on a changed byte (it can fail)', () => {
  if (spawnSync('cc', ['--version']).status !== 0) return console.log('  skipped: needs a C compiler (cc)');
  const dir = mkdtempSync(join(tmpdir(), 'rxshm-vectors-c-'));
  try {
    const program = join(dir, 'check');
    execFileSync('cc', ['-std=c11', '-O1', '-o', program, fixture('vectors-check.c')]);
    const copy = join(dir, 'vectors');
    execFileSync('mkdir', [copy]);
    copyFileSync(join(VECTOR_DIR, 'ring-padding-at-wrap.vec'), join(copy, 'ring-padding-at-wrap.vec'));
    const text = readFileSync(join(copy, 'ring-padding-at-wrap.vec'), 'utf8');
    // The padding record's LENGTH (16 = 0x10 at data offset 1000) changed to 8.
    const changed = text.replace(new RegExp(`^(expect .{${2 * (128 + 1000)}})10`, 'm'), '$108');
    assert.is.not(changed, text);
    writeFileSync(join(copy, 'ring-padding-at-wrap.vec'), changed);
    const run = check(program, copy);
    assert.is(run.status, 1);
    assert.match(run.stderr, /ring-padding-at-wrap\.vec: .*first difference at byte 1128/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
