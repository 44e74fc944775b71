/**
 * Review of issue 12's PendingCall (one plain setTimeout per timed request): the timer is cleared however the call
 * ends (answer, Error frame, unsubscribe, the peer's Close, this side failing), so no timer outlives its call or keeps
 * the process alive; an untimed call (no timeout, or Infinity) sets none; the Cancel of an unsubscribed call stops
 * the server's handler, and the late answer is counted, not delivered. In-process pairs over the fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEVER, finalize, firstValueFrom, of, throwError } from 'rxjs';
import { StatusError, serve } from '../../src/index.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';

const test = suite('review: request timers');

/** An unusual timeout, so the spy recognises the request's timer among others. */
const TIMEOUT = 987_654;

/** Counts live setTimeout timers of TIMEOUT ms while `body` runs. */
async function withTimerSpy<T>(body: (live: () => number, made: () => number) => Promise<T>): Promise<T> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Set<unknown>();
  let made = 0;
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = realSet(
      (...a: unknown[]) => {
        live.delete(timer);
        callback(...a);
      },
      ms,
      ...args,
    );
    if (ms === TIMEOUT) {
      made++;
      live.add(timer);
    }
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout;
  try {
    return await body(
      () => live.size,
      () => made,
    );
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

test('answered, Error frame, unsubscribed: the timer is cleared each time; untimed calls set none', () =>
  withInProcessChannel(({ server, client, settle }) =>
    withTimerSpy(async (live, made) => {
      let handlerStopped = 0;
      const serving = serve(server, {
        1: (bytes) => of(bytes),
        2: () => throwError(() => new StatusError(77, 'no')),
        3: () => NEVER.pipe(finalize(() => handlerStopped++)),
      }).subscribe();
      assert.equal([...(await firstValueFrom(client.request(Uint8Array.of(5), { method: 1, timeout: TIMEOUT })))], [5]);
      assert.is(live(), 0, 'answered: cleared');
      await firstValueFrom(client.request(Uint8Array.of(5), { method: 2, timeout: TIMEOUT })).catch(() => undefined);
      assert.is(live(), 0, 'Error frame: cleared');
      const pending = client.request(Uint8Array.of(5), { method: 3, timeout: TIMEOUT }).subscribe();
      await settle();
      assert.is(live(), 1);
      pending.unsubscribe();
      assert.is(live(), 0, 'unsubscribed: cleared');
      await settle();
      assert.is(handlerStopped, 1, 'the Cancel stopped the running handler');
      const before = made();
      await firstValueFrom(client.request(Uint8Array.of(5), { method: 1 }));
      await firstValueFrom(client.request(Uint8Array.of(5), { method: 1, timeout: Infinity }));
      assert.is(made(), before, 'no timer without a timeout');
      assert.is(client.requests.size, 0);
      serving.unsubscribe();
    }),
  ));

test("the peer's Close and this side failing clear the timers of pending calls", () =>
  withTimerSpy(async (live) => {
    await withInProcessChannel(async ({ server, client, settle }) => {
      const serving = serve(server, () => NEVER).subscribe();
      const errors: string[] = [];
      client.request(Uint8Array.of(1), { timeout: TIMEOUT }).subscribe({ error: (e: Error) => errors.push(e.name) });
      client.request(Uint8Array.of(2), { timeout: TIMEOUT }).subscribe({ error: (e: Error) => errors.push(e.name) });
      await settle();
      assert.is(live(), 2);
      serving.unsubscribe();
      server.complete(); // the peer's Close: no answer can come
      await settle();
      assert.is(errors.length, 2, errors.join());
      assert.is(live(), 0, "peer's Close: cleared");
    });
    await withInProcessChannel(async ({ server, client, settle }) => {
      const serving = serve(server, () => NEVER).subscribe();
      let failed = 0;
      client.request(Uint8Array.of(1), { timeout: TIMEOUT }).subscribe({ error: () => failed++ });
      await settle();
      assert.is(live(), 1);
      client.error(new Error('this side fails'));
      assert.is(failed, 1);
      assert.is(live(), 0, 'failed: cleared');
      serving.unsubscribe();
    });
    assert.is(live(), 0);
  }));

test.run();
