import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixedBytes } from '../../src/codecs/fixedBytes.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const four = fixedBytes(4);

test('round trip; decode copies (does not alias the input)', () => {
  const input = offsetView(u8a(1, 2, 3, 4));
  const decoded = right(four.decode(input));
  assert.equal(Array.from(decoded), [1, 2, 3, 4]);
  assert.is.not(decoded.buffer, input.buffer);
  assert.equal(Array.from(four.encode(u8a(9, 8, 7, 6))), [9, 8, 7, 6]);
});

test('is and failures', () => {
  assert.ok(four.is(new Uint8Array(4)));
  assert.not.ok(four.is(new Uint8Array(3)) || four.is([1, 2, 3, 4]) || four.is(new Uint16Array(4)));
  assert.equal(leftLines(four.decode(u8a(1))), ['<root>: expected 4 bytes for fixedBytes(4), got 1']);
  assert.throws(() => fixedBytes(-1), /n=-1/);
});

test.run();
