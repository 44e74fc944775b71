/**
 * segment(name, options) on Windows (run by `npm run test:windows` under Wine; not registered elsewhere): a section
 * `Local\<name>` created by this process and opened, checked and written back by another Windows process
 * (test/fixtures/segment-peer.ts) under the watchdog; the name lives while any process holds it and is gone after the
 * last handle; typed errors for a taken or missing name; `mode` refused unless it is the default 0o600.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, type Observable } from 'rxjs';
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

const test = suite('win32: segment() across processes');
const FIXTURE = 'test/fixtures/segment-peer.ts';
const SIZE = 64 * 1024;

/** Subscribes and returns the emitted handle with the subscription (segment() emits synchronously or errors). */
function open(source: Observable<SharedSegment>) {
  let handle: SharedSegment | undefined;
  let failure: unknown;
  const subscription = source.subscribe({ next: (h) => (handle = h), error: (e) => (failure = e) });
  if (failure !== undefined) throw failure;
  return { handle: handle!, subscription };
}

/** The code of the error a subscription to `source` ends with ('none' if it emits). */
const failureCode = (source: Observable<SharedSegment>): Promise<string> =>
  firstValueFrom(source).then(
    () => 'none',
    (e: unknown) => (e as { code: string }).code,
  );

test('a Windows child opens the section, sees the bytes and writes back; the name goes with the last handle', () =>
  watched(60_000, async (watch) => {
    const name = nativeName('seg');
    const { handle, subscription } = open(segment(name, { size: SIZE }));
    watch.defer(() => subscription.unsubscribe());
    assert.equal([handle.name, handle.size, handle.created, handle.closed], [name, SIZE, true, false]);
    let sum = 0;
    for (let i = 0; i < SIZE / 2; i++) {
      handle.bytes[i] = (i * 13 + 1) & 0xff;
      sum = (sum * 31 + handle.bytes[i]!) >>> 0;
    }

    const reader = watch.child([FIXTURE, 'read', name], { stdin: true });
    assert.equal(await reader.next('opened'), { ev: 'opened', size: SIZE, created: false, sum });
    for (let i = SIZE / 2; i < SIZE; i++) assert.is(handle.bytes[i], (i * 7 + 3) & 0xff, `byte ${i}`);

    subscription.unsubscribe(); // the creator ends first: the reader's handle keeps the name alive
    assert.ok(handle.closed);
    void handle.bytes[0]; // a kept view is still readable (Windows keeps it mapped until it is collected)
    const opener = open(segment(name));
    assert.is(opener.handle.bytes[SIZE - 1], ((SIZE - 1) * 7 + 3) & 0xff, 'still the same memory');
    opener.subscription.unsubscribe();

    reader.send('quit');
    await reader.next('closed');
    assert.equal((await reader.exited).code, 0, 'the reader exits by itself after unsubscribing');
    assert.is(await failureCode(segment(name)), 'NotFound', 'the name went with the last handle');
  }));

test('typed errors: AlreadyExists for a second creator in another process, NotFound for a missing name', () =>
  watched(60_000, async (watch) => {
    const name = nativeName('seg');
    assert.is(await failureCode(segment(name)), 'NotFound');
    const missing = await firstValueFrom(segment(name)).catch((e: unknown) => e);
    assert.instance(missing, OpenSegmentError);
    const { subscription } = open(segment(name, { size: 4096 }));
    watch.defer(() => subscription.unsubscribe());
    const reader = watch.child([FIXTURE, 'read', name], { stdin: true });
    await reader.next('opened');
    const taken = await firstValueFrom(segment(name, { size: 4096 })).catch((e: unknown) => e);
    assert.instance(taken, CreateSegmentError);
    assert.is((taken as CreateSegmentError).code, 'AlreadyExists');
    reader.send('quit');
    await reader.exited;
  }));

test('mode has no meaning on Windows: 0o600 (the default) is accepted, any other mode refused at the call', () => {
  const name = nativeName('seg');
  expectError(() => segment(name, { size: 4096, mode: 0o644 }), SegmentArgumentError, 'InvalidOption');
  expectError(() => segment(name, { size: 4096, mode: 0o400 }), SegmentArgumentError, 'InvalidOption');
  const { handle, subscription } = open(segment(name, { size: 4096, mode: 0o600 }));
  assert.is(handle.size, 4096);
  subscription.unsubscribe();
});

// Windows only: elsewhere the suite is not registered at all, so nothing passes without running.
if (process.platform === 'win32') test.run();
