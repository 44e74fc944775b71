/**
 * Sealed anonymous segments, the same on the Linux backend and on the fake: `createSealed` fixes the size,
 * `openReceived` maps only a sealed descriptor (and closes a refused one), `sealsOf` reports the seal bits. On
 * Linux also: truncating or growing a sealed memfd is EPERM and every byte stays readable (no SIGBUS), and a memfd
 * does not count against /dev/shm's size (a child in its own mount namespace with an 8 MiB /dev/shm, as in
 * no-space.test.ts, fills a 64 MiB one).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createFakeNative,
  MapSegmentError,
  native,
  REQUIRED_SEALS,
  SEALS,
  type NativeApi,
  type Segment,
} from '../../src/native/index.js';
import { expectError } from '../helpers/assertions.js';
import { withWatchdog } from '../helpers/process-run.js';

/** A second descriptor for the segment's memory (Linux: reopened through /proc), to hand over to openReceived. */
function duplicate(api: NativeApi, seg: Segment): number {
  return api.platform === 'fake' ? seg.fd : openSync(`/proc/self/fd/${seg.fd}`, 'r+');
}

function sealedSuite(label: string, api: () => NativeApi): void {
  const test = suite(`native sealed segments: ${label}`);

  test('createSealed: zero-filled, sealed against shrink, grow and more seals', () => {
    const seg = api().segments.createSealed(8192);
    try {
      assert.is(seg.size, 8192);
      assert.is(seg.name, null);
      assert.ok(new Uint8Array(seg.buffer).every((b) => b === 0));
      assert.is(api().segments.sealsOf(seg.fd) & REQUIRED_SEALS, REQUIRED_SEALS);
      assert.is(REQUIRED_SEALS, SEALS.seal | SEALS.shrink | SEALS.grow);
    } finally {
      seg.close();
    }
  });

  test('createAnonymous stays unsealed: openReceived refuses it with NotSealed and closes the descriptor', () => {
    const seg = api().segments.createAnonymous(4096);
    try {
      assert.is(api().segments.sealsOf(seg.fd), SEALS.seal, 'as a memfd made without MFD_ALLOW_SEALING');
      const fd = duplicate(api(), seg);
      const error = expectError(() => api().segments.openReceived(fd), MapSegmentError, 'NotSealed');
      assert.match(error.message, /received shared memory fd \d+ since its size is not sealed/);
      expectError(() => api().segments.sealsOf(fd), MapSegmentError, 'InvalidHandle');
    } finally {
      seg.close();
    }
  });

  test('openReceived of a sealed descriptor maps the same memory and owns the descriptor', () => {
    const seg = api().segments.createSealed(4096);
    const fd = duplicate(api(), seg);
    try {
      new Uint8Array(seg.buffer)[7] = 0x42;
      const received = api().segments.openReceived(fd);
      assert.is(received.size, 4096);
      assert.is(new Uint8Array(received.buffer)[7], 0x42);
      received.close();
      expectError(() => api().segments.sealsOf(fd), MapSegmentError, 'InvalidHandle');
    } finally {
      seg.close();
    }
  });

  test('bad descriptors are InvalidHandle before any system call', () => {
    for (const fd of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expectError(() => api().segments.sealsOf(fd), MapSegmentError, 'InvalidHandle');
      expectError(() => api().segments.openReceived(fd), MapSegmentError, 'InvalidHandle');
    }
  });

  test.run();
}

const fake = createFakeNative();
sealedSuite('fake', () => fake);

if (process.platform === 'linux') {
  sealedSuite('linux', () => native);
  const test = suite('native sealed segments: linux only');

  test('the fake has no raw sockets; Linux has them', () => {
    assert.is(createFakeNative().sockets, null);
    assert.ok(native.sockets !== null);
  });

  test('a sealed memfd cannot be truncated or grown, and every byte stays readable (no SIGBUS)', () => {
    const seg = native.segments.createSealed(64 * 1024);
    try {
      new Uint8Array(seg.buffer).fill(0x5a);
      assert.throws(() => ftruncateSync(seg.fd, 0), /EPERM/);
      assert.throws(() => ftruncateSync(seg.fd, 4096), /EPERM/);
      assert.throws(() => ftruncateSync(seg.fd, 128 * 1024), /EPERM/);
      assert.ok(new Uint8Array(seg.buffer).every((b) => b === 0x5a));
    } finally {
      seg.close();
    }
  });

  test('sealsOf a regular file is NotSealed (it cannot carry seals); openReceived refuses it and closes it', () => {
    const path = join(tmpdir(), `rxshm-not-memfd-${process.pid}`);
    const fd = openSync(path, 'w+');
    try {
      ftruncateSync(fd, 4096);
      expectError(() => native.segments.sealsOf(fd), MapSegmentError, 'NotSealed');
      expectError(() => native.segments.openReceived(fd), MapSegmentError, 'NotSealed');
      expectError(() => native.segments.sealsOf(fd), MapSegmentError, 'InvalidHandle');
    } finally {
      try {
        closeSync(fd);
      } catch {
        // closed by openReceived, as it should be
      }
      rmSync(path, { force: true });
    }
  });

  test('a sealed memfd larger than the whole /dev/shm works to its last byte: memfds do not live there', async () => {
    const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']);
    if (probe.error || probe.status !== 0) return console.log('  skipped: needs unshare -m (root)');
    const api = fileURLToPath(new URL('../../src/native/index.ts', import.meta.url));
    const script = `import { native } from ${JSON.stringify(api)};
      const seg = native.segments.createSealed(64 * 1024 * 1024);
      const bytes = new Uint8Array(seg.buffer); bytes.fill(1);
      console.log(JSON.stringify({ size: seg.size, last: bytes[bytes.length - 1] }));`;
    const mount = 'mount -t tmpfs -o size=8m tmpfs /dev/shm && exec "$0" --import tsx --input-type=module -e "$1"';
    const run = withWatchdog(
      spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', mount, process.execPath, script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      30_000,
      'a 64 MiB memfd beside an 8 MiB /dev/shm',
    );
    try {
      const { code, signal, stdout } = await run.done;
      assert.equal([code, signal], [0, null], 'no SIGBUS');
      assert.equal(JSON.parse(stdout), { size: 64 * 1024 * 1024, last: 1 });
    } finally {
      run.kill();
    }
  });

  test.run();
}
