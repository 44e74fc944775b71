import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import { json } from '../../src/codecs/json.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const Order = t.type({ id: t.string, price: t.number, lines: t.array(t.type({ sku: t.string })) }, 'Order');
const OrderJson = json(Order);
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

test('round trip, name, inner type exposed', () => {
  const order = { id: 'ä€😀', price: -0.5, lines: [{ sku: 'x' }] };
  assert.is(OrderJson.name, 'json(Order)');
  assert.is(OrderJson.type, Order);
  assert.ok(OrderJson.is(order));
  assert.equal(right(OrderJson.decode(offsetView(OrderJson.encode(order)))), order);
});

test('encode runs the inner encode (e.g. a Date codec) before stringify', () => {
  const DateFromNumber = new t.Type<Date, number, unknown>(
    'DateFromNumber',
    (u): u is Date => u instanceof Date,
    (u, c) => (typeof u === 'number' ? t.success(new Date(u)) : t.failure(u, c)),
    (d) => d.getTime(),
  );
  const codec = json(t.type({ at: DateFromNumber }));
  assert.is(new TextDecoder().decode(codec.encode({ at: new Date(5) })), '{"at":5}');
  assert.is(right(codec.decode(bytesOf('{"at":7}'))).at.getTime(), 7);
});

test('type mismatch: io-ts paths', () => {
  assert.equal(leftLines(OrderJson.decode(bytesOf('{"id":"a","price":"12","lines":[]}'))), [
    'Invalid value "12" supplied to : json(Order)/price: number',
  ]);
  assert.equal(leftLines(OrderJson.decode(bytesOf('{"id":"a","price":1,"lines":[{"sku":1}]}'))), [
    'Invalid value 1 supplied to : json(Order)/lines: Array<{ sku: string }>/0: { sku: string }/sku: string',
  ]);
});

test('invalid JSON and invalid UTF-8', () => {
  const [line] = leftLines(OrderJson.decode(bytesOf('{"id":')));
  assert.match(line!, /^<root>: invalid JSON: /);
  assert.equal(leftLines(OrderJson.decode(u8a(0x7b, 0x22, 0xc3, 0x28))), ['<root>: invalid UTF-8 at byte 2']);
  assert.match(leftLines(OrderJson.decode(new Uint8Array(0)))[0]!, /^<root>: invalid JSON: /);
});

test('values without a JSON representation throw in encode', () => {
  assert.throws(() => json(t.unknown).encode(1n), TypeError);
  assert.throws(() => json(t.unknown).encode(undefined), /json\(unknown\): value has no JSON representation/);
});

test.run();
