import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createFakeNative, linuxDoorbellPathForTest } from './_fake-helpers.js';

const test = suite('createFakeNative');

test('each fake is its own namespace', () => {
  const a = createFakeNative();
  const b = createFakeNative();
  const seg = a.segments.create('x', 16);
  assert.throws(() => b.segments.open('x'), (e: unknown) => (e as { code?: string }).code === 'NotFound');
  seg.close();
  assert.is.not(a.doorbellPath('x'), b.doorbellPath('x'));
  assert.is.not(a.doorbellPath('x'), linuxDoorbellPathForTest('x'));
});

test('openInherited works for fds it handed out, until the fd is closed', () => {
  const n = createFakeNative();
  const parent = n.segments.createAnonymous(64);
  const child = n.segments.openInherited(parent.fd);
  new Uint8Array(parent.buffer)[3] = 9;
  assert.is(new Uint8Array(child.buffer)[3], 9);
  child.close();
  parent.close();
  assert.throws(() => n.segments.openInherited(parent.fd), (e: unknown) => (e as { code?: string }).code === 'InvalidHandle');
});

test('fake futex: wake counts waiters and resolves them', async () => {
  const n = createFakeNative();
  const seg = n.segments.createAnonymous(16);
  const waits = [n.futex!.wait(seg, 0, 0, 250), n.futex!.wait(seg, 0, 0, 250), n.futex!.wait(seg, 0, 0, 50)];
  assert.is(n.futex!.wake(seg, 0, 2), 2);
  assert.equal(await Promise.all(waits), ['woken', 'woken', 'timeout']);
  const foreign = { name: null, size: 16, buffer: new ArrayBuffer(16), fd: -1, closed: false, address: 0n, close() {} };
  assert.throws(() => n.futex!.wake(foreign, 0, 1), (e: unknown) => e instanceof TypeError, 'only fake segments');
  seg.close();
});

test.run();
