/**
 * A child process as the cross-process tests see it: `node --import tsx <args>` started from the repository root
 * (or a process already spawned, e.g. by spawnConnected), its stdout lines (JSON lines become events it reports),
 * its stderr and its exit. Start one through `watched` (watched.ts), which kills it when the test ends.
 *
 * Invariant: `exited` resolves only after the last stdout line was read, so a test that awaited it sees every
 * event; its `at` is Date.now() at the exit, comparable with the `at` a child reports from its own clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PeerSpec } from '../fixtures/streams-peer.js';

/** The repository root: children start there, so their arguments name files as `test/fixtures/...`. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The general-purpose child program of the streams suites, relative to `root`. */
export const PEER_FIXTURE = 'test/fixtures/streams-peer.ts';

/** Node arguments that run the streams peer with `spec` (for spawnConnected, which takes a command). */
export const peerArgs = (spec: PeerSpec): string[] => ['--import', 'tsx', PEER_FIXTURE, JSON.stringify(spec)];

/** A JSON line a child reported on stdout. */
export type ChildEvent = { ev: string } & Record<string, any>;

/** How a child ended; `at` is Date.now() at the exit. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** Someone awaiting an event: `next` before the child reported it. */
interface Waiter {
  readonly match: (e: ChildEvent) => boolean;
  readonly what: string;
  readonly resolve: (e: ChildEvent) => void;
  readonly reject: (e: Error) => void;
}

/** A child process with its stdout lines, the events among them, its stderr and its exit. */
export class Child {
  readonly process: ChildProcess;
  /** Every stdout line, events included. */
  readonly lines: string[] = [];
  /** Events reported and not consumed by `next` yet. */
  readonly events: ChildEvent[] = [];
  readonly exited: Promise<Exit>;
  stderr = '';
  private readonly waiters: Waiter[] = [];
  private gone = false;

  /**
   * Starts `node --import tsx ...command` from `root` (stdin piped when `stdin`), or watches a process already
   * spawned with piped stdout and stderr.
   */
  constructor(command: readonly string[] | ChildProcess, options: { stdin?: boolean } = {}) {
    const stdin = options.stdin ? 'pipe' : 'ignore';
    this.process = Array.isArray(command)
      ? spawn(process.execPath, ['--import', 'tsx', ...command], { cwd: root, stdio: [stdin, 'pipe', 'pipe'] })
      : (command as ChildProcess);
    createInterface({ input: this.process.stdout! }).on('line', (line) => this.onLine(line));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    let exitedAt = Date.now();
    this.process.once('exit', () => (exitedAt = Date.now()));
    // 'close' comes after 'exit' once stdout and stderr are drained: no event is still on its way.
    this.exited = new Promise((resolve) =>
      this.process.once('close', (code, signal) => {
        this.gone = true;
        const how = `code=${code}, signal=${signal}`;
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`child ${this.pid} exited (${how}) before ${w.what}; stderr: ${this.stderr.trim()}`));
        }
        resolve({ code, signal, at: exitedAt });
      }),
    );
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** True until the child exited or was killed by a signal. */
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The first event named `ev` (and matching `where`) not consumed yet; rejects if the child ends first. */
  next(ev: string, where: (e: ChildEvent) => boolean = () => true): Promise<ChildEvent> {
    const match = (e: ChildEvent): boolean => e.ev === ev && where(e);
    const i = this.events.findIndex(match);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!);
    if (this.gone) {
      return Promise.reject(new Error(`child ${this.pid} exited before '${ev}'; stderr: ${this.stderr.trim()}`));
    }
    return new Promise((resolve, reject) => this.waiters.push({ match, what: `'${ev}'`, resolve, reject }));
  }

  /** Writes one line to the child's stdin (started with `stdin: true`, or spawned with a piped stdin). */
  send(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  /** Sends `signal` (SIGKILL by default) unless the child is gone. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.process.kill(signal);
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (!line.startsWith('{')) return;
    let event: ChildEvent;
    try {
      event = JSON.parse(line) as ChildEvent;
    } catch {
      return;
    }
    const i = this.waiters.findIndex((w) => w.match(event));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(event);
    else this.events.push(event);
  }
}
