import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import { catchError, from, lastValueFrom, map, Subject, throwError, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { encode } from '../../src/streams/operators/encode.js';
import { decode } from '../../src/streams/operators/decode.js';
import { EncodeError, f64, fixedUtf8, json, struct, u32, u8 } from '../../src/codecs/index.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));
const facts = catchError((e: unknown) =>
  throwError(() => (e instanceof EncodeError ? { code: e.code, message: e.message } : e)),
);

test('encodes each value; round trip through decode', async () => {
  const Tick = struct({ seq: u32, price: f64, symbol: fixedUtf8(8) });
  const ticks = [
    { seq: 1, price: 1.5, symbol: 'EURUSD' },
    { seq: 2, price: -0, symbol: '' },
  ];
  const out = await lastValueFrom(from(ticks).pipe(encode(Tick), decode(Tick), toArray()));
  assert.equal(out, ticks);
});

test('an invalid value errors the stream with an EncodeError at that value and unsubscribes the source', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b-c|', { a: 1, b: 300, c: 2 });
    expectObservable(
      source.pipe(
        encode(u8),
        map((b) => b[0]),
        facts,
      ),
    ).toBe(
      '-x-#',
      { x: 1 },
      {
        code: 'EncodeError',
        message: 'Unable to encode u8: value 300 is not a valid u8',
      },
    );
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('a codec that throws while encoding errors with an EncodeError carrying the cause', () => {
  const errors: EncodeError[] = [];
  from([1n])
    .pipe(encode(json(t.unknown)))
    .subscribe({ error: (e) => errors.push(e) });
  assert.instance(errors[0], EncodeError);
  assert.instance(errors[0]!.cause, TypeError);
  assert.is(errors[0]!.value, 1n);
  assert.match(errors[0]!.message, /^Unable to encode json\(unknown\): /);
});

test('source errors and completion pass through', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(
      cold('-a-#', { a: 7 }, 'boom').pipe(
        encode(u8),
        map((b) => b[0]),
      ),
    ).toBe('-x-#', { x: 7 }, 'boom');
    expectObservable(cold<number>('--|').pipe(encode(u8))).toBe('--|');
  });
});

test('unsubscribing reaches the source', () => {
  const subject = new Subject<number>();
  const subscription = subject.pipe(encode(u8)).subscribe();
  subscription.unsubscribe();
  assert.is(subject.observed, false);
});

test.run();
