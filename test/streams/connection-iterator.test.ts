/** iterate(): the async iterator behind `for await (const bytes of connection)`, over a plain Subject. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { iterate } from '../../src/streams/connection/connection-iterator.js';

const test = suite('connection iterator');
const iterable = (source: Subject<Uint8Array>): AsyncIterable<Uint8Array> => ({
  [Symbol.asyncIterator]: () => iterate(source),
});

test('yields what arrived before and after each pull, in order, and ends on complete', async () => {
  const source = new Subject<Uint8Array>();
  const seen: number[] = [];
  const loop = (async () => {
    for await (const bytes of iterable(source)) seen.push(bytes[0]!);
  })();
  source.next(Uint8Array.of(1));
  source.next(Uint8Array.of(2));
  await new Promise((resolve) => setImmediate(resolve));
  source.next(Uint8Array.of(3));
  source.complete();
  await loop;
  assert.equal(seen, [1, 2, 3]);
});

test("the source's error is thrown from the loop after what came before it", async () => {
  const source = new Subject<Uint8Array>();
  const seen: number[] = [];
  const loop = (async () => {
    for await (const bytes of iterable(source)) seen.push(bytes[0]!);
  })().then(
    () => 'ended',
    (error: Error) => error.message,
  );
  source.next(Uint8Array.of(9));
  source.error(new Error('peer died'));
  assert.is(await loop, 'peer died');
  assert.equal(seen, [9]);
});

test('break unsubscribes', async () => {
  const source = new Subject<Uint8Array>();
  const loop = (async () => {
    for await (const _ of iterable(source)) break;
  })();
  assert.is(source.observed, true);
  source.next(Uint8Array.of(1));
  await loop;
  assert.is(source.observed, false);
});

test.run();
