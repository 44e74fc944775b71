import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array } from '../../src/codecs/array.js';
import { bool, u16 } from '../../src/codecs/fields.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const three = array(u16, 3);

test('round trip, size, name, layout', () => {
  assert.is(three.size, 6);
  assert.is(three.name, 'u16[3]');
  assert.is(three.element, u16);
  assert.is(three.length, 3);
  const bytes = three.encode([1, 0xffff, 0]);
  assert.equal(Array.from(bytes), [1, 0, 255, 255, 0, 0]);
  assert.equal(right(three.decode(offsetView(bytes))), [1, 0xffff, 0]);
});

test('is: length and element checks', () => {
  assert.not.ok(three.is([1, 2]) || three.is([1, 2, 3, 4]) || three.is([1, 2, -1]) || three.is('abc'));
});

test('decode failure names every bad index', () => {
  assert.equal(leftLines(array(bool, 3).decode(u8a(1, 2, 3))), [
    '[1]: expected a bool byte (0 or 1), got 0x02 at offset 1',
    '[2]: expected a bool byte (0 or 1), got 0x03 at offset 2',
  ]);
});

test.run();
