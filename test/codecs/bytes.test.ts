import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes } from '../../src/codecs/bytes.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

test('zero-copy both ways', () => {
  const input = offsetView(u8a(1, 2, 3));
  assert.is(right(bytes.decode(input)), input);
  assert.is(bytes.encode(input), input);
  assert.is(right(bytes.decode(new Uint8Array(0))).length, 0);
});

test('is and failures', () => {
  assert.ok(bytes.is(new Uint8Array(1)));
  assert.not.ok(bytes.is([1]) || bytes.is(new ArrayBuffer(1)));
  assert.equal(leftLines(bytes.decode([1] as never)), ['<root>: expected a Uint8Array, got Array']);
});

test.run();
