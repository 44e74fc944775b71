import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import { catchError, from, lastValueFrom, Subject, throwError, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { decode, DEFAULT_DECODE_OPTIONS } from '../../src/streams/operators/decode.js';
import { DecodeError, json, u8 } from '../../src/codecs/index.js';

const Price = json(t.type({ price: t.number }), 'Price');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const scheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));

test('decodes every message in order', async () => {
  const out = await lastValueFrom(from([enc('{"price":1}'), enc('{"price":2}')]).pipe(decode(Price), toArray()));
  assert.equal(out, [{ price: 1 }, { price: 2 }]);
});

/** Errors as comparable facts, so marbles can state which error arrives when. */
const facts = catchError((e: unknown) =>
  throwError(() => (e instanceof DecodeError ? { code: e.code, paths: e.paths } : e)),
);

test("onError 'error' (default): errors with a DecodeError at the bad message and unsubscribes the source", () => {
  assert.is(DEFAULT_DECODE_OPTIONS.onError, 'error');
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b-c|', { a: Uint8Array.of(1), b: Uint8Array.of(), c: Uint8Array.of(3) });
    expectObservable(source.pipe(decode(u8), facts)).toBe(
      '-x-#',
      { x: 1 },
      { code: 'DecodeError', paths: ['<root>: expected 1 bytes for u8, got 0'] },
    );
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('the DecodeError carries the paths of the failure', () => {
  const errors: unknown[] = [];
  from([enc('{"price":"x"}')])
    .pipe(decode(Price))
    .subscribe({ error: (e) => errors.push(e) });
  const [error] = errors as DecodeError[];
  assert.instance(error, DecodeError);
  assert.is(error!.code, 'DecodeError');
  assert.equal(error!.paths, ['Invalid value "x" supplied to : Price/price: number']);
});

test("onError 'skip': drops bad messages, reports them, keeps going, completes", () => {
  const reported: string[][] = [];
  scheduler().run(({ cold, expectObservable, flush }) => {
    const source = cold('-a-b-c|', { a: Uint8Array.of(1), b: Uint8Array.of(1, 2), c: Uint8Array.of(3) });
    expectObservable(source.pipe(decode(u8, { onError: 'skip', report: (e) => reported.push(e.paths) }))).toBe(
      '-x---y|',
      { x: 1, y: 3 },
    );
    flush();
  });
  assert.equal(reported, [['<root>: expected 1 bytes for u8, got 2']]);
});

test("onError 'skip' without report just drops", () => {
  const out: number[] = [];
  from([Uint8Array.of(), Uint8Array.of(9)])
    .pipe(decode(u8, { onError: 'skip' }))
    .subscribe((v) => out.push(v));
  assert.equal(out, [9]);
});

test('source errors and completion pass through; a throwing codec or report errors the stream', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-#', { a: Uint8Array.of(5) }, 'boom').pipe(decode(u8))).toBe('-x-#', { x: 5 }, 'boom');
  });
  const thrower = {
    ...u8,
    name: 'thrower',
    decode: () => {
      throw new Error('codec bug');
    },
  } as unknown as typeof u8;
  const seen: unknown[] = [];
  from([Uint8Array.of(1)])
    .pipe(decode(thrower))
    .subscribe({ error: (e) => seen.push((e as Error).message) });
  from([Uint8Array.of()])
    .pipe(
      decode(u8, {
        onError: 'skip',
        report: () => {
          throw new Error('report bug');
        },
      }),
    )
    .subscribe({
      error: (e) => seen.push((e as Error).message),
    });
  assert.equal(seen, ['codec bug', 'report bug']);
});

test('unsubscribing stops decoding (teardown reaches the source)', () => {
  const subject = new Subject<Uint8Array>();
  const out: number[] = [];
  const subscription = subject.pipe(decode(u8)).subscribe((v) => out.push(v));
  subject.next(Uint8Array.of(1));
  subscription.unsubscribe();
  assert.is(subject.observed, false);
  subject.next(Uint8Array.of(2));
  assert.equal(out, [1]);
});

test('bad configuration throws at creation', () => {
  assert.throws(
    () => decode(u8, { onError: 'ignore' as never }),
    /decode: invalid option onError=ignore, expected 'error' or 'skip'/,
  );
  assert.throws(() => decode(u8, { report: 1 as never }), /decode: invalid option report=1/);
});

test.run();
