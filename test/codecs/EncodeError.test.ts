import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EncodeError } from '../../src/codecs/EncodeError.js';

test('invalid value', () => {
  const error = new EncodeError('u8', 300);
  assert.instance(error, Error);
  assert.is(error.code, 'EncodeError');
  assert.is(error.name, 'EncodeError');
  assert.is(error.value, 300);
  assert.is(error.message, 'Unable to encode u8: value 300 is not a valid u8');
  assert.is(new EncodeError('u64', -1n).message, 'Unable to encode u64: value -1n is not a valid u64');
  assert.is(new EncodeError('s', 'x'.repeat(50)).message, `Unable to encode s: value "${'x'.repeat(40)}…" is not a valid s`);
  assert.is(new EncodeError('p', { a: 1 }).message, 'Unable to encode p: value Object is not a valid p');
});

test('thrown while encoding: cause kept', () => {
  const cause = new TypeError('Do not know how to serialize a BigInt');
  const error = new EncodeError('json(unknown)', 1n, cause);
  assert.is(error.cause, cause);
  assert.is(error.message, 'Unable to encode json(unknown): Do not know how to serialize a BigInt');
});

test.run();
