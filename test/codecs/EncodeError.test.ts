import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import { EncodeError } from '../../src/codecs/EncodeError.js';
import { array, f64, fixedUtf8, json, optional, struct, u32, u64, u8, utf8 } from '../../src/codecs/index.js';

const Tick = struct({ seq: u32, price: f64, symbol: fixedUtf8(8) }, 'Tick');
const Book = struct({ seq: u32, pos: struct({ x: f64, y: f64 }), bids: array(f64, 5), limit: optional(u8) }, 'Book');
const tick = { seq: 1, price: 1.5, symbol: 'EURUSD' };
const book = { seq: 1, pos: { x: 0, y: 0 }, bids: [1, 2, 3, 4, 5] };
const message = (codec: ConstructorParameters<typeof EncodeError>[0], value: unknown): string =>
  new EncodeError(codec, value).message;

test('invalid value, codec by name: the value as a whole', () => {
  const error = new EncodeError('u8', 300);
  assert.instance(error, Error);
  assert.is(error.code, 'EncodeError');
  assert.is(error.name, 'EncodeError');
  assert.is(error.codec, 'u8');
  assert.is(error.value, 300);
  assert.is(error.path, '');
  assert.is(error.found, 300);
  assert.is(error.expected, 'u8');
  assert.is(error.message, 'Unable to encode u8: value 300 is not a valid u8');
  assert.is(new EncodeError('u64', -1n).message, 'Unable to encode u64: value -1n is not a valid u64');
  assert.is(
    new EncodeError('s', 'x'.repeat(50)).message,
    `Unable to encode s: value "${'x'.repeat(40)}…" is not a valid s`,
  );
  assert.is(new EncodeError('p', { a: 1 }).message, 'Unable to encode p: value Object is not a valid p');
});

test('a leaf codec: the value as a whole', () => {
  assert.is(message(u8, 300), 'Unable to encode u8: value 300 is not a valid u8');
  assert.is(message(u64, -1n), 'Unable to encode u64: value -1n is not a valid u64');
  assert.is(message(utf8, 5), 'Unable to encode utf8: value 5 is not a valid utf8');
});

test('struct: the first failing field by path, with its value and codec', () => {
  const error = new EncodeError(Tick, { ...tick, seq: -1 });
  assert.is(error.message, 'Unable to encode Tick: seq: value -1 is not a valid u32');
  assert.equal([error.codec, error.path, error.found, error.expected], ['Tick', 'seq', -1, 'u32']);
  assert.equal(error.value, { ...tick, seq: -1 });
  assert.is(
    message(Tick, { ...tick, symbol: 'a symbol too long' }),
    'Unable to encode Tick: symbol: value "a symbol too long" is not a valid fixedUtf8(8)',
  );
  assert.is(message(Tick, { price: 'x' }), 'Unable to encode Tick: seq: value undefined is not a valid u32');
  assert.is(message(Tick, null), 'Unable to encode Tick: value null is not a valid Tick');
  assert.is(message(Tick, [1, 2]), 'Unable to encode Tick: seq: value undefined is not a valid u32'); // any object has fields to check
});

test('nested structs, arrays and optional fields', () => {
  assert.is(
    message(Book, { ...book, pos: { x: 0, y: 'up' } }),
    'Unable to encode Book: pos.y: value "up" is not a valid f64',
  );
  assert.is(
    message(Book, { ...book, pos: undefined }),
    'Unable to encode Book: pos: value undefined is not a valid { x: f64, y: f64 }',
  );
  assert.is(
    message(Book, { ...book, bids: [1, 2, 'three', 4, 5] }),
    'Unable to encode Book: bids[2]: value "three" is not a valid f64',
  );
  assert.is(
    message(Book, { ...book, bids: [1, 2] }),
    'Unable to encode Book: bids: value array(2) is not a valid f64[5]',
  );
  assert.is(message(Book, { ...book, limit: 256 }), 'Unable to encode Book: limit: value 256 is not a valid u8');
  const Deep = struct({ rows: array(struct({ id: u32 }), 2) }, 'Deep');
  assert.is(
    message(Deep, { rows: [{ id: 1 }, { id: -2 }] }),
    'Unable to encode Deep: rows[1].id: value -2 is not a valid u32',
  );
});

test('json(io-ts type): the path of the first io-ts error', () => {
  const Order = json(t.type({ id: t.string, price: t.number, lines: t.array(t.type({ sku: t.string })) }), 'Order');
  assert.is(
    message(Order, { id: 'a', price: '12', lines: [] }),
    'Unable to encode Order: price: value "12" is not a valid number',
  );
  assert.is(
    message(Order, { id: 'a', price: 1, lines: [{ sku: 'x' }, { sku: 7 }] }),
    'Unable to encode Order: lines[1].sku: value 7 is not a valid string',
  );
  assert.is(
    message(Order, 'order'),
    'Unable to encode Order: value "order" is not a valid { id: string, price: number, lines: Array<{ sku: string }> }',
  );
  const Either = json(t.type({ v: t.union([t.string, t.number]) }), 'Either');
  assert.is(message(Either, { v: true }), 'Unable to encode Either: v: value true is not a valid (string | number)');
  const Both = json(t.intersection([t.type({ a: t.string }), t.type({ b: t.number })]), 'Both');
  assert.is(message(Both, { a: 'x', b: 'y' }), 'Unable to encode Both: b: value "y" is not a valid number');
  const Pair = json(t.tuple([t.string, t.number]), 'Pair');
  assert.is(message(Pair, ['a', 'b']), 'Unable to encode Pair: [1]: value "b" is not a valid number');
});

test('a valid value (no failing part) and hostile values never make the constructor throw', () => {
  assert.is(message(Tick, tick), 'Unable to encode Tick: value Object is not a valid Tick');
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error('trap');
      },
    },
  );
  assert.is(message(Tick, hostile), 'Unable to encode Tick: value object is not a valid Tick');
  assert.is(
    message('f', () => 1),
    'Unable to encode f: value a function is not a valid f',
  );
  assert.is(message('n', Object.create(null)), 'Unable to encode n: value object is not a valid n');
});

test('thrown while encoding: cause kept, no path', () => {
  const cause = new TypeError('Do not know how to serialize a BigInt');
  const error = new EncodeError('json(unknown)', 1n, cause);
  assert.is(error.cause, cause);
  assert.is(error.message, 'Unable to encode json(unknown): Do not know how to serialize a BigInt');
  assert.is(new EncodeError(json(t.unknown), 1n, cause).path, '');
});

test.run();
