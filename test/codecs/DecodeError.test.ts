import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import { DecodeError, decodeOrThrow, toDecodeError } from '../../src/codecs/DecodeError.js';
import { json } from '../../src/codecs/json.js';
import { u8 } from '../../src/codecs/fields.js';
import { u8a } from '../helpers/bytes.js';

const Price = json(t.type({ price: t.number }));

test('toDecodeError: errors, paths, message, code', () => {
  const result = Price.decode(new TextEncoder().encode('{"price":"x"}'));
  assert.is(result._tag, 'Left');
  const errors = (result as { left: t.Errors }).left;
  const error = toDecodeError(Price, errors);
  assert.instance(error, DecodeError);
  assert.instance(error, Error);
  assert.is(error.code, 'DecodeError');
  assert.is(error.name, 'DecodeError');
  assert.is(error.codec, 'json({ price: number })');
  assert.is(error.errors, errors);
  assert.equal(error.paths, ['Invalid value "x" supplied to : json({ price: number })/price: number']);
  assert.is(
    error.message,
    'Unable to decode json({ price: number }): Invalid value "x" supplied to : json({ price: number })/price: number',
  );
});

test('message counts further errors', () => {
  const Two = json(t.type({ a: t.number, b: t.number }), 'Two');
  const error = (() => {
    try {
      decodeOrThrow(Two, new TextEncoder().encode('{}'));
    } catch (e) {
      return e as DecodeError;
    }
    throw new Error('expected a throw');
  })();
  assert.is(error.paths.length, 2);
  assert.match(error.message, /^Unable to decode Two: .* \(and 1 more\)$/);
});

test('decodeOrThrow returns the value', () => {
  assert.is(decodeOrThrow(u8, u8a(7)), 7);
  assert.throws(
    () => decodeOrThrow(u8, u8a()),
    (e: unknown) =>
      e instanceof DecodeError && e.message === 'Unable to decode u8: <root>: expected 1 bytes for u8, got 0',
  );
});

test.run();
