/**
 * segment(name, options): a raw named mapping as a cold observable. Across two real processes (this one creates and
 * writes, test/fixtures/segment-peer.ts opens, checks and writes back) under the watchdog; typed errors for bad
 * arguments (thrown at the call) and OS failures (errored subscriptions); nothing left in /dev/shm, no shared mapping
 * left in /proc/self/maps, and a handle kept after unsubscribe reads zeros instead of crashing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, type Observable } from 'rxjs';
import { createFakeNative } from '../../src/native/fake.js';
import {
  CreateSegmentError,
  OpenSegmentError,
  SegmentArgumentError,
  segment,
  type SharedSegment,
} from '../../src/index.js';
import { expectError } from '../helpers/assertions.js';
import { nativeName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('streams: segment()');
const FIXTURE = 'test/fixtures/segment-peer.ts';
const SIZE = 64 * 1024;

/** Lines of /proc/self/maps that map the shm object `name`. */
const mappings = (name: string): string[] =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.includes(`/dev/shm/${name}`));

/** Subscribes and returns the emitted handle with the subscription. */
async function open(source: Observable<SharedSegment>) {
  let handle: SharedSegment | undefined;
  let failure: unknown;
  const subscription = source.subscribe({ next: (h) => (handle = h), error: (e) => (failure = e) });
  await Promise.resolve();
  if (failure !== undefined) throw failure;
  return { handle: handle!, subscription };
}

test('one process creates and writes, another opens, reads and writes back; unsubscribing leaves nothing', () =>
  watched(30_000, async (watch) => {
    const name = nativeName('seg');
    const { handle, subscription } = await open(segment(name, { size: SIZE }));
    watch.defer(() => subscription.unsubscribe());
    assert.equal([handle.name, handle.size, handle.created, handle.closed], [name, SIZE, true, false]);
    assert.is(handle.bytes.byteLength, SIZE);
    assert.ok(existsSync(`/dev/shm/${name}`));
    let sum = 0;
    for (let i = 0; i < SIZE / 2; i++) {
      handle.bytes[i] = (i * 13 + 1) & 0xff;
      sum = (sum * 31 + handle.bytes[i]!) >>> 0;
    }

    const reader = watch.child([FIXTURE, 'read', name], { stdin: true });
    assert.equal(await reader.next('opened'), { ev: 'opened', size: SIZE, created: false, sum });
    for (let i = SIZE / 2; i < SIZE; i++) assert.is(handle.bytes[i], (i * 7 + 3) & 0xff, `byte ${i}`);
    reader.send('quit');
    await reader.next('closed');
    assert.equal((await reader.exited).code, 0, 'the reader exits by itself after unsubscribing');
    assert.ok(existsSync(`/dev/shm/${name}`), "an opener's unsubscribe does not remove the name");

    assert.is(mappings(name).length, 1);
    subscription.unsubscribe();
    assert.not.ok(existsSync(`/dev/shm/${name}`), 'the creator removed the name');
    assert.equal(mappings(name), [], 'the shared mapping is gone');
    assert.ok(handle.closed);
    assert.is(handle.bytes[0], 0, 'a kept view reads zeros, it does not crash');
    handle.bytes[0] = 9; // and a write goes nowhere shared
    const late = await firstValueFrom(segment(name)).catch((e: unknown) => e);
    assert.instance(late, OpenSegmentError);
    assert.is((late as OpenSegmentError).code, 'NotFound');
  }));

test('OS failures error the subscription with typed errors: NotFound, AlreadyExists', async () => {
  const name = nativeName('seg');
  const missing = await firstValueFrom(segment(name)).catch((e: unknown) => e);
  assert.instance(missing, OpenSegmentError);
  assert.is((missing as OpenSegmentError).code, 'NotFound');
  const { subscription } = await open(segment(name, { size: 4096 }));
  try {
    const taken = await firstValueFrom(segment(name, { size: 4096 })).catch((e: unknown) => e);
    assert.instance(taken, CreateSegmentError);
    assert.is((taken as CreateSegmentError).code, 'AlreadyExists');
  } finally {
    subscription.unsubscribe();
  }
  assert.not.ok(existsSync(`/dev/shm/${name}`));
});

test('bad arguments throw at the call, before anything is created', () => {
  const name = nativeName('seg');
  expectError(() => segment('a/b', { size: 4096 }), CreateSegmentError, 'InvalidName');
  expectError(() => segment('', {}), OpenSegmentError, 'InvalidName');
  expectError(() => segment('x'.repeat(300)), OpenSegmentError, 'NameTooLong');
  expectError(() => segment(name, { size: 0 }), CreateSegmentError, 'InvalidSize');
  expectError(() => segment(name, { size: 1.5 }), CreateSegmentError, 'InvalidSize');
  expectError(() => segment(name, { size: 2 ** 32 + 1 }), CreateSegmentError, 'TooLarge');
  expectError(() => segment(name, { mode: 0o644 }), SegmentArgumentError, 'InvalidOption');
  expectError(() => segment(name, { size: 4096, mode: 0o1000 }), SegmentArgumentError, 'InvalidOption');
  expectError(() => segment(name, { size: 4096, sized: 1 } as never), SegmentArgumentError, 'InvalidOption');
  expectError(() => segment(name, null as never), SegmentArgumentError, 'InvalidOption');
  assert.not.ok(existsSync(`/dev/shm/${name}`));
});

test('mode sets the permission bits of a created segment', async () => {
  const name = nativeName('seg');
  const { subscription } = await open(segment(name, { size: 4096, mode: 0o640 }));
  try {
    const { statSync } = await import('node:fs');
    assert.is(statSync(`/dev/shm/${name}`).mode & 0o777, 0o640 & ~process.umask());
  } finally {
    subscription.unsubscribe();
  }
});

test('cold: nothing is mapped before subscribe; each subscription maps its own; take(1) still unmaps at once', async () => {
  const name = nativeName('seg');
  const source = segment(name, { size: 4096 });
  assert.not.ok(existsSync(`/dev/shm/${name}`), 'nothing before subscribe');
  const first = await firstValueFrom(source);
  assert.ok(first.closed, 'firstValueFrom unsubscribed: unmapped');
  assert.not.ok(existsSync(`/dev/shm/${name}`), 'and removed');
  const { handle, subscription } = await open(source);
  const opener = await open(segment(name));
  opener.handle.bytes[5] = 42;
  assert.is(handle.bytes[5], 42, 'two mappings of one name share memory');
  opener.subscription.unsubscribe();
  subscription.unsubscribe();
  assert.not.ok(existsSync(`/dev/shm/${name}`));
});

test('works over the fake backend too (options.native)', async () => {
  const native = createFakeNative();
  const { handle, subscription } = await open(segment('fake-seg', { size: 4096, native }));
  const opener = await open(segment('fake-seg', { native }));
  handle.bytes[1] = 7;
  assert.is(opener.handle.bytes[1], 7);
  opener.subscription.unsubscribe();
  subscription.unsubscribe();
  expectError(() => native.segments.open('fake-seg'), OpenSegmentError, 'NotFound');
});

test.run();
