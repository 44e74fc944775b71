/**
 * request() in virtual time over an in-process channel: the timeout fires at its deadline frame and not a frame
 * earlier, Infinity means no timer, unsubscribing sends Cancel at once, and a Response that arrives after its
 * request gave up is dropped and counted. The server side is a serve whose handlers are cold observables, so their
 * subscription marbles show when the server started and stopped each request (a Cancel unsubscribes it).
 * 1 frame = 1 ms; a frame sent at t is handled at t (see test/helpers/in-process-channel.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { map } from 'rxjs';
import { RequestTimeoutError, serve, Status, type Served } from '../../../src/index.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { SettlingScheduler } from '../../helpers/settling-scheduler.js';

const test = suite('request (virtual time)');

const METHOD = 7;
const payload = (n: number): Uint8Array => new Uint8Array([n]);
const record = (correlation: number, status: number): Served => ({ method: METHOD, correlation, status });

test('times out exactly at the deadline; its Cancel stops the handler in that frame and the id is freed', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold<Uint8Array>('-'); // never answers
      expectObservable(
        serve(server, () => handler),
        '^ 99ms !',
      ).toBe('50ms c', { c: record(1, Status.Cancelled) });
      const answer = client.request(payload(1), { method: METHOD, timeout: 50, scheduler });
      expectObservable(answer).toBe('50ms #', undefined, new RequestTimeoutError(1, METHOD, 50));
      expectSubscriptions(handler.subscriptions).toBe('^ 49ms !');
      // Pending one frame before the deadline, freed one frame after it.
      const pending = cold('49ms a 1ms (b|)').pipe(map(() => client.requests.size));
      expectObservable(pending).toBe('49ms a 1ms (b|)', { a: 1, b: 0 });
    });
    assert.is(client.stats.lateResponses, 0);
  }));

test('the deadline counts from the subscription, not from when the observable was made', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold<Uint8Array>('-');
      expectObservable(
        serve(server, () => handler),
        '^ 99ms !',
      ).toBe('70ms c', { c: record(1, Status.Cancelled) });
      const answer = client.request(payload(1), { method: METHOD, timeout: 50, scheduler });
      expectObservable(answer, '20ms ^').toBe('70ms #', undefined, new RequestTimeoutError(1, METHOD, 50));
      expectSubscriptions(handler.subscriptions).toBe('20ms ^ 49ms !');
    });
  }));

test('answered one frame before the deadline: the answer, and no Cancel', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold('49ms (r|)', { r: payload(42) });
      expectObservable(
        serve(server, () => handler),
        '^ 99ms !',
      ).toBe('49ms o', { o: record(1, Status.Ok) });
      const answer = client.request(payload(1), { method: METHOD, timeout: 50, scheduler });
      expectObservable(answer).toBe('49ms (r|)', { r: payload(42) });
      expectSubscriptions(handler.subscriptions).toBe('^ 48ms !');
    });
    assert.is(client.requests.size, 0);
    assert.is(client.stats.lateResponses, 0);
  }));

test('answered in the deadline frame: the timeout comes first, the late Response is dropped and counted', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      // The request's timer was scheduled when it was sent, the handler's answer later: in frame 50 the timer runs
      // first, and the server answers before it reads the Cancel.
      const late = cold('50ms (r|)', { r: payload(42) });
      const next = cold('10ms (s|)', { s: payload(43) });
      const handlers = [late, next];
      const served = serve(server, (bytes) => handlers[bytes[0]!]!);
      expectObservable(served, '^ 99ms !').toBe('50ms o 19ms p', { o: record(1, Status.Ok), p: record(2, Status.Ok) });
      expectObservable(client.request(payload(0), { method: METHOD, timeout: 50, scheduler })).toBe(
        '50ms #',
        undefined,
        new RequestTimeoutError(1, METHOD, 50),
      );
      // The next caller gets its own answer, never the late one.
      expectObservable(client.request(payload(1), { method: METHOD, timeout: 50, scheduler }), '60ms ^').toBe(
        '70ms (s|)',
        {
          s: payload(43),
        },
      );
      expectSubscriptions(late.subscriptions).toBe('^ 49ms !');
      expectSubscriptions(next.subscriptions).toBe('60ms ^ 9ms !');
    });
    assert.is(client.stats.lateResponses, 1);
    assert.is(client.requests.size, 0);
  }));

test('timeout Infinity (or none): no timer; the request waits until it is unsubscribed', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    // Later than the longest timeout a timer can hold (2^31 - 1 ms): no finite timer would still be waiting.
    const LATER = 2 ** 32;
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold<Uint8Array>('-');
      expectObservable(
        serve(server, () => handler),
        `^ ${LATER + 9}ms !`,
      ).toBe(`${LATER}ms (cd)`, {
        c: record(1, Status.Cancelled),
        d: record(2, Status.Cancelled),
      });
      const infinite = client.request(payload(1), { method: METHOD, timeout: Infinity, scheduler });
      const none = client.request(payload(2), { method: METHOD, scheduler });
      expectObservable(infinite, `^ ${LATER - 1}ms !`).toBe('-');
      expectObservable(none, `^ ${LATER - 1}ms !`).toBe('-');
      expectSubscriptions(handler.subscriptions).toBe([`^ ${LATER - 1}ms !`, `^ ${LATER - 1}ms !`]);
    });
  }));

test('the longest timeout, 2^31 - 1 ms, fires at exactly that frame', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    const MAX = 2 ** 31 - 1;
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold<Uint8Array>('-');
      expectObservable(
        serve(server, () => handler),
        `^ ${MAX}ms !`,
      ).toBe(`${MAX}ms c`, { c: record(1, Status.Cancelled) });
      const answer = client.request(payload(1), { method: METHOD, timeout: MAX, scheduler });
      expectObservable(answer).toBe(`${MAX}ms #`, undefined, new RequestTimeoutError(1, METHOD, MAX));
      expectSubscriptions(handler.subscriptions).toBe(`^ ${MAX - 1}ms !`);
    });
  }));

test('unsubscribing before the answer sends Cancel in that frame: the handler stops and the id is freed', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold('30ms (r|)', { r: payload(42) });
      expectObservable(
        serve(server, () => handler),
        '^ 99ms !',
      ).toBe('20ms c', { c: record(1, Status.Cancelled) });
      expectObservable(client.request(payload(1), { method: METHOD, timeout: 50, scheduler }), '^ 19ms !').toBe('-');
      expectSubscriptions(handler.subscriptions).toBe('^ 19ms !');
      const pending = cold('19ms a 1ms (b|)').pipe(map(() => client.requests.size));
      expectObservable(pending).toBe('19ms a 1ms (b|)', { a: 1, b: 0 });
    });
    assert.is(client.stats.lateResponses, 0, 'the handler stopped before answering');
  }));

test('a Response that crosses the Cancel in the same frame is dropped and counted in lateResponses', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const handler = cold('30ms (r|)', { r: payload(42) });
      // The unsubscription (scheduled first) sends Cancel; then the handler answers before the server reads it.
      expectObservable(
        serve(server, () => handler),
        '^ 99ms !',
      ).toBe('30ms o', { o: record(1, Status.Ok) });
      expectObservable(client.request(payload(1), { method: METHOD, scheduler }), '^ 29ms !').toBe('-');
      expectSubscriptions(handler.subscriptions).toBe('^ 29ms !');
    });
    assert.is(client.stats.lateResponses, 1);
    assert.is(client.requests.size, 0);
  }));

test.run();
