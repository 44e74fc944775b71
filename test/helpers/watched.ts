/**
 * The scope a cross-process test runs in: `watched(ms, body)` gives the body a `Watch` to start children and
 * register cleanups, all under the watchdog (watchdog.ts).
 *
 * Invariant: when the body ends, fails or runs out of time, every child it started is stopped (SIGCONT, so a
 * stopped child can die, then SIGKILL) and awaited, and the cleanups run in reverse order: nothing outlives a test.
 */
import type { ChildProcess } from 'node:child_process';
import type { PeerSpec } from '../fixtures/streams-peer.js';
import { Child, PEER_FIXTURE } from './processes.js';
import { underWatchdog } from './watchdog.js';

/** What a watched test gets: children it starts and cleanups it registers, all undone when it ends. */
export interface Watch {
  /** Starts `node --import tsx ...command` from the repository root, or watches a process already spawned. */
  child(command: readonly string[] | ChildProcess, options?: { stdin?: boolean }): Child;
  /** Starts test/fixtures/streams-peer.ts with `spec` (stdin piped when `spec.stdin`). */
  peer(spec: PeerSpec): Child;
  /** Registers a cleanup to run when the test ends. */
  defer(cleanup: () => void): void;
  /** Rejects when the watchdog fires; race it against waits on in-process events. */
  readonly aborted: Promise<never>;
}

/** Runs `body` under a watchdog: after `ms` every child is SIGKILLed and the test fails. */
export function watched<T>(ms: number, body: (watch: Watch) => Promise<T>): Promise<T> {
  const finish = (c: Child): void => {
    if (process.platform !== 'win32') c.kill('SIGCONT'); // Windows has no SIGCONT (nor SIGSTOP to undo)
    c.kill('SIGKILL');
  };
  return underWatchdog<T, Child>(
    ms,
    ({ track, defer, aborted }) =>
      body({
        child: (command, options) => track(new Child(command, options)),
        peer: (spec) => track(new Child([PEER_FIXTURE, JSON.stringify(spec)], { stdin: spec.stdin === true })),
        defer,
        aborted,
      }),
    finish,
  );
}
