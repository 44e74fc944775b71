/**
 * Harness side of a child peer: start it the way every Node contender is started
 * (`process.execPath --import tsx <script>`), talk to it over a JSON-lines control channel on stdin/stdout
 * (the channel under test stays clean), and make sure it dies: every child is tracked and SIGKILLed at exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ResourcePeer } from './contender.js';
import type { SideResources } from './resources.js';

const live = new Set<ChildProcess>();
/** Extra Node flags for every peer, for profiling one (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`); space-separated. */
const PEER_FLAGS = (process.env['RXSHM_BENCH_PEER_FLAGS'] ?? '').split(' ').filter(Boolean);
/** The repository root: children run there so `--import tsx` resolves from node_modules. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Track a child so {@link killAllChildren} (run at exit) reaches it even if a contender forgets. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Synchronous last resort, safe inside process.on('exit'). */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. Never throws. */
export async function killChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit').catch(() => undefined);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A started Node peer; as a {@link ResourcePeer} it reports its own peak RSS and GC share over a window. */
export interface NodePeer extends ResourcePeer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Send one control command; resolves with the peer's answer (commands are answered in order). */
  request<T = unknown>(command: { cmd: string; [key: string]: unknown }): Promise<T>;
  /** CPU seconds (user+sys) the peer has used so far, as it reports through process.cpuUsage(). */
  cpuSeconds(): Promise<number>;
  /** Last lines the peer wrote on stderr (for failure notes). */
  stderrTail(): string;
  kill(): Promise<void>;
}

export interface PeerOptions {
  /** Open an IPC channel (fd 3) for process.send contenders. */
  readonly ipc?: boolean;
  readonly serialization?: 'json' | 'advanced';
  readonly startTimeoutMs?: number;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** Spawn a Node peer and wait until it says it is ready. */
export async function startNodePeer(
  script: string,
  args: readonly string[],
  options: PeerOptions = {},
): Promise<NodePeer> {
  const child = track(
    spawn(process.execPath, [...PEER_FLAGS, '--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      stdio: options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
      serialization: options.serialization ?? 'json',
    }),
  );
  const queue: Pending[] = [];
  let stderr = '';
  let stdout = '';
  let dead: Error | undefined;
  const fail = (error: Error): void => {
    dead = error;
    for (const p of queue.splice(0)) p.reject(error);
  };
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      const p = queue.shift();
      if (!p) continue;
      const msg = JSON.parse(line) as { ok: boolean; value?: unknown; error?: string };
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`peer: ${msg.error}`));
    }
  });
  child.on('error', (e) => fail(e));
  child.on('exit', (code, signal) =>
    fail(new Error(`peer ${script} exited (code=${code}, signal=${signal}): ${stderr.trim().slice(-500)}`)),
  );
  child.stdin!.on('error', () => {
    /* the exit handler reports it */
  });

  const request = <T>(command: { cmd: string }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (dead) return reject(dead);
      queue.push({ resolve: resolve as (v: unknown) => void, reject });
      child.stdin!.write(JSON.stringify(command) + '\n');
    });
  const peer: NodePeer = {
    child,
    pid: child.pid ?? -1,
    request,
    cpuSeconds: async () => {
      const u = await request<{ user: number; system: number }>({ cmd: 'cpu' });
      return (u.user + u.system) / 1e6;
    },
    openWindow: async () => {
      await request({ cmd: 'window-open' });
    },
    closeWindow: () => request<SideResources>({ cmd: 'window-close' }),
    stderrTail: () => stderr,
    kill: () => killChild(child),
  };
  // The first answer is the peer's 'ready' (sent once it has connected its channel).
  const ready = new Promise<unknown>((resolve, reject) => queue.push({ resolve, reject }));
  const timeout = options.startTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`peer ${script} not ready after ${timeout} ms`)), timeout);
      }),
    ]);
  } catch (e) {
    await peer.kill();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return peer;
}
