/**
 * The native additions behind wakeups(): `futex.waitAny` (Linux futex_waitv: one call sleeping on many words) and
 * `Segment.retire()` (the shared pages released, a kept view harmless). Cross-process wake-ups through waitAny are
 * tested with a C program and a Node child in test/streams/native-wakeups.test.ts.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_FUTEX_WAITV_WORDS, SegmentClosedError, native } from '../../src/native/index.js';
import { nativeName } from '../helpers/names.js';

const test = suite('native: futex waitAny and retire (linux)');

test('waitAny: woken by a wake on any word, not-equal, timeout; bad input rejects', async () => {
  const seg = native.segments.createAnonymous(4096);
  try {
    const futex = native.futex!;
    const words = new Int32Array(seg.buffer);
    const waiting = futex.waitAny!(
      [0, 8, 16].map((byteOffset) => ({ segment: seg, byteOffset, expected: 0 })),
      5000,
    );
    // Wake until the sleeper is counted: the call may not be in the kernel yet when the first wake runs.
    let woken = 0;
    for (let i = 0; woken === 0 && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 2));
      woken = futex.wake(seg, 16, 1);
    }
    assert.is(woken, 1, 'one sleeper on word 16');
    assert.is(await waiting, 'woken');
    Atomics.store(words, 2, 5);
    assert.is(await futex.waitAny!([{ segment: seg, byteOffset: 8, expected: 0 }], 1000), 'not-equal');
    assert.is(await futex.waitAny!([{ segment: seg, byteOffset: 0, expected: 0 }], 20), 'timeout');
    const tooMany = Array.from({ length: MAX_FUTEX_WAITV_WORDS + 1 }, (_, i) => ({
      segment: seg,
      byteOffset: i * 4,
      expected: 0,
    }));
    await futex.waitAny!(tooMany, 10).then(
      () => assert.unreachable('129 words'),
      (e: unknown) => assert.instance(e, RangeError),
    );
    await futex.waitAny!([{ segment: seg, byteOffset: 2, expected: 0 }], 10).then(
      () => assert.unreachable('misaligned'),
      (e: unknown) => assert.instance(e, RangeError),
    );
  } finally {
    seg.close();
  }
});

test('retire: the shm mapping is gone from /proc/self/maps, a kept view reads zeros, buffer throws', () => {
  const name = nativeName('retire');
  const seg = native.segments.create(name, 8192);
  const view = new Uint8Array(seg.buffer);
  view[100] = 42;
  const mapped = (): number =>
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .filter((l) => l.includes(name)).length;
  assert.is(mapped(), 1);
  seg.retire();
  native.segments.unlink(name);
  assert.is(mapped(), 0);
  assert.ok(seg.closed);
  assert.is(view[100], 0);
  view[100] = 1; // private page: no fault, nothing shared
  assert.throws(
    () => seg.buffer,
    (e: unknown) => e instanceof SegmentClosedError,
  );
  seg.retire();
  seg.close(); // idempotent, in any order
});

test.run();
