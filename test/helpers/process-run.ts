/**
 * One child process run to its end under its own watchdog, for tests that start a single program (a fixture, perl,
 * setpriv, unshare) and wait for its exit code and output: the native and layout suites. The streams suites,
 * whose children talk in events and come and go inside one test, use `watched` (watched.ts) instead.
 *
 * Invariant: a child still running after its time is SIGKILLed and its run fails, so a test never hangs; `kill` in
 * `finally` (safe to call twice) leaves no child behind.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a child program in test/fixtures. */
export function fixture(file: string): string {
  return fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url));
}

/** How a run ended, with what the child wrote to its piped stdout and stderr ('' when not piped). */
export interface RunEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process and the end of its run. */
export interface ProcessRun {
  readonly process: ChildProcess;
  /** Resolves with how the child ended; rejects when the watchdog fires (the child is then killed). */
  readonly done: Promise<RunEnd>;
  /** SIGKILLs the child if it is still there; safe to call twice. */
  kill(): void;
}

/** Starts `node --import tsx test/fixtures/<file> ...args` under a watchdog of `ms` (15 s by default). */
export function startFixture(
  file: string,
  args: string[],
  options: { stdio?: StdioOptions; ms?: number } = {},
): ProcessRun {
  const stdio = options.stdio ?? ['ignore', 'pipe', 'inherit'];
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(file), ...args], { stdio });
  return withWatchdog(child, options.ms ?? 15_000, file);
}

/** Puts an already spawned child under a watchdog: after `ms` it is SIGKILLed and `done` rejects naming `label`. */
export function withWatchdog(child: ChildProcess, ms: number, label: string): ProcessRun {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const done = new Promise<RunEnd>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`watchdog: ${label} (pid ${child.pid}) still running after ${ms} ms; killed`));
    }, ms);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { process: child, done, kill };
}
