/**
 * defineMethod / implement / call in virtual time over an in-process channel: a typed answer arrives in the frame
 * the implementation gives it, call's timeout fires at its deadline and stops the implementation, and each failure
 * (EncodeError before sending, BadRequest, an invalid answer, an undecodable response) comes in its own frame.
 * Implementations wait on cold observables, whose subscription marbles show when they ran.
 * 1 frame = 1 ms; a frame sent at t is handled at t (see test/helpers/in-process-channel.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { catchError, map, throwError, type Observable } from 'rxjs';
import {
  call,
  defineMethod,
  EncodeError,
  f64,
  implement,
  RequestTimeoutError,
  serve,
  Status,
  struct,
  u32,
  type Served,
} from '../../../src/index.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { SettlingScheduler } from '../../helpers/settling-scheduler.js';

const test = suite('methods (virtual time)');

const Add = defineMethod(10, struct({ a: f64, b: f64 }), struct({ sum: f64 }));
/** Answers with a `sum` its response codec (a u32) cannot hold. */
const Count = defineMethod(11, struct({ n: u32 }), struct({ sum: u32 }));

const record = (method: number, correlation: number, status: number): Served => ({ method, correlation, status });

/** Errors as the facts a marble compares: class, code, and for RemoteError the status. */
const facts = <T>(source: Observable<T>): Observable<T> =>
  source.pipe(
    catchError((e: Error & { code?: string; status?: number }) =>
      throwError(() => ({ name: e.name, code: e.code, ...(e.status === undefined ? {} : { status: e.status }) })),
    ),
  );

test('call answers in the frame the implementation does, decoded; the implementation is then torn down', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('20ms (x|)');
      const add = implement(Add, ({ a, b }) => work.pipe(map(() => ({ sum: a + b }))));
      expectObservable(serve(server, { [Add.id]: add }), '^ 99ms !').toBe('20ms o', {
        o: record(Add.id, 1, Status.Ok),
      });
      expectObservable(call(client, Add, { a: 1.5, b: 2 }, { timeout: 50, scheduler })).toBe('20ms (s|)', {
        s: { sum: 3.5 },
      });
      expectSubscriptions(work.subscriptions).toBe('^ 19ms !');
    });
    assert.is(client.requests.size, 0);
  }));

test("call times out at its deadline with the contract's method id; the implementation stops in that frame", () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('80ms (x|)');
      const add = implement(Add, ({ a, b }) => work.pipe(map(() => ({ sum: a + b }))));
      expectObservable(serve(server, { [Add.id]: add }), '^ 99ms !').toBe('50ms c', {
        c: record(Add.id, 1, Status.Cancelled),
      });
      const answer = call(client, Add, { a: 1, b: 2 }, { timeout: 50, scheduler });
      expectObservable(answer).toBe('50ms #', undefined, new RequestTimeoutError(1, Add.id, 50));
      expectSubscriptions(work.subscriptions).toBe('^ 49ms !');
    });
    assert.is(client.requests.size, 0);
    assert.is(client.stats.lateResponses, 0);
  }));

test('an invalid value errors with EncodeError in the subscribing frame; nothing is sent', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    const invalid = { a: 1, b: 'two' } as unknown as { a: number; b: number };
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('5ms (x|)');
      const add = implement(Add, () => work.pipe(map(() => ({ sum: 0 }))));
      expectObservable(serve(server, { [Add.id]: add }), '^ 99ms !').toBe('-');
      expectObservable(call(client, Add, invalid, { timeout: 50, scheduler }), '10ms ^').toBe(
        '10ms #',
        undefined,
        new EncodeError(Add.request, invalid),
      );
      expectSubscriptions(work.subscriptions).toBe([]);
    });
    assert.is(client.requests.size, 0);
  }));

test('a request that does not decode is answered Status.BadRequest in the frame it arrives', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('5ms (x|)');
      const add = implement(Add, () => work.pipe(map(() => ({ sum: 0 }))));
      expectObservable(serve(server, { [Add.id]: add }), '^ 99ms !').toBe('10ms b', {
        b: record(Add.id, 1, Status.BadRequest),
      });
      const short = client.request(new Uint8Array(3), { method: Add.id, timeout: 50, scheduler });
      expectObservable(facts(short), '10ms ^').toBe('10ms #', undefined, {
        name: 'RemoteError',
        code: 'Remote',
        status: Status.BadRequest,
      });
      expectSubscriptions(work.subscriptions).toBe([]);
    });
  }));

test('an implementation answering an invalid value: Status.HandlerError in the frame it answers', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('15ms (x|)');
      const count = implement(Count, () => work.pipe(map(() => ({ sum: -1 }))));
      expectObservable(serve(server, { [Count.id]: count }), '^ 99ms !').toBe('15ms h', {
        h: record(Count.id, 1, Status.HandlerError),
      });
      expectObservable(facts(call(client, Count, { n: 1 }, { timeout: 50, scheduler }))).toBe('15ms #', undefined, {
        name: 'RemoteError',
        code: 'Remote',
        status: Status.HandlerError,
      });
      expectSubscriptions(work.subscriptions).toBe('^ 14ms !');
    });
  }));

test('a response that does not decode errors call with DecodeError in the frame it arrives', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const short = cold('12ms (x|)', { x: new Uint8Array(3) }); // an Add response is 8 bytes
      expectObservable(serve(server, { [Add.id]: () => short }), '^ 99ms !').toBe('12ms o', {
        o: record(Add.id, 1, Status.Ok),
      });
      expectObservable(facts(call(client, Add, { a: 1, b: 2 }, { timeout: 50, scheduler }))).toBe('12ms #', undefined, {
        name: 'DecodeError',
        code: 'DecodeError',
      });
      expectSubscriptions(short.subscriptions).toBe('^ 11ms !');
    });
    assert.is(client.requests.size, 0);
  }));

test.run();
