/**
 * What the README snippet test needs around its processes: a child `node --import tsx <file>` run in the snippet
 * directory with its output and exit, stopped with SIGTERM then SIGKILL after 2 s; the /dev/shm segments of named
 * channels; and a machine-wide lock, since README channel names ('echo', 'jobs', ...) are fixed and two runs of this
 * test at once would meet on them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How a child ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `node --import tsx <file>`. */
export class Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  private exit: Exit | null = null;

  constructor(
    readonly label: string,
    file: string,
    cwd: string,
    stdin?: string,
  ) {
    // No colours: stdout is compared as text (uvu sets FORCE_COLOR).
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['FORCE_COLOR'];
    // Its own process group, so that what it spawns (spawnConnected's child) is found and stopped with it.
    this.child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd,
      env,
      detached: true,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    if (stdin !== undefined) this.child.stdin!.end(stdin);
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => resolve((this.exit = { code, signal }))),
    );
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Pids of its group's live processes (itself, or what it started), zombies aside. */
  group(): number[] {
    return groupMembers(this.child.pid!);
  }

  /** SIGTERM to its group, then SIGKILL to what still runs 2 s later. */
  kill(): void {
    if (this.group().length === 0) return;
    signalGroup(this.child.pid!, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child.pid!, 'SIGKILL'), 2000);
    void this.exited.then(async () => {
      for (let i = 0; i < 40 && this.group().length > 0; i++) await sleep(50);
      clearTimeout(timer);
    });
  }

  /** Its exit, or null if it is still running after `ms`. */
  async exitWithin(ms: number): Promise<Exit | null> {
    let timer!: NodeJS.Timeout;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Its stdout and stderr, for failure messages. */
  describe(): string {
    const cut = (s: string): string => (s.length > 3000 ? `${s.slice(0, 1500)}\n[...]\n${s.slice(-1500)}` : s);
    return `--- ${this.label} stdout ---\n${cut(this.stdout)}--- ${this.label} stderr ---\n${cut(this.stderr)}`;
  }
}

/** Sends `signal` to the process group `pgid`, if it has a process left. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Live (not zombie) processes of the group `pgid`, from /proc/<pid>/stat: "pid (comm) state ppid pgrp ...". */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** Where a segment of the named channel `name` was once named: nothing may ever appear there now. */
export const segmentPath = (name: string): string => `/dev/shm/rxshm.${name}`;

/** Whether a process listens on the doorbell of channel `name` (/proc/net/unix, flag __SO_ACCEPTCON, NUL as '@'). */
export const doorbellBound = (name: string): boolean =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[3] === '00010000' && fields[7] === `@rxshm.${name}`;
    });

/** Names of the channels the code listens on and connects to, from `listen('x'` and `connect('x'`. */
export function channelNames(code: string, kinds: readonly ('listen' | 'connect')[] = ['listen', 'connect']): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(listen|connect)\(\s*(['"])([^'"]+)\2/g))
    if (kinds.includes(m[1] as 'listen')) names.add(m[3]!);
  return [...names];
}

/** Removes the segments of `names`; returns those that existed. */
export function removeSegments(names: readonly string[]): string[] {
  return names.filter((name) => {
    if (!existsSync(segmentPath(name))) return false;
    rmSync(segmentPath(name), { force: true });
    return true;
  });
}

const LOCK = join(tmpdir(), 'rxshm-readme-snippets.lock');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs `body` holding the machine-wide lock (a file holding the holder's pid; a dead holder's lock is taken over). */
export async function withLock<T>(body: () => Promise<T>, waitMs = 300_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(LOCK, 'utf8'));
        // A lock file still empty a few seconds after it was made belongs to a holder that died while writing it.
        if (!holder && Date.now() - statSync(LOCK).mtimeMs > 5000) holder = -1;
      } catch {
        continue; // released meanwhile
      }
      if (holder === -1 || (holder > 0 && !alive(holder))) rmSync(LOCK, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`README snippets: ${LOCK} held by pid ${holder} for ${waitMs} ms`);
      else await sleep(100);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(LOCK, { force: true });
  }
}
