/**
 * Who is who, across users (Linux): a segment's owner as the kernel reports it, the credentials of a doorbell held
 * by another user's process, and `peek` on files a squatter may plant (truncated, a FIFO). The cross-user cases
 * need root (chown, setpriv); elsewhere they are skipped with a printed reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, ftruncateSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native, OpenSegmentError } from '../../src/native/index.js';
import { socketFd } from '../helpers/native.js';
import { nativeName } from '../helpers/names.js';
import { withWatchdog } from '../helpers/process-run.js';
import { within } from '../helpers/waiting.js';

const test = suite('native identity (linux)');
/** A uid no account uses: setpriv and chown take numbers, no passwd entry needed. */
const OTHER_UID = 54_321;
const canSwitchUser =
  process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
const skip = (what: string): void =>
  console.log(`  skipped: ${what}: needs root and setpriv (uid ${process.getuid?.()})`);

test('ownerOf and ownerUid report the file owner the kernel knows, after a chown too', () => {
  const name = nativeName('owner');
  const seg = native.segments.create(name, 4096);
  try {
    assert.is(native.segments.ownerOf(name), native.identity.uid());
    assert.is(native.identity.uid(), process.geteuid!());
    if (!canSwitchUser) return skip('chown to another uid');
    chownSync(`/dev/shm/${name}`, OTHER_UID, OTHER_UID);
    assert.is(native.segments.ownerOf(name), OTHER_UID);
    assert.is(seg.ownerUid, OTHER_UID, 'fstat of the open handle sees the new owner');
  } finally {
    seg.close();
    native.segments.unlink(name);
  }
});

test("peerOf names another user's process that listens on an abstract socket", async () => {
  if (!canSwitchUser) return skip('a listener of another uid');
  const path = `\0rxshm-test-peer-${process.pid}`;
  const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('ready'))`;
  const child = withWatchdog(
    spawn(
      'setpriv',
      [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', process.execPath, '-e', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
    15_000,
    'listener of another uid',
  );
  try {
    await within(
      new Promise<void>((resolve) =>
        child.process.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
      ),
      10_000,
      'listener ready',
    );
    const socket = net.connect(path);
    await within(
      new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)),
      5_000,
      'connect',
    );
    try {
      assert.equal(native.identity.peerOf(socketFd(socket)), {
        pid: child.process.pid!,
        uid: OTHER_UID,
        gid: OTHER_UID,
      });
    } finally {
      socket.destroy();
    }
  } finally {
    child.kill();
    await child.done.catch(() => undefined);
  }
});

test('peerOf of a file, not a socket: PeerCredentialsError InvalidHandle (ENOTSOCK)', () => {
  const fd = openSync('/dev/null', 'r');
  try {
    assert.throws(
      () => native.identity.peerOf(fd),
      (e: unknown) => (e as { code?: string }).code === 'InvalidHandle' && /ENOTSOCK/.test((e as Error).message),
    );
  } finally {
    closeSync(fd);
  }
});

test('peek reads a header without mapping: a truncated file gives fewer bytes; a FIFO is refused at once', () => {
  const name = nativeName('peek');
  const seg = native.segments.create(name, 4096);
  try {
    new Uint8Array(seg.buffer).set([1, 2, 3]);
    assert.equal([...native.segments.peek(name, 3)], [1, 2, 3]);
    const fd = openSync(`/dev/shm/${name}`, 'r+');
    ftruncateSync(fd, 2); // a squatter shrinking its file: a mapping would SIGBUS past the end, peek does not
    closeSync(fd);
    assert.equal([...native.segments.peek(name, 256)], [1, 2]);
  } finally {
    seg.close();
    native.segments.unlink(name);
  }
  assert.throws(
    () => native.segments.peek(name, 16),
    (e: unknown) => e instanceof OpenSegmentError && e.code === 'NotFound',
  );
  const fifo = nativeName('fifo');
  if (spawnSync('mkfifo', [`/dev/shm/${fifo}`]).status !== 0)
    return console.log('  skipped: a FIFO under /dev/shm: mkfifo failed');
  try {
    assert.throws(
      () => native.segments.peek(fifo, 16),
      (e: unknown) => e instanceof OpenSegmentError && e.code === 'InvalidHandle',
    );
  } finally {
    native.segments.unlink(fifo);
  }
});

test.run();
