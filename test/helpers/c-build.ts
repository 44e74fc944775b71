/**
 * Builds and starts the C programs of the test/c suites (test/fixtures/*.c over c/rxshm.h) in the three ways issue 15 asks
 * for: 64-bit, 32-bit (`-m32`, Debian's gcc-multilib) and with AddressSanitizer + UBSan (every report fatal), each
 * into a temporary folder removed at exit. A build that cannot happen here (no `cc`, no 32-bit libraries) is
 * reported as a reason to skip, printed by the suite, never as a pass.
 *
 * Invariant: one build per (program, variant) per process, so the suites of one run share the binaries.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { fixture } from './process-run.js';
import { root, type Child } from './processes.js';
import type { Watch } from './watched.js';

/** How a C program is built. */
export type CVariant = '64-bit' | '32-bit' | 'sanitized';

/** Every variant, in the order the suites run them. */
export const C_VARIANTS: readonly CVariant[] = ['64-bit', '32-bit', 'sanitized'];

const FLAGS: Record<CVariant, string[]> = {
  '64-bit': ['-O2'],
  '32-bit': ['-O2', '-m32'],
  sanitized: ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'],
};

/** Environment for a sanitized program: any report ends it with a non-zero exit code. */
export const SANITIZER_ENV = {
  ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=87',
};

let folder: string | null = null;
const built = new Map<string, string | { skip: string }>();

/** True when a C compiler answers. */
export function hasCompiler(): boolean {
  return spawnSync('cc', ['--version']).status === 0;
}

/**
 * The path of test/fixtures/`source` (or of the absolute path `source`) built as `variant` (with c/ on the include path), or `{ skip }` saying why it
 * cannot be built here. Warnings are errors: the header must stay clean under -Wall -Wextra -Wpedantic.
 */
export function buildC(source: string, variant: CVariant): string | { skip: string } {
  const key = `${source}:${variant}`;
  const done = built.get(key);
  if (done !== undefined) return done;
  let result: string | { skip: string };
  if (!hasCompiler()) result = { skip: 'needs a C compiler (cc)' };
  else {
    folder ??= makeFolder();
    const output = join(folder, `${basename(source).replace(/\W/g, '_')}-${variant}`);
    const args = ['-std=c99', '-Wall', '-Wextra', '-Wpedantic', '-Werror', ...FLAGS[variant]];
    try {
      execFileSync(
        'cc',
        [...args, '-I', join(root, 'c'), '-o', output, isAbsolute(source) ? source : fixture(source)],
        { stdio: 'pipe' },
      );
      result = variant === '32-bit' && !runs32Bit() ? { skip: '-m32 programs cannot run on this kernel' } : output;
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
      // Only a missing 32-bit toolchain is a reason to skip; anything else is a failure of the code.
      if (variant === '32-bit' && /cannot find|No such file|gnu\/stubs-32|skipping incompatible/.test(stderr)) {
        result = { skip: `-m32 cannot link here (install gcc-multilib): ${stderr.trim().split('\n')[0]}` };
      } else throw new Error(`cc ${variant} ${source} failed:\n${stderr}`);
    }
  }
  built.set(key, result);
  return result;
}

let ran32: boolean | undefined;

/** True when a 32-bit program runs here: a kernel without IA32 emulation links -m32 but cannot execute it. */
export function runs32Bit(): boolean {
  if (ran32 === undefined) {
    const probe = join(buildFolder(), 'probe-32');
    writeFileSync(`${probe}.c`, 'int main(void) { return 0; }\n');
    const built = spawnSync('cc', ['-m32', '-o', probe, `${probe}.c`]).status === 0;
    const run = built ? spawnSync(probe, [], { encoding: 'utf8' }) : null;
    // Only the kernel refusing the format means "cannot run" (execvp then hands the file to /bin/sh, whose syntax
    // error is what shows); any other failure counts as runnable, so the 32-bit tests run and report it.
    const refused = (text: string): boolean => /Exec format error|Syntax error|cannot execute binary/i.test(text);
    ran32 = built && (run!.status === 0 || !refused(`${run!.stderr} ${run!.error?.message ?? ''}`));
  }
  return ran32;
}

/** A folder for this process's builds and generated sources, removed at exit. */
export function buildFolder(): string {
  folder ??= makeFolder();
  return folder;
}

function makeFolder(): string {
  const made = mkdtempSync(join(tmpdir(), 'rxshm-c-'));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  return made;
}

/** The number of messages the traffic tests exchange each way: RXSHM_C_MESSAGES, or 1,000,000. */
export function messageCount(): number {
  const fromEnv = Number(process.env.RXSHM_C_MESSAGES);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1_000_000;
}

/** Ring capacity of the channels the C suites' servers create (small, so records wrap and sides park often). */
export const TEST_RING = 65_536;

/** Starts a C program built by buildC with `args`, under `watch`, with the sanitizers' settings, TEST_RING, `extraEnv`. */
export function startC(watch: Watch, program: string, args: string[], extraEnv: Record<string, string> = {}): Child {
  const env = { ...process.env, RING: String(TEST_RING), ...SANITIZER_ENV, ...extraEnv };
  return watch.child(spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
}

/** Starts test/fixtures/c-node-peer.ts (the Node side of the C suites) with `args`, under `watch`, with TEST_RING. */
export function startNode(watch: Watch, args: string[]): Child {
  const command = ['--import', 'tsx', 'test/fixtures/c-node-peer.ts', ...args];
  const env = { ...process.env, RING: String(TEST_RING) };
  return watch.child(spawn(process.execPath, command, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env }));
}
