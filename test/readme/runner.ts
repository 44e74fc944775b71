/**
 * Runs one README snippet as a real process under the project watchdog. The snippet's file is the standard header
 * (imports of what it uses and does not import itself), its spec's prelude, then its code as written. A client must
 * exit by itself within `timeoutMs` with `exitCode` and print what `expect` says. A peer (another snippet, or a
 * fixture under test/readme/) is started first and given time to listen (its segments exist), then stopped
 * (SIGTERM, SIGKILL 2 s later). A snippet that `serves` is started, a probe is served by it, it must still be
 * running, then it is stopped. The segments of every channel involved are removed before; after, only those of a
 * serving process stopped by a signal may remain (a dead server's segment is taken over by design), anything else is
 * a failure.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { underWatchdog } from '../helpers/watchdog.js';
import { headerFor, type Exports } from './header.js';
import { channelNames, doorbellBound, Proc, removeSegments, segmentPath, sleep, type Exit } from './processes.js';

/** How a README snippet is run and what it must do. */
export interface SnippetSpec {
  /** Source placed between the header and the snippet: definitions of the snippet's free variables. */
  readonly prelude?: string;
  /** Started first and stopped at the end: a snippet id, or a fixture path relative to test/readme/ (`peers/x.mts`). */
  readonly peer?: string;
  /** stdout: a pattern, or exactly these lines. For a snippet that serves: its own stdout, checked once stopped. */
  readonly expect?: RegExp | readonly string[];
  /** Time the client has to exit by itself (ms); default 15000. */
  readonly timeoutMs?: number;
  /** The client's exit code; default 0. */
  readonly exitCode?: number;
  /** Written to the snippet's stdin (closed after); otherwise stdin is /dev/null. */
  readonly stdin?: string;
  /** The snippet serves forever: started, a probe is served, it must still be running, then it is stopped. */
  readonly serves?: boolean;
  /** With `serves`: the client run against it, a snippet id or a fixture path; it must exit by itself with code 0. */
  readonly probe?: string;
  /** The block holds two processes: lines before the first line starting with `split` serve, the rest is the client. */
  readonly split?: string;
  /** Files the snippet uses by name, made from other snippets (header, prelude, code): `{ 'worker.js': 'connect-parent' }`. */
  readonly files?: Readonly<Record<string, string>>;
  /** The snippet is not run by itself, only as one of the `files` of the snippet named here. */
  readonly runBy?: string;
}

/** What the runner needs: the README blocks by id, the specs, the module exports and a directory for the files. */
export interface Context {
  readonly blocks: ReadonlyMap<string, string>;
  readonly specs: Readonly<Record<string, SnippetSpec>>;
  readonly exports: Exports;
  readonly dir: string;
  readonly fixtures: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const LISTEN_WAIT_MS = 10_000;

/** A file to run and what is known of it. */
interface Program {
  readonly label: string;
  readonly file: string;
  readonly code: string;
  readonly spec: SnippetSpec;
}

/** Header, prelude and code, as one source. */
const assemble = (ctx: Context, prelude: string | undefined, code: string): string =>
  `${headerFor([prelude ?? '', code], ctx.exports)}${prelude ? `${prelude.trim()}\n` : ''}${code}`;

function write(ctx: Context, name: string, source: string): string {
  mkdirSync(ctx.dir, { recursive: true });
  const file = join(ctx.dir, name);
  writeFileSync(file, source);
  return file;
}

/** A snippet id or a fixture path as a program; a snippet's `files` are written beside it. */
function program(ctx: Context, ref: string, suffix = ''): Program {
  if (ref.includes('/')) {
    const file = join(ctx.fixtures, ref);
    return { label: ref, file, code: readFileSync(file, 'utf8'), spec: {} };
  }
  const spec = ctx.specs[ref];
  const code = ctx.blocks.get(ref);
  if (!spec || code === undefined)
    throw new Error(`no snippet '${ref}' (spec: ${!!spec}, README block: ${code !== undefined})`);
  for (const [name, id] of Object.entries(spec.files ?? {})) {
    const block = ctx.blocks.get(id);
    if (block === undefined)
      throw new Error(`snippet '${ref}': file ${name} names '${id}', which is not a README block`);
    write(ctx, name, assemble(ctx, ctx.specs[id]?.prelude, block));
  }
  const source = assemble(ctx, spec.prelude, code);
  return { label: ref + suffix, file: write(ctx, `${ref}${suffix}.mts`, source), code: source, spec };
}

/** The two programs of a `split` block: the serving part and the client part. */
function splitProgram(ctx: Context, id: string, at: string): [Program, Program] {
  const spec = ctx.specs[id]!;
  const lines = ctx.blocks.get(id)!.split('\n');
  const i = lines.findIndex((line) => line.trimStart().startsWith(at));
  if (i <= 0) throw new Error(`snippet '${id}': no line starts with '${at}' (split) after the first`);
  const part = (label: string, code: string): Program => {
    const source = assemble(ctx, spec.prelude, code);
    return { label, file: write(ctx, `${label}.mts`, source), code: source, spec };
  };
  return [part(`${id}.serve`, lines.slice(0, i).join('\n') + '\n'), part(id, lines.slice(i).join('\n'))];
}

/** Waits until `proc` listens on the doorbell of every channel its code listens on. */
async function listening(proc: Proc, code: string): Promise<void> {
  const names = channelNames(code, ['listen']);
  const deadline = performance.now() + LISTEN_WAIT_MS;
  while (!names.every((name) => doorbellBound(name))) {
    if (!proc.running)
      throw new Error(
        `${proc.label} exited before it listened on ${names.join(', ')} (${JSON.stringify(await proc.exited)})\n${proc.describe()}`,
      );
    if (performance.now() > deadline)
      throw new Error(
        `${proc.label} did not listen on ${names.join(', ')} within ${LISTEN_WAIT_MS} ms\n${proc.describe()}`,
      );
    await sleep(20);
  }
  if (names.length === 0) await sleep(1000);
}

/** Processes a client that exited started and left running (after a grace of 3 s: spawnConnected's is 2 s). */
async function leftBehind(proc: Proc): Promise<string[]> {
  for (let i = 0; i < 60 && proc.group().length > 0; i++) await sleep(50);
  const left = proc.group();
  return left.length ? [`${proc.label}: exited, but left processes running: ${left.join(', ')}`] : [];
}

const show = (exit: Exit): string => (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);

/** The failures of a client that ended with `exit` against its spec. */
function judge(proc: Proc, exit: Exit | null, spec: SnippetSpec, timeoutMs: number): string[] {
  if (exit === null) return [`${proc.label}: hang: still running after ${timeoutMs} ms (it must exit by itself)`];
  const problems: string[] = [];
  const code = spec.exitCode ?? 0;
  if (exit.code !== code) problems.push(`${proc.label}: ${show(exit)}, expected exit code ${code}`);
  problems.push(...output(proc, spec.expect));
  return problems;
}

function output(proc: Proc, expect: SnippetSpec['expect']): string[] {
  if (expect === undefined) return [];
  if (expect instanceof RegExp)
    return expect.test(proc.stdout) ? [] : [`${proc.label}: stdout does not match ${expect}`];
  const lines = proc.stdout.replace(/\n$/, '').split('\n');
  const want = [...expect];
  return JSON.stringify(lines) === JSON.stringify(want)
    ? []
    : [`${proc.label}: stdout lines ${JSON.stringify(lines)}, expected ${JSON.stringify(want)}`];
}

/** Runs the snippet `id` by its spec; resolves with the list of failures (empty: it passes). */
export async function runSnippet(ctx: Context, id: string): Promise<string[]> {
  const spec = ctx.specs[id]!;
  if (spec.runBy !== undefined) {
    const host = ctx.specs[spec.runBy];
    return host && Object.values(host.files ?? {}).includes(id)
      ? []
      : [`${id}: runBy '${spec.runBy}', whose spec has no file made from '${id}'`];
  }
  let server: Program | null = null;
  let client: Program;
  if (spec.split !== undefined) [server, client] = splitProgram(ctx, id, spec.split);
  else if (spec.serves) {
    if (spec.probe === undefined) return [`${id}: serves, but its spec names no probe`];
    server = program(ctx, id);
    client = program(ctx, spec.probe, spec.probe.includes('/') ? '' : '.probe');
  } else {
    if (spec.peer !== undefined) server = program(ctx, spec.peer, spec.peer.includes('/') ? '' : '.peer');
    client = program(ctx, id);
  }
  const timeoutMs = client.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const channels = [...new Set([...(server ? channelNames(server.code) : []), ...channelNames(client.code)])];
  removeSegments(channels);
  return underWatchdog<string[], Proc>(
    timeoutMs + LISTEN_WAIT_MS + 15_000,
    async ({ track }) => {
      const serving = server ? track(new Proc(server.label, server.file, ctx.dir)) : null;
      if (serving) await listening(serving, server!.code);
      const running = track(new Proc(client.label, client.file, ctx.dir, client.spec.stdin));
      const exit = await running.exitWithin(timeoutMs);
      if (exit === null) running.kill();
      const problems = judge(running, exit, client.spec, timeoutMs);
      if (exit !== null) problems.push(...(await leftBehind(running)));
      if (spec.serves && !serving!.running)
        problems.push(
          `${id}: serves, but it was no longer running after serving ${client.label} (${show(await serving!.exited)})`,
        );
      if (serving) {
        serving.kill();
        await serving.exited;
        if (spec.serves) problems.push(...output(serving, spec.expect));
      }
      await running.exited;
      // Nothing of a channel is ever named in /dev/shm, even after a server killed by a signal.
      const left = removeSegments(channels);
      if (left.length) problems.push(`${id}: segments left behind: ${left.map(segmentPath).join(', ')}`);
      if (problems.length) problems.push(running.describe(), ...(serving ? [serving.describe()] : []));
      return problems;
    },
    (proc) => proc.kill(),
  );
}
