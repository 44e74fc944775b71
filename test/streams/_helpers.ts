/**
 * Helpers for the streams suites: unique channel names, child peers (test/fixtures/streams-peer.ts) that report
 * JSON lines, a scope with a watchdog that kills every child it started, and cold-observable plumbing that keeps
 * the subscription (listen/connect are cold: unsubscribing tears the connection down).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Observable, Subscription } from 'rxjs';
import type { Connection } from '../../src/index.js';
import type { PeerSpec } from '../fixtures/streams-peer.js';
import { underWatchdog } from '../helpers/watchdog.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The child fixture, relative to `root`. */
export const PEER_FIXTURE = 'test/fixtures/streams-peer.ts';
/** Arguments that run the child fixture with `spec` (for spawnConnected). */
export const peerArgs = (spec: PeerSpec): string[] => ['--import', 'tsx', PEER_FIXTURE, JSON.stringify(spec)];

let counter = 0;
/** A channel name no other test (or concurrent run) uses. */
export const uniqueName = (): string => `t-${process.pid}-${++counter}`;

/** Segments this test process's channels left in /dev/shm. */
export const leftovers = (): string[] => readdirSync('/dev/shm').filter((f) => f.startsWith(`rxshm.t-${process.pid}-`));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type PeerEvent = { ev: string } & Record<string, any>;

/** A child process running streams-peer.ts. */
export class Peer {
  readonly child: ChildProcess;
  readonly events: PeerEvent[] = [];
  /** Resolves at exit with the code, the signal and Date.now() at the 'exit' event. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr = '';
  private readonly waiters: { ev: string; resolve: (e: PeerEvent) => void; reject: (e: Error) => void }[] = [];
  private exitedAlready = false;

  /** Spawns the fixture with `spec`, or watches a child already spawned (e.g. by spawnConnected) with piped stdout/stderr. */
  constructor(spec: PeerSpec | ChildProcess) {
    this.child =
      'role' in spec
        ? spawn(process.execPath, ['--import', 'tsx', PEER_FIXTURE, JSON.stringify(spec)], { cwd: root, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
        : spec;
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitedAlready = true;
        const at = Date.now();
        // Let the last stdout lines arrive before failing the waiters.
        setTimeout(() => {
          for (const w of this.waiters.splice(0)) w.reject(new Error(`peer ${this.child.pid} exited (code=${code}, signal=${signal}) before '${w.ev}'; stderr: ${this.stderr.trim()}`));
        }, 50);
        resolve({ code, signal, at });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next event named `ev` not consumed yet. */
  next(ev: string): Promise<PeerEvent> {
    const i = this.events.findIndex((e) => e.ev === ev);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!);
    if (this.exitedAlready) return Promise.reject(new Error(`peer ${this.child.pid} already exited before '${ev}'; stderr: ${this.stderr.trim()}`));
    return new Promise((resolve, reject) => this.waiters.push({ ev, resolve, reject }));
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  private onLine(line: string): void {
    let event: PeerEvent;
    try {
      event = JSON.parse(line) as PeerEvent;
    } catch {
      this.stderr += `[stdout] ${line}\n`;
      return;
    }
    const i = this.waiters.findIndex((w) => w.ev === event.ev);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(event);
    else this.events.push(event);
  }
}

/** What a scoped test gets: start peers, register cleanups. Everything is undone in `finally`. */
export interface Scope {
  peer(spec: PeerSpec | ChildProcess): Peer;
  defer(cleanup: () => void): void;
  /** Resolves when the scope aborts (watchdog); race it against waits on in-process events. */
  readonly aborted: Promise<never>;
}

/**
 * Runs `body` under a watchdog: after `ms` every child is SIGKILLed and the test fails. Children still running at
 * the end are SIGKILLed; deferred cleanups run in reverse order.
 */
export function scoped<T>(ms: number, body: (scope: Scope) => Promise<T>): Promise<T> {
  return underWatchdog<T, Peer>(ms, ({ track, defer, aborted }) => body({ peer: (spec) => track(new Peer(spec)), defer, aborted }));
}

/** A subscription to a cold Observable<Connection> kept open, with its connections as promises. */
export class Opened {
  readonly subscription: Subscription;
  readonly connections: Connection[] = [];
  error: unknown = null;
  completed = false;
  private waiters: { resolve: (c: Connection) => void; reject: (e: unknown) => void }[] = [];
  private taken = 0;

  constructor(source: Observable<Connection>) {
    this.subscription = source.subscribe({
      next: (c) => {
        this.connections.push(c);
        this.waiters.shift()?.resolve(c);
      },
      error: (e) => {
        this.error = e;
        for (const w of this.waiters.splice(0)) w.reject(e);
      },
      complete: () => (this.completed = true),
    });
  }

  /** The next connection not taken yet (the first call: the first connection). */
  connection(): Promise<Connection> {
    const i = this.taken++;
    if (i < this.connections.length) return Promise.resolve(this.connections[i]!);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Rejects with the observable's error (for error-path tests). */
  failure(): Promise<unknown> {
    return this.connection().then(
      (c) => Promise.reject(new Error(`expected an error, got a connection (generation ${c.generation})`)),
      (e) => e,
    );
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

/** How a connection's receive side ended. */
export interface Ending {
  readonly how: 'complete' | 'error';
  readonly error?: unknown;
  /** performance.now() when it ended. */
  readonly at: number;
}

/** Subscribes to receive; resolves when the receive side completes or errors. */
export function receive(connection: Connection, onMessage: (m: Uint8Array) => void = () => undefined): { ended: Promise<Ending>; subscription: Subscription } {
  let subscription!: Subscription;
  const ended = new Promise<Ending>((resolve) => {
    subscription = connection.subscribe({
      next: onMessage,
      error: (error) => resolve({ how: 'error', error, at: performance.now() }),
      complete: () => resolve({ how: 'complete', at: performance.now() }),
    });
  });
  return { ended, subscription };
}

/** Waits until `predicate` holds, polling every 5 ms (the scope's watchdog bounds it). */
export async function until(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
