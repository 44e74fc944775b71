/**
 * A full /dev/shm is a clear error at creation, never a SIGBUS later: each case runs a child in its own mount
 * namespace (`unshare -m`) with an 8 MiB tmpfs over /dev/shm, so the host's /dev/shm is never filled. Named channels
 * no longer use /dev/shm at all (a sealed memfd per client, reserved at connect): a huge ring works there; a server
 * short of memory at connect is test/streams/client-no-space.test.ts. The child
 * reports JSON; a child killed by SIGBUS fails the test. Needs root (or CAP_SYS_ADMIN) and unshare; otherwise
 * skipped with a printed reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withWatchdog } from '../helpers/process-run.js';

const test = suite('native: no space in /dev/shm (linux)');
const src = (file: string): string => fileURLToPath(new URL(`../../src/${file}`, import.meta.url));
const MOUNT = 'mount -t tmpfs -o size=8m tmpfs /dev/shm && exec "$0" --import tsx --input-type=module -e "$1"';

/** Why the case cannot run here, or null. */
function cannotRun(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  const probe = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'],
    { encoding: 'utf8' },
  );
  if (probe.error) return `unshare is missing (${probe.error.message})`;
  if (probe.status !== 0)
    return `cannot mount a tmpfs in a new mount namespace (uid ${process.getuid?.()}): ${probe.stderr.trim()}`;
  return null;
}
const reason = cannotRun();

/** Runs `script` (an ES module body) in a child whose /dev/shm is an 8 MiB tmpfs; resolves with its JSON lines. */
async function inSmallShm(
  script: string,
): Promise<{ code: number | null; signal: string | null; lines: Record<string, unknown>[] }> {
  const child = withWatchdog(
    spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', MOUNT, process.execPath, script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    30_000,
    'child in a small /dev/shm',
  );
  try {
    const { code, signal, stdout } = await child.done;
    return {
      code,
      signal,
      lines: stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  } finally {
    child.kill();
  }
}

test('create beyond the free space: CreateSegmentError NoSpace, nothing left behind; what fits is usable to the last byte', async () => {
  if (reason) return console.log(`  skipped: ${reason}`);
  const result = await inSmallShm(`
    import { readdirSync } from 'node:fs';
    const { native } = await import(${JSON.stringify(src('native/index.ts'))});
    const report = (o) => console.log(JSON.stringify(o));
    const attempt = (name, size) => { try { return native.segments.create(name, size); } catch (e) { report({ name, code: e.code, errno: e.errno, message: e.message, left: readdirSync('/dev/shm') }); return null; } };
    attempt('big', 16 * 1024 * 1024);
    const fits = attempt('fits', 4 * 1024 * 1024);
    new Uint8Array(fits.buffer).fill(7); // every page: reserved, so no SIGBUS
    report({ name: 'fits', filled: new Uint8Array(fits.buffer).every((b) => b === 7) });
    attempt('more', 6 * 1024 * 1024);
  `);
  assert.equal([result.code, result.signal], [0, null], 'the child exited by itself, no SIGBUS');
  const [big, fits, more] = result.lines;
  assert.is(big!.code, 'NoSpace', String(big!.message));
  assert.match(String(big!.message), 'size=16777216');
  assert.match(String(big!.message), 'posix_fallocate: ENOSPC');
  assert.equal(big!.left, [], 'the failed create unlinked its name');
  assert.equal(fits, { name: 'fits', filled: true });
  assert.is(more!.code, 'NoSpace');
  assert.equal(more!.left, ['fits']);
});

test('listen with ringCapacity 2^26 on an 8 MiB /dev/shm: a client connects and exchanges — a named channel keeps nothing in /dev/shm (its segments are memfds, reserved at connect), no SIGBUS', async () => {
  if (reason) return console.log(`  skipped: ${reason}`);
  const result = await inSmallShm(`
    import { readdirSync } from 'node:fs';
    const { firstValueFrom } = await import('rxjs');
    const { connect, listen } = await import(${JSON.stringify(src('index.ts'))});
    const server = listen('nospace', { ringCapacity: 2 ** 26 }).subscribe((c) => c.next(new Uint8Array(60_000).fill(7)));
    try {
      const client = await firstValueFrom(connect('nospace', { timeout: 10_000 }));
      const bytes = await firstValueFrom(client);
      console.log(JSON.stringify({ received: bytes.length, sum: bytes.reduce((n, b) => n + b, 0), shm: readdirSync('/dev/shm') }));
      client.complete();
    } catch (e) {
      console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }));
    }
    server.unsubscribe();
  `);
  assert.equal([result.code, result.signal], [0, null], 'the child exited by itself, no SIGBUS');
  assert.equal(result.lines[0], { received: 60_000, sum: 7 * 60_000, shm: [] });
});

test.run();
