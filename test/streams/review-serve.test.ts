/**
 * Review of serve (ServeSession; the same held before issue 12): requests that waited behind a slow handler
 * (concurrency 1) and are then answered synchronously are started recursively (finish -> startWaiting -> start ->
 * the handler's synchronous answer -> finish ...), one stack level per waiting request. Past a few thousand the stack
 * overflows; the RangeError is caught by RxJS's subscribe and handed to the answered call's `error`, which ignores
 * it, so those requests are never answered and their callers wait forever. Every request must be answered Ok.
 * In-process pair over the fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, config, firstValueFrom, lastValueFrom, of, take } from 'rxjs';
import { RemoteError, serve } from '../../src/index.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';
import { within } from '../helpers/waiting.js';

const test = suite('review: serve with waiting requests');

test('5,000 synchronous requests waiting behind one slow handler (concurrency 1) are all answered Ok', () =>
  withInProcessChannel(
    async ({ server, client, settle }) => {
      const unhandled: unknown[] = [];
      const before = config.onUnhandledError;
      config.onUnhandledError = (error) => void unhandled.push(error);
      try {
        const slow = new Subject<Uint8Array>();
        const serving = serve(server, { 1: () => slow.pipe(take(1)), 2: (bytes) => of(bytes) }, { concurrency: 1 });
        const served = serving.subscribe();
        const first = firstValueFrom(client.request(Uint8Array.of(1), { method: 1 }));
        const count = 5_000;
        const results: string[] = [];
        const outcomes = Array.from({ length: count }, (_, i) =>
          lastValueFrom(client.request(Uint8Array.of(i & 0xff), { method: 2 })).then(
            () => void results.push('ok'),
            (error: unknown) =>
              void results.push(
                error instanceof RemoteError ? `remote ${error.status} ${error.message}` : String(error),
              ),
          ),
        );
        await settle(); // every request read by the server: one running, the rest waiting
        slow.next(Uint8Array.of(9));
        await first;
        await within(Promise.all(outcomes), 10_000, 'every request answered').catch(() => undefined);
        const failed = results.filter((r) => r !== 'ok');
        assert.is(results.length, count, `${count - results.length} of ${count} requests never answered`);
        served.unsubscribe();
        assert.equal(unhandled.map(String).slice(0, 3), [], 'unhandled errors');
        assert.equal(failed.slice(0, 3), [], `${failed.length} of ${count} failed`);
      } finally {
        config.onUnhandledError = before;
      }
    },
    { server: { ringCapacity: 1 << 20 } },
    60_000,
  ));

test.run();
