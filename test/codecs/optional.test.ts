import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { optional } from '../../src/codecs/optional.js';
import { bool, u32 } from '../../src/codecs/fields.js';
import { leftLines, right } from '../helpers/assertions.js';
import { u8a } from '../helpers/bytes.js';

const maybe = optional(u32);

test('present and absent round trip, fixed size, zeroed when absent', () => {
  assert.is(maybe.size, 5);
  assert.equal(Array.from(maybe.encode(7)), [1, 7, 0, 0, 0]);
  assert.equal(Array.from(maybe.encode(undefined)), [0, 0, 0, 0, 0]);
  assert.is(right(maybe.decode(maybe.encode(0xffffffff))), 0xffffffff);
  assert.is(right(maybe.decode(maybe.encode(undefined))), undefined);
});

test('is', () => {
  assert.ok(maybe.is(undefined) && maybe.is(1));
  assert.not.ok(maybe.is(null) || maybe.is(-1));
});

test('decode failures: presence byte, inner field', () => {
  assert.equal(leftLines(maybe.decode(u8a(2, 0, 0, 0, 0))), [
    '<root>: expected a presence byte (0 or 1) at offset 0, got 0x02',
  ]);
  assert.equal(leftLines(optional(bool).decode(u8a(1, 5))), [
    '<root>: expected a bool byte (0 or 1), got 0x05 at offset 1',
  ]);
  assert.equal(right(optional(bool).decode(u8a(0, 5))), undefined);
});

test.run();
