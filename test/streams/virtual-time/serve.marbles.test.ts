/**
 * serve() in virtual time over an in-process channel: `concurrency` (at most N handlers at once, waiting requests
 * start in arrival order in the frame a slot frees), Cancel of a waiting or a running request, serve's own
 * teardown, and the frame in which each Error frame is answered. Each request's payload picks its handler, a cold
 * observable whose subscription marbles show exactly when it ran.
 * 1 frame = 1 ms; a frame sent at t is handled at t (see test/helpers/in-process-channel.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Observable } from 'rxjs';
import { RemoteError, RequestTimeoutError, serve, Status, StatusError, type Served } from '../../../src/index.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { SettlingScheduler } from '../../helpers/settling-scheduler.js';

const test = suite('serve (virtual time)');

const METHOD = 3;
const payload = (n: number): Uint8Array => new Uint8Array([n]);
const ok = (correlation: number): Served => ({ method: METHOD, correlation, status: Status.Ok });
const cancelled = (correlation: number): Served => ({ method: METHOD, correlation, status: Status.Cancelled });
/** A handler per request: the request's payload byte is its index. */
const byPayload = (handlers: Observable<Uint8Array>[]) => (bytes: Uint8Array) => handlers[bytes[0]!]!;

test('{ concurrency: 2 }: two handlers at once; a waiting request starts in the frame a slot frees', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const answers = { a: payload(10), b: payload(11), c: payload(12), d: payload(13) };
      const handlers = [
        cold('30ms (a|)', answers),
        cold('10ms (b|)', answers),
        cold('20ms (c|)', answers),
        cold('10ms (d|)', answers),
      ];
      const records = { a: ok(1), b: ok(2), c: ok(3), d: ok(4) };
      const served = serve(server, byPayload(handlers), { concurrency: 2 });
      expectObservable(served, '^ 99ms !').toBe('10ms b 19ms (ac) 6ms d', records);
      // Four requests in frame 0, correlation ids 1 to 4.
      const call = (n: number) => client.request(payload(n), { method: METHOD, timeout: 100, scheduler });
      expectObservable(call(0)).toBe('30ms (a|)', answers);
      expectObservable(call(1)).toBe('10ms (b|)', answers);
      expectObservable(call(2)).toBe('30ms (c|)', answers);
      expectObservable(call(3)).toBe('40ms (d|)', answers);
      expectSubscriptions(handlers[0]!.subscriptions).toBe('^ 29ms !');
      expectSubscriptions(handlers[1]!.subscriptions).toBe('^ 9ms !');
      // Waits for the first free slot (frame 10), then the last waits until frame 30.
      expectSubscriptions(handlers[2]!.subscriptions).toBe('10ms ^ 19ms !');
      expectSubscriptions(handlers[3]!.subscriptions).toBe('30ms ^ 9ms !');
    });
    assert.is(client.requests.size, 0);
  }));

test('{ concurrency: 1 }: requests run one after another, in the order they arrived', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handlers = [cold<Uint8Array>('5ms |'), cold<Uint8Array>('5ms |'), cold<Uint8Array>('5ms |')];
      expectObservable(serve(server, byPayload(handlers), { concurrency: 1 }), '^ 99ms !').toBe('5ms a 4ms b 4ms c', {
        a: ok(1),
        b: ok(2),
        c: ok(3),
      });
      for (const n of [0, 1, 2])
        expectObservable(client.request(payload(n), { method: METHOD, scheduler })).toBe(`${5 * (n + 1)}ms (e|)`, {
          e: new Uint8Array(0),
        });
      expectSubscriptions(handlers[0]!.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(handlers[1]!.subscriptions).toBe('5ms ^ 4ms !');
      expectSubscriptions(handlers[2]!.subscriptions).toBe('10ms ^ 4ms !');
    });
  }));

test('a request cancelled while it waits for a slot never starts; serve reports it Cancelled in that frame', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const answers = { a: payload(10), c: payload(12) };
      const handlers = [cold('30ms (a|)', answers), cold('1ms (a|)', answers), cold('10ms (c|)', answers)];
      expectObservable(serve(server, byPayload(handlers), { concurrency: 1 }), '^ 99ms !').toBe('10ms x 19ms a 9ms c', {
        x: cancelled(2),
        a: ok(1),
        c: ok(3),
      });
      expectObservable(client.request(payload(0), { method: METHOD, scheduler })).toBe('30ms (a|)', answers);
      expectObservable(client.request(payload(1), { method: METHOD, scheduler }), '^ 9ms !').toBe('-');
      expectObservable(client.request(payload(2), { method: METHOD, scheduler })).toBe('40ms (c|)', answers);
      expectSubscriptions(handlers[0]!.subscriptions).toBe('^ 29ms !');
      expectSubscriptions(handlers[1]!.subscriptions).toBe([]);
      expectSubscriptions(handlers[2]!.subscriptions).toBe('30ms ^ 9ms !');
    });
  }));

test('cancelling a running handler frees its slot at once: the next request starts in that frame', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const answers = { b: payload(11) };
      const handlers = [cold<Uint8Array>('-'), cold('10ms (b|)', answers)];
      expectObservable(serve(server, byPayload(handlers), { concurrency: 1 }), '^ 99ms !').toBe('15ms x 9ms b', {
        x: cancelled(1),
        b: ok(2),
      });
      expectObservable(client.request(payload(0), { method: METHOD, timeout: 15, scheduler })).toBe(
        '15ms #',
        undefined,
        new RequestTimeoutError(1, METHOD, 15),
      );
      expectObservable(client.request(payload(1), { method: METHOD, scheduler })).toBe('25ms (b|)', answers);
      expectSubscriptions(handlers[0]!.subscriptions).toBe('^ 14ms !');
      expectSubscriptions(handlers[1]!.subscriptions).toBe('15ms ^ 9ms !');
    });
  }));

test('unsubscribing serve stops every running handler in that frame and answers all it held Unavailable; waiting requests never start', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handlers = [cold<Uint8Array>('-'), cold<Uint8Array>('-'), cold<Uint8Array>('-')];
      expectObservable(serve(server, byPayload(handlers), { concurrency: 2 }), '^ 19ms !').toBe('-');
      for (const n of [0, 1, 2])
        expectObservable(client.request(payload(n), { method: METHOD, scheduler }), '^ 29ms !').toBe(
          '20ms #',
          undefined,
          new RemoteError(Status.Unavailable, n + 1, METHOD, 'serve stopped'),
        );
      expectSubscriptions(handlers[0]!.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(handlers[1]!.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(handlers[2]!.subscriptions).toBe([]);
    });
    assert.is(client.requests.size, 0, 'all three were answered');
  }));

test('Error frames go out in the frame the handler fails: NoSuchMethod at once, HandlerError, StatusError later', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold<Uint8Array>('20ms #', undefined, new Error('boom'));
      const custom = cold<Uint8Array>('30ms #', undefined, new StatusError(300, 'custom'));
      expectObservable(serve(server, { 1: () => failing, 2: () => custom }), '^ 99ms !').toBe('n 19ms f 9ms c', {
        n: { method: 9, correlation: 1, status: Status.NoSuchMethod },
        f: { method: 1, correlation: 2, status: Status.HandlerError },
        c: { method: 2, correlation: 3, status: 300 },
      });
      const call = (method: number) => client.request(payload(0), { method, timeout: 100, scheduler });
      expectObservable(call(9)).toBe('#', undefined, new RemoteError(Status.NoSuchMethod, 1, 9, 'no such method: 9'));
      expectObservable(call(1)).toBe('20ms #', undefined, new RemoteError(Status.HandlerError, 2, 1, 'boom'));
      expectObservable(call(2)).toBe('30ms #', undefined, new RemoteError(300, 3, 2, 'custom'));
      expectSubscriptions(failing.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(custom.subscriptions).toBe('^ 29ms !');
    });
  }));

test.run();
