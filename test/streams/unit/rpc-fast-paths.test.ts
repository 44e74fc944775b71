/**
 * The paths request/response takes to allocate little per call (issue 12), each checked for the behaviour it must
 * keep: the ControlRouter's handler lists replaced on (un)register (a handler added mid-dispatch waits for the next
 * frame, one registered twice runs once); the RequestTable's one retain for all pending requests (let go when it
 * empties, before the last request hears its end, so a retry holds the side again); a request without a timeout
 * schedules no timer, one with a timeout schedules exactly one and cancels it on the answer; serve's synchronous
 * path (a handler whose result emits while subscribed) answers each request exactly once, in order, and stops a
 * handler that emits more; a handler that throws synchronously answers HandlerError or its StatusError's status.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  NEVER,
  asyncScheduler,
  concat,
  finalize,
  firstValueFrom,
  lastValueFrom,
  of,
  toArray,
  type Observable,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { FrameKind, Status } from '../../../src/codecs/index.js';
import { RemoteError, StatusError, serve, type Served } from '../../../src/index.js';
import { ControlRouter } from '../../../src/streams/connection/control-router.js';
import { EMPTY_PAYLOAD, type FrameFields } from '../../../src/streams/engine/frame-fields.js';
import { RequestTable, type PendingRequest } from '../../../src/streams/rpc/request-table.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { failure } from '../../helpers/connections.js';

const test = suite('request/response fast paths');

const header = (kind: number, correlation = 0): FrameFields =>
  ({ kind, status: 0, correlation, method: 0 }) as FrameFields;

test('router: a handler registered during a dispatch sees the next frame, not this one', () => {
  const control = new ControlRouter({ sendFrame: () => 'written' });
  const calls: string[] = [];
  let added = false;
  control.on(FrameKind.Alive, (h) => {
    calls.push(`a${h.correlation}`);
    if (!added) control.on(FrameKind.Alive, (h2) => calls.push(`b${h2.correlation}`));
    added = true;
  });
  control.dispatch(header(FrameKind.Alive, 1), EMPTY_PAYLOAD);
  control.dispatch(header(FrameKind.Alive, 2), EMPTY_PAYLOAD);
  assert.equal(calls, ['a1', 'a2', 'b2']);
});

test('router: one handler registered twice runs once per frame, and one unregister removes it', () => {
  const control = new ControlRouter({ sendFrame: () => 'written' });
  let calls = 0;
  const handler = (): void => void calls++;
  const off = control.on(FrameKind.Alive, handler);
  control.on(FrameKind.Alive, handler);
  control.dispatch(header(FrameKind.Alive), EMPTY_PAYLOAD);
  assert.is(calls, 1);
  off();
  assert.not.ok(control.has(FrameKind.Alive));
  control.dispatch(header(FrameKind.Alive), EMPTY_PAYLOAD);
  assert.is(calls, 1);
});

/** A side that counts retains and releases. */
function countingSide(): { retain(): () => void; retained: number; released: number } {
  const side = {
    retained: 0,
    released: 0,
    retain: () => {
      side.retained++;
      return () => void side.released++;
    },
  };
  return side;
}

const quiet: PendingRequest = { response: () => undefined, error: () => undefined, failed: () => undefined };

test('table: one retain while any request is pending, let go when the last one is answered or deleted', () => {
  const router = new ControlRouter({ sendFrame: () => 'written' });
  const requests = new RequestTable(
    router,
    () => undefined,
    () => new Error('peer closed'),
  );
  const side = countingSide();
  const [a, b, c] = [requests.add(quiet, side), requests.add(quiet, side), requests.add(quiet, side)];
  assert.equal([side.retained, side.released], [1, 0]);
  router.dispatch(header(FrameKind.Response, a), EMPTY_PAYLOAD);
  assert.ok(requests.delete(b));
  assert.equal([side.retained, side.released], [1, 0], 'one request still pending');
  assert.not.ok(requests.delete(b), 'a second delete finds nothing and lets go of nothing');
  router.dispatch(header(FrameKind.Response, c), EMPTY_PAYLOAD);
  assert.equal([side.retained, side.released], [1, 1]);
  router.dispatch(header(FrameKind.Response, c), EMPTY_PAYLOAD); // late: dropped
  assert.equal([side.retained, side.released], [1, 1]);
  requests.add(quiet, side);
  assert.equal([side.retained, side.released], [2, 1], 'the next request holds the side again');
});

test('table: the side is let go before the last request hears its answer, so one sent from there holds it again', () => {
  const router = new ControlRouter({ sendFrame: () => 'written' });
  const requests = new RequestTable(
    router,
    () => undefined,
    () => new Error('peer closed'),
  );
  const side = countingSide();
  const seen: string[] = [];
  const retrying: PendingRequest = {
    ...quiet,
    response: () => {
      seen.push(`response: released ${side.released}`);
      requests.add(quiet, side);
    },
    failed: () => {
      seen.push(`failed: released ${side.released}`);
      requests.add(quiet, side);
    },
  };
  const id = requests.add(retrying, side);
  router.dispatch(header(FrameKind.Response, id), EMPTY_PAYLOAD);
  assert.equal([side.retained, side.released, requests.size], [2, 1, 1]);
  requests.add(retrying, side);
  router.fail(new Error('gone'));
  assert.equal(seen, ['response: released 1', 'failed: released 2'], 'released before each was told');
  assert.equal([side.retained, side.released, requests.size], [3, 2, 1], 'the retry after the failure holds it');
});

/** A scheduler that records what is scheduled on it and runs nothing. */
function recordingScheduler(): SchedulerLike & { scheduled: Subscription[] } {
  const scheduled: Subscription[] = [];
  return {
    scheduled,
    now: () => 0,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
      const subscription = asyncScheduler.schedule(work, 3_600_000, state);
      void delay;
      scheduled.push(subscription);
      return subscription;
    },
  };
}

test('request: no timeout schedules no timer; a timeout schedules one, cancelled by the answer', () =>
  withInProcessChannel(async ({ server, client }) => {
    const serving = serve(server, (bytes) => of(bytes)).subscribe();
    const scheduler = recordingScheduler();
    assert.equal([...(await firstValueFrom(client.request(Uint8Array.of(1), { scheduler })))], [1]);
    assert.equal([...(await firstValueFrom(client.request(Uint8Array.of(2), { scheduler, timeout: Infinity })))], [2]);
    assert.is(scheduler.scheduled.length, 0, 'no timer without a timeout');
    assert.equal([...(await firstValueFrom(client.request(Uint8Array.of(3), { scheduler, timeout: 50 })))], [3]);
    assert.is(scheduler.scheduled.length, 1);
    assert.ok(scheduler.scheduled[0]!.closed, 'the answer cancelled the timer');
    serving.unsubscribe();
  }));

test('request: without a scheduler, a plain timer still times out with the id, frees it and sends Cancel', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const records: Served[] = [];
    const serving = serve(server, () => NEVER).subscribe((record) => records.push(record));
    const error = (await failure(client.request(Uint8Array.of(1), { timeout: 20 }))) as Error & { code: string };
    assert.is(error.code, 'RequestTimeout');
    assert.is(client.requests.size, 0);
    await settle();
    assert.equal(records, [{ method: 0, correlation: 1, status: Status.Cancelled }]);
    serving.unsubscribe();
  }));

test('serve: handlers that answer while subscribed (of) answer each request once, in the order they came', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const records: Served[] = [];
    let handled = 0;
    const serving = serve(server, (bytes) => (handled++, of(bytes))).subscribe((record) => records.push(record));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => firstValueFrom(client.request(Uint8Array.of(i)))),
    );
    await settle();
    assert.equal(
      answers.map((a) => a[0]),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.is(handled, 50);
    assert.equal(
      records.map((r) => [r.correlation, r.status]),
      Array.from({ length: 50 }, (_, i) => [i + 1, Status.Ok]),
    );
    assert.is(client.stats.lateResponses, 0, 'no second answer to any request');
    serving.unsubscribe();
  }));

test('serve: a handler emitting several values at once answers the first only, and is stopped at once', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    let stopped = 0;
    const records: Served[] = [];
    const handler = (): Observable<Uint8Array> =>
      concat(of(Uint8Array.of(7), Uint8Array.of(8)), NEVER).pipe(finalize(() => stopped++));
    const serving = serve(server, handler).subscribe((record) => records.push(record));
    const answers = await lastValueFrom(client.request(Uint8Array.of(1)).pipe(toArray()));
    await settle();
    assert.equal(
      answers.map((a) => [...a]),
      [[7]],
    );
    assert.is(stopped, 1, 'the handler is unsubscribed once answered');
    assert.equal(
      records.map((r) => r.status),
      [Status.Ok],
    );
    assert.is(client.stats.lateResponses, 0);
    serving.unsubscribe();
  }));

test('serve: a handler that throws synchronously answers HandlerError, or the status of its StatusError', () =>
  withInProcessChannel(async ({ server, client }) => {
    const serving = serve(server, {
      1: () => {
        throw new Error('sync boom');
      },
      2: () => {
        throw new StatusError(300, 'sync status');
      },
      3: () => 42 as never, // not an ObservableInput: `from` throws
    }).subscribe();
    const thrown = (await failure(client.request(Uint8Array.of(1), { method: 1 }))) as RemoteError;
    assert.instance(thrown, RemoteError);
    assert.equal([thrown.status, thrown.remoteMessage], [Status.HandlerError, 'sync boom']);
    const chosen = (await failure(client.request(Uint8Array.of(1), { method: 2 }))) as RemoteError;
    assert.equal([chosen.status, chosen.remoteMessage], [300, 'sync status']);
    const notObservable = (await failure(client.request(Uint8Array.of(1), { method: 3 }))) as RemoteError;
    assert.is(notObservable.status, Status.HandlerError);
    assert.is(client.stats.lateResponses, 0);
    serving.unsubscribe();
  }));

test.run();
