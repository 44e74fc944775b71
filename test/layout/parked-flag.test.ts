/**
 * ParkedFlag: the park/unpark/take protocol of PRODUCER_PARKED and CONSUMER_PARKED (docs/LAYOUT.md 4.6) on one word,
 * shared by RingReader and RingWriter.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ParkedFlag } from '../../src/layout/parked-flag.js';

const test = suite('ParkedFlag');

/** Four words, the flag on word 1: its neighbours show whether it writes only its own word. */
function flagAt1(): { words: Int32Array; flag: ParkedFlag } {
  const words = new Int32Array(new SharedArrayBuffer(16));
  words.fill(-1);
  words[1] = 0;
  return { words, flag: new ParkedFlag(words, 1) };
}

test('park stores 1 and unpark 0, in its own word only', () => {
  const { words, flag } = flagAt1();
  flag.park();
  assert.equal(Array.from(words), [-1, 1, -1, -1]);
  flag.unpark();
  assert.equal(Array.from(words), [-1, 0, -1, -1]);
});

test('take wins once per park (1 -> 0), and never without a park', () => {
  const { words, flag } = flagAt1();
  assert.is(flag.take(), false, 'nobody parked');
  flag.park();
  const other = new ParkedFlag(words, 1); // a second view, e.g. in the other process
  assert.equal([flag.take(), other.take()], [true, false], 'exactly one winner, so one bell');
  assert.is(words[1], 0);
  flag.park();
  flag.unpark();
  assert.is(flag.take(), false, 'an unparked side is not rung');
});

test('a forged value other than 1 is neither taken nor changed: no bell, no throw (parking is bounded anyway)', () => {
  const { words, flag } = flagAt1();
  words[1] = 7;
  assert.is(flag.take(), false);
  assert.is(words[1], 7);
});

test.run();
