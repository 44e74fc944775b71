/**
 * Review of serve against an untrusted peer and an early stop (ServeSession):
 * - a Request reusing the correlation id of one still running replaced it in the running table: the first handler
 *   was orphaned (never unsubscribed, even after serve stopped) and the concurrency count fell short. Now the
 *   duplicate is answered BadRequest and the running request is untouched.
 * - serve stopped (unsubscribed, or `take(n)` while replaying the requests that waited for it) dropped the requests
 *   it held: their callers waited forever. Now each is answered Unavailable and no handler starts for it.
 * In-process pair over the fake backend.
 */
import { Observable, Subject, firstValueFrom, lastValueFrom, of, take } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, RemoteError, Status, serve } from '../../src/index.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';
import { until, within } from '../helpers/waiting.js';

const test = suite('review: serve with a duplicate id or stopped early');

/** How a request ended, as its caller sees it. */
const outcome = (answer: Promise<Uint8Array>): Promise<string> =>
  answer.then(
    (bytes) => `ok ${[...bytes].join(',')}`,
    (error: unknown) => (error instanceof RemoteError ? `status ${error.status}` : String(error)),
  );

test('a Request reusing a running correlation id is answered BadRequest; the running one is kept and stopped', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    let live = 0;
    const release = new Subject<Uint8Array>();
    const slow = (): Observable<Uint8Array> =>
      new Observable<Uint8Array>((subscriber) => {
        live++;
        const inner = release.subscribe(subscriber);
        return () => {
          live--;
          inner.unsubscribe();
        };
      });
    const served = serve(server, { 1: slow }).subscribe();
    const answers: string[] = [];
    const seen = (kind: string) => (header: { status: number; correlation: number }) =>
      void answers.push(`${kind} ${header.correlation} ${header.status}`);
    const offError = client.control.on(FrameKind.Error, seen('error'));
    const offResponse = client.control.on(FrameKind.Response, seen('response'));
    const request = { kind: FrameKind.Request, status: 0, correlation: 5, method: 1 } as const;
    client.sendFrame(request, Uint8Array.of(1));
    client.sendFrame({ ...request }, Uint8Array.of(2));
    await settle();
    assert.equal(answers, [`error 5 ${Status.BadRequest}`], 'the duplicate is refused at once');
    assert.is(live, 1, 'one handler runs: the duplicate started none');
    release.next(Uint8Array.of(9));
    await settle();
    assert.equal(answers, [`error 5 ${Status.BadRequest}`, 'response 5 0'], 'the first request is still answered');
    assert.is(live, 0);
    // Again, then stop serve while the first runs: its handler must be unsubscribed (it was orphaned before).
    client.sendFrame({ ...request }, Uint8Array.of(3));
    client.sendFrame({ ...request }, Uint8Array.of(4));
    await settle();
    assert.is(live, 1);
    served.unsubscribe();
    assert.is(live, 0, 'serve stopped every handler it started');
    offError();
    offResponse();
  }));

test('serve unsubscribed with one request running and three waiting: all four callers get Unavailable', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    let started = 0;
    const never = () => {
      started++;
      return new Subject<Uint8Array>();
    };
    const served = serve(server, { 1: never }, { concurrency: 1 }).subscribe();
    const outcomes = [1, 2, 3, 4].map((i) => outcome(firstValueFrom(client.request(Uint8Array.of(i), { method: 1 }))));
    await settle();
    assert.is(started, 1);
    served.unsubscribe();
    const all = await within(Promise.all(outcomes), 5000, 'every caller answered');
    assert.equal(all, Array(4).fill(`status ${Status.Unavailable}`));
    assert.is(started, 1, 'no waiting request started after the stop');
  }));

test('serve(...).pipe(take(1)) over requests that waited for it: the first is answered, the rest Unavailable', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    let started = 0;
    const echo = (bytes: Uint8Array) => {
      started++;
      return of(bytes.slice());
    };
    const outcomes = [1, 2, 3].map((i) => outcome(lastValueFrom(client.request(Uint8Array.of(i), { method: 1 }))));
    await settle(); // all three wait in the server's router: nobody serves yet
    const served = serve(server, { 1: echo }).pipe(take(1)).subscribe();
    const all = await within(Promise.all(outcomes), 5000, 'every caller answered');
    assert.equal(all, ['ok 1', `status ${Status.Unavailable}`, `status ${Status.Unavailable}`]);
    assert.is(started, 1, 'no handler ran for a request refused after the stop');
    await until(() => served.closed, 'serve ended');
  }));

test.run();
