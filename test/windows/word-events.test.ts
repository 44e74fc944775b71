/**
 * The Windows backend's word events (`native.wordEvents`, run by `npm run test:windows` under Wine; not registered
 * elsewhere), at the native contract: a change before the wait is `not-equal` even with no SetEvent; the control
 * event ends a pending wait; `close()` during a wait lets it return first and then closes the events; bad words are
 * refused before any wait.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createWin32Native,
  MAX_WORD_EVENTS,
  SegmentClosedError,
  native,
  type Segment,
} from '../../src/native/index.js';
import { nativeName } from '../helpers/names.js';

const test = suite('win32: word events (native contract)');
const events = () => native.wordEvents!;

/** A named 4 KiB segment for `body`, closed after it. */
async function withSegment(body: (segment: Segment, word: Int32Array) => Promise<void>): Promise<void> {
  const segment = native.segments.create(nativeName('words'), 4096);
  try {
    await body(segment, new Int32Array(segment.buffer));
  } finally {
    segment.close();
  }
}

test("event names: <namespace>\\rxshm/<segment>/<byteOffset>, in the backend's namespace", () => {
  assert.is(events().eventName('readings', 8), 'Local\\rxshm/readings/8');
  assert.is(createWin32Native('Global').wordEvents!.eventName('readings', 0), 'Global\\rxshm/readings/0');
  assert.throws(() => events().eventName('a/b', 0), /InvalidName|'\/'/);
  assert.throws(
    () => events().eventName('readings', 6),
    (e: unknown) => e instanceof RangeError,
  );
});

test('a word that moved on is not-equal at once; an unchanged one waits for its event or the bound', () =>
  withSegment(async (segment, word) => {
    const set = events().createWaitSet();
    try {
      Atomics.store(word, 1, 5);
      assert.is(await set.waitAny([{ segment, byteOffset: 4, expected: 4 }], 250), 'not-equal');
      assert.is(await set.waitAny([{ segment, byteOffset: 4, expected: 5 }], 20), 'timeout');
    } finally {
      set.close();
    }
  }));

test('interrupt() ends a pending wait; close() during a wait lets it return, then closes the events', () =>
  withSegment(async (segment) => {
    const set = events().createWaitSet();
    const words = [{ segment, byteOffset: 8, expected: 0 }];
    const pending = set.waitAny(words, 250);
    await new Promise((resolve) => setTimeout(resolve, 20));
    set.interrupt();
    assert.is(await pending, 'woken');
    assert.ok(events().signal(segment, 8), 'the event is open while the set watches it');
    const closing = set.waitAny(words, 250);
    set.close();
    assert.is(await closing, 'woken', 'close() ended the wait at once');
    assert.is(events().signal(segment, 8), false, 'and closed the event with it');
    await set.waitAny(words, 1).then(
      () => assert.unreachable('a closed set waits no more'),
      (error: Error) => assert.match(error.message, /closed/),
    );
  }));

test('bad words are refused before any wait: too many, anonymous, closed, unaligned; one wait at a time', async () => {
  const set = events().createWaitSet();
  const anonymous = native.segments.createAnonymous(4096);
  try {
    await withSegment(async (segment) => {
      const many = Array.from({ length: MAX_WORD_EVENTS + 1 }, (_, i) => ({ segment, byteOffset: i * 4, expected: 0 }));
      const refusal = (words: Parameters<typeof set.waitAny>[0]) =>
        set.waitAny(words, 1).then(
          () => null,
          (e) => e,
        );
      assert.instance(await refusal(many), RangeError);
      assert.instance(await refusal([{ segment: anonymous, byteOffset: 0, expected: 0 }]), RangeError);
      assert.instance(await refusal([{ segment, byteOffset: 2, expected: 0 }]), RangeError);
      const pending = set.waitAny([{ segment, byteOffset: 0, expected: 0 }], 50);
      assert.instance(await refusal([{ segment, byteOffset: 0, expected: 0 }]), RangeError);
      await pending;
      assert.throws(
        () => events().signal(anonymous, 0),
        (e: unknown) => e instanceof RangeError,
      );
    });
    const closed = native.segments.create(nativeName('words'), 4096);
    closed.close();
    const error = await set.waitAny([{ segment: closed, byteOffset: 0, expected: 0 }], 1).then(null, (e) => e);
    assert.instance(error, SegmentClosedError);
  } finally {
    set.close();
    anonymous.close();
  }
});

// Windows only: elsewhere the suite is not registered at all, so nothing passes without running.
if (process.platform === 'win32') test.run();
