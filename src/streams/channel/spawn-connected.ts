/**
 * `spawnConnected(command, args, options?)`: start a child process joined to this one by an anonymous channel.
 *
 * Cross-process invariants: the segment is a sealed memfd (`createSealed`: no process holding it can shrink or grow
 * it, so a hostile or buggy child's ftruncate is EPERM, never a SIGBUS here) that only this process and the child
 * hold (no name to find or to leave behind); the child gets it as fd 3 and its end of a Unix socket pair (the
 * doorbell) as fd 4, finds them through the PARENT_CHANNEL_ENV environment variable (parent-channel.ts) and maps the
 * segment only once the kernel confirms the seals (`openReceived`). The handshake is the named one-client
 * channel's, token included (anonymous-server.ts, shared with nativeChannel). A C child joins with
 * rxshm_connect_parent (c/rxshm.h).
 */
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { native as defaultNative } from '../../native/index.js';
import type { Connection } from '../connection/connection.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { ChannelOptionsError, ConnectError, PeerExitedError } from '../errors.js';
import { createAnonymousSegment, serveAnonymous } from './anonymous-server.js';
import { CHILD_DOORBELL_FD, PARENT_CHANNEL_ENV, parentChannelEnvValue, spawnSegmentName } from './parent-channel.js';
/** How long a spawned child may take to call connectParent (ms), unless `options.timeout` says otherwise. */
export const DEFAULT_SPAWN_TIMEOUT_MS = 30_000;
/** How long the child may take to exit by itself after the connection ends, before SIGTERM. */
export const DEFAULT_EXIT_GRACE_MS = 2000;

/** Options of spawnConnected: the channel's, plus how to start the child. */
export interface SpawnConnectedOptions extends ChannelOptions {
  /** stdin, stdout, stderr of the child (default: inherit all three). */
  readonly stdio?: readonly [
    'pipe' | 'inherit' | 'ignore',
    'pipe' | 'inherit' | 'ignore',
    'pipe' | 'inherit' | 'ignore',
  ];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** After unsubscribe, how long the child may take to exit before it gets SIGTERM (ms). Default 2000. */
  readonly exitGraceMs?: number;
  /** Called with the child process once spawned (to read its stdout, watch its exit code, ...). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** The stdio values a child's stdin, stdout and stderr may take. */
const STDIO_MODES = ['pipe', 'inherit', 'ignore'];

/** Throws ChannelOptionsError for spawn arguments or options that spawn() would only refuse at subscribe. */
function checkSpawnOptions(args: unknown, options: SpawnConnectedOptions): void {
  const fail = (what: string, value: unknown): never => {
    throw new ChannelOptionsError(`spawnConnected: invalid ${what}=${JSON.stringify(value) ?? String(value)}`);
  };
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) fail('args (an array of strings)', args);
  if (options === null || typeof options !== 'object') return; // resolveOptions reports it
  const { exitGraceMs, stdio, env, cwd, onSpawn } = options;
  if (exitGraceMs !== undefined && !(Number.isFinite(exitGraceMs) && exitGraceMs >= 0)) {
    fail('exitGraceMs (a finite number >= 0)', exitGraceMs);
  }
  if (
    stdio !== undefined &&
    !(Array.isArray(stdio) && stdio.length === 3 && stdio.every((mode) => STDIO_MODES.includes(mode)))
  ) {
    fail("stdio (three of 'pipe', 'inherit', 'ignore')", stdio);
  }
  if (env !== undefined && (env === null || typeof env !== 'object')) fail('env (an object)', env);
  if (cwd !== undefined && typeof cwd !== 'string') fail('cwd (a string)', cwd);
  if (onSpawn !== undefined && typeof onSpawn !== 'function') fail('onSpawn (a function)', onSpawn);
}

/**
 * A cold observable that, on subscribe, creates an anonymous segment sealed at its size (no process can truncate or
 * grow it), spawns `command args` with it, and emits the parent's Connection once the child has called
 * `connectParent()`. `connection.peerPid` is the child's pid. It completes when the connection ends; the connection
 * closes as a connect()'s does (when its use ends, or when the subscription is unsubscribed, after delivering what it
 * queued). A child still running `exitGraceMs` after the connection ended gets SIGTERM, so no process is left behind.
 * Bad arguments throw ChannelOptionsError at once. If the child exits before the handshake, the observable errors with
 * PeerExitedError.
 *
 * @example
 * ```ts
 * spawnConnected(process.execPath, ['worker.js']).pipe(switchMap((connection) => connection)).subscribe(console.log);
 * ```
 */
export function spawnConnected(
  command: string,
  args: readonly string[] = [],
  options: SpawnConnectedOptions = {},
): Observable<Connection> {
  if (typeof command !== 'string' || command.length === 0)
    throw new ChannelOptionsError('spawnConnected: command must be a non-empty string');
  checkSpawnOptions(args, options);
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  const grace = options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS;
  // A child needs time to start (a runtime, a loader) before it calls connectParent: `timeout` bounds it.
  const handshakeTimeout = options.timeout ?? DEFAULT_SPAWN_TIMEOUT_MS;
  return new Observable<Connection>((subscriber) => {
    // Sealed: neither side can ever truncate or grow the memory the other has mapped. Windows hands a child no
    // descriptor: there the segment is a section (never resizable) under an unguessable name (parent-channel.ts).
    const byName = native.platform === 'win32' ? spawnSegmentName(randomBytes(16)) : undefined;
    const { segment, layout } = createAnonymousSegment(native, resolved, byName);
    const [stdin, stdout, stderr] = options.stdio ?? ['inherit', 'inherit', 'inherit'];
    // fd 3 (CHILD_SEGMENT_FD) is the segment, fd 4 (CHILD_DOORBELL_FD) the child's end of a new socket pair.
    const stdio: StdioOptions = [stdin, stdout, stderr, byName ? 'ignore' : segment.fd, 'pipe'];
    const spawnOptions: SpawnOptions = {
      stdio,
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [PARENT_CHANNEL_ENV]: parentChannelEnvValue(byName) },
    };
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], spawnOptions);
    } catch (error) {
      segment.close();
      subscriber.error(error);
      return;
    }
    options.onSpawn?.(child);
    const channel = `spawn:${child.pid}`;
    const socket = child.stdio[CHILD_DOORBELL_FD] as Socket;
    let joined = false;
    const onEarlyExit = (code: number | null, signal: string | null): void => {
      if (!joined)
        subscriber.error(
          new PeerExitedError(channel, child.pid ?? 0, `before connecting (code=${code}, signal=${signal})`),
        );
    };
    child.once('exit', onEarlyExit);
    child.once('error', (error) => subscriber.error(error));
    const sink = {
      next: (connection: Connection) => ((joined = true), subscriber.next(connection)),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    };
    const join = { channel, socket, segment, layout, options: resolved, timeoutMs: handshakeTimeout };
    const server = serveAnonymous({ ...join, peerPid: (hello) => child.pid ?? hello.pid }, sink, (why) => {
      // A child that died closes its doorbell just before its exit is reported: give the exit (PeerExitedError)
      // a moment to win, then report the failed handshake.
      const failed = (): void =>
        subscriber.error(new ConnectError('HandshakeFailed', channel, `the child did not connect: ${why}`));
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(failed, 250);
      child.once('exit', () => clearTimeout(timer));
    });
    return () => {
      child.off('exit', onEarlyExit);
      // A child still running `grace` ms after its connection ended gets SIGTERM: no process is left behind.
      server.close(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const timer = setTimeout(() => child.kill('SIGTERM'), grace);
        timer.unref();
        child.once('exit', () => clearTimeout(timer));
      });
    };
  });
}
