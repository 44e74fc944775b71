import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linuxDoorbellPath } from '../../src/native/doorbell.js';
import { CreateSegmentError, createFakeNative } from '../../src/native/index.js';

const test = suite('createFakeNative');

test('each fake is its own namespace', () => {
  const a = createFakeNative();
  const b = createFakeNative();
  const seg = a.segments.create('x', 16);
  assert.throws(
    () => b.segments.open('x'),
    (e: unknown) => (e as { code?: string }).code === 'NotFound',
  );
  seg.close();
  assert.is.not(a.doorbellPath('x'), b.doorbellPath('x'));
  assert.is.not(a.doorbellPath('x'), linuxDoorbellPath('x'));
});

test('openInherited works for fds it handed out, until the fd is closed', () => {
  const n = createFakeNative();
  const parent = n.segments.createAnonymous(64);
  const child = n.segments.openInherited(parent.fd);
  new Uint8Array(parent.buffer)[3] = 9;
  assert.is(new Uint8Array(child.buffer)[3], 9);
  child.close();
  parent.close();
  assert.throws(
    () => n.segments.openInherited(parent.fd),
    (e: unknown) => (e as { code?: string }).code === 'InvalidHandle',
  );
});

test('fake futex: wake counts waiters and resolves them', async () => {
  const n = createFakeNative();
  const seg = n.segments.createAnonymous(16);
  const waits = [n.futex!.wait(seg, 0, 0, 250), n.futex!.wait(seg, 0, 0, 250), n.futex!.wait(seg, 0, 0, 50)];
  assert.is(n.futex!.wake(seg, 0, 2), 2);
  assert.equal(await Promise.all(waits), ['woken', 'woken', 'timeout']);
  const foreign = {
    name: null,
    size: 16,
    buffer: new ArrayBuffer(16),
    fd: -1,
    closed: false,
    address: 0n,
    ownerUid: 0,
    close() {},
    retire() {},
  };
  assert.throws(
    () => n.futex!.wake(foreign, 0, 1),
    (e: unknown) => e instanceof TypeError,
    'only fake segments',
  );
  seg.close();
});

test('shmBytes bounds the fake /dev/shm: NoSpace at creation, freed by unlink and by closing anonymous memory', () => {
  const n = createFakeNative({ shmBytes: 8192 });
  const a = n.segments.create('a', 4096);
  const anon = n.segments.createAnonymous(4096);
  for (const create of [() => n.segments.create('b', 1), () => n.segments.createAnonymous(1)]) {
    assert.throws(
      create,
      (e: unknown) =>
        e instanceof CreateSegmentError &&
        e.code === 'NoSpace' &&
        /size=1, 0 bytes free/.test(e.message) &&
        /ENOSPC/.test(e.message),
    );
  }
  assert.throws(
    () => n.segments.open('b'),
    (e: unknown) => (e as { code?: string }).code === 'NotFound',
    'a failed create leaves no name',
  );
  n.segments.unlink('a');
  a.close();
  n.segments.create('b', 4096).close();
  anon.close();
  n.segments.createAnonymous(4096).close();
  assert.throws(
    () => createFakeNative({ shmBytes: -1 }),
    (e: unknown) => e instanceof RangeError,
  );
});

test('uid: owner of every segment and the peer uid of every socket; the peer is always this process', () => {
  const n = createFakeNative({ uid: 4242 });
  const seg = n.segments.create('x', 16);
  assert.is(n.identity.uid(), 4242);
  assert.is(seg.ownerUid, 4242);
  assert.is(n.segments.ownerOf('x'), 4242);
  assert.equal(n.identity.peerOf(5), { pid: process.pid, uid: 4242, gid: process.getegid!() });
  seg.close();
  assert.throws(
    () => createFakeNative({ uid: -1 }),
    (e: unknown) => e instanceof RangeError,
  );
});

test.run();
