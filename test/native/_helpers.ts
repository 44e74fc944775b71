/**
 * Helpers for the native tests: unique names, and child processes under a watchdog that kills them.
 *
 * Invariant: no child outlives its test (killed on watchdog and in `finally`), no name outlives it (unlinked).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A name no other test run uses. */
export function uniqueName(tag = 'test'): string {
  return `rxshm-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The fd of a connected net.Socket (Node keeps it on the libuv handle). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the socket has no fd');
  return fd;
}

/** Absolute path of a fixture in test/fixtures. */
export function fixture(file: string): string {
  return fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url));
}

export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the exit code, signal and stdout; rejects when the watchdog fires. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
  /** SIGKILLs the child if it is still there; safe to call twice. */
  kill(): void;
}

/** Starts `node --import tsx <fixture> ...args` with a watchdog of `ms` that kills it and fails. */
export function startFixture(file: string, args: string[], options: { stdio?: StdioOptions; ms?: number } = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(file), ...args], { stdio: options.stdio ?? ['ignore', 'pipe', 'inherit'] });
  return watch(child, options.ms ?? 15_000, file);
}

/** Puts an already spawned child under a watchdog. */
export function watch(child: ChildProcess, ms: number, label: string): Child {
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`watchdog: ${label} (pid ${child.pid}) still running after ${ms} ms; killed`));
    }, ms);
    child.once('error', error => { clearTimeout(timer); reject(error); });
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout }); });
  });
  return { process: child, done, kill };
}

/** Fails with `label` if `promise` has not settled after `ms` (a test must never hang). */
export async function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`watchdog: ${label} not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` once per ~2 ms until true, failing after `ms`. */
export async function until(check: () => boolean, ms: number, label: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`watchdog: ${label} not true after ${ms} ms`);
    await new Promise(resolve => setTimeout(resolve, 2));
  }
}
