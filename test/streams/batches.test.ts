/**
 * Connection.batches(): each emission is what one drain of the ring delivered, in order, as copies safe to keep; a
 * late subscriber first gets the backlog as one batch; with nobody subscribed Data waits (backpressure); the end
 * comes after the last batch; per-message subscribers see the same messages; `stats.received` counts messages.
 * In-process pairs over the fake backend (test/helpers/in-process-channel.ts), and two real processes with checked
 * payloads (test/fixtures/streams-peer.ts's writer).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listen, type Connection } from '../../src/index.js';
import { verify, type SizeSpec } from '../fixtures/streams-payload.js';
import { Opened } from '../helpers/connections.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('Connection.batches');

/** The first byte of each message of each batch. */
const tags = (batches: Uint8Array[][]): number[][] => batches.map((batch) => batch.map((m) => m[0]!));
const send = (connection: Connection, ...tagged: number[]): void => {
  for (const tag of tagged) connection.next(Uint8Array.of(tag, tag, tag));
};

/** Records the batches of `connection` and how the stream ended. */
function record(connection: Connection): { batches: Uint8Array[][]; end: string[]; stop: () => void } {
  const batches: Uint8Array[][] = [];
  const end: string[] = [];
  const subscription = connection.batches().subscribe({
    next: (batch) => batches.push(batch),
    error: (e: Error) => end.push(`error ${e.name}`),
    complete: () => end.push(`complete after ${batches.length}`),
  });
  return { batches, end, stop: () => subscription.unsubscribe() };
}

test('what one drain read is one batch, in order; the next drain is the next batch', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const { batches, stop } = record(server);
    send(client, 1, 2, 3); // one synchronous burst: published together, read by one drain
    await settle();
    send(client, 4, 5);
    await settle();
    assert.equal(tags(batches), [
      [1, 2, 3],
      [4, 5],
    ]);
    assert.ok(batches.flat().every((m) => m.length === 3 && m[2] === m[0]));
    assert.is(server.stats.received, 5, 'stats.received counts messages, not batches');
    stop();
  }));

test('a late subscriber first gets the backlog as one batch, then live batches', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    send(client, 1, 2);
    await settle();
    send(client, 3);
    await settle(); // two drains, both kept in the backlog
    assert.is(server.stats.received, 0, 'nothing is counted before it is delivered');
    const { batches, stop } = record(server);
    assert.equal(tags(batches), [[1, 2, 3]], 'the backlog, at once, as one batch');
    send(client, 4);
    await settle();
    assert.equal(tags(batches), [[1, 2, 3], [4]]);
    stop();
  }));

test('with no subscriber and no backlog Data waits in the ring; a new subscriber gets all of it', () =>
  withInProcessChannel(
    async ({ server, client, settle, hold }) => {
      hold('server', true);
      const first = record(server);
      send(client, 1);
      await settle();
      first.stop();
      send(client, 2, 3);
      await settle();
      assert.is(server.stats.received, 1, 'held in the ring, not delivered to anyone');
      hold('server', false);
      const second = record(server);
      await settle();
      assert.equal(tags(first.batches), [[1]]);
      assert.equal(tags(second.batches), [[2, 3]]);
      second.stop();
    },
    { server: { highWaterMark: 0 } },
  ));

test('the stream completes after the last batch; a subscriber after the end completes at once', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const { batches, end } = record(server);
    send(client, 1, 2);
    client.complete(); // Close right behind the Data, possibly in the same drain
    await settle();
    assert.equal(tags(batches), [[1, 2]]);
    assert.equal(end, ['complete after 1']);
    const late = record(server);
    assert.equal(late.end, ['complete after 0']);
  }));

test('per-message subscribers and batch subscribers coexist: each sees every message once, in order', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const messages: number[] = [];
    const perMessage = server.subscribe((m) => messages.push(m[0]!));
    const { batches, stop } = record(server);
    send(client, 1, 2, 3);
    await settle();
    assert.equal(messages, [1, 2, 3]);
    assert.equal(tags(batches), [[1, 2, 3]]);
    perMessage.unsubscribe();
    send(client, 4);
    await settle();
    assert.equal(tags(batches), [[1, 2, 3], [4]]);
    assert.equal(messages, [1, 2, 3]);
    assert.is(server.stats.received, 4);
    stop();
  }));

test('a per-message subscriber leaving in the middle of a batch loses nothing: the rest wait for the next one', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const first: number[] = [];
    const subscription = server.subscribe((m) => {
      first.push(m[0]!);
      subscription.unsubscribe();
    });
    const { batches, stop } = record(server);
    send(client, 1, 2, 3);
    await settle();
    stop(); // the batch subscriber got the whole drain; nobody wants the rest now
    assert.equal(first, [1]);
    assert.equal(tags(batches), [[1, 2, 3]]);
    send(client, 4);
    await settle();
    const later: number[] = [];
    server.subscribe((m) => later.push(m[0]!)).unsubscribe();
    assert.equal(later, [4], 'kept for the next subscriber, not lost and not repeated');
  }));

test('two processes: every message of a writer arrives intact through batches, and kept batches never change', async () => {
  await watched(60_000, async (scope) => {
    const name = channelName();
    const sizes: SizeSpec = [0, 3000];
    const count = 20_000; // ~30 MB through a 64 KiB ring: hundreds of laps while the first batches are kept
    const server = new Opened(listen(name, { ringCapacity: 65536 }));
    scope.defer(() => server.close());
    scope.peer({ role: 'client', name, script: 'writer', count, seed: 11, sizes });
    const connection = await server.connection();
    const kept: Uint8Array[][] = [];
    await new Promise<void>((resolve, reject) =>
      connection.batches().subscribe({ next: (batch) => kept.push(batch), error: reject, complete: resolve }),
    );
    const messages = kept.flat();
    assert.is(messages.length, count);
    assert.ok(kept.length > 1 && kept.length < count, `batches of many messages (${kept.length} batches)`);
    assert.equal(
      messages.map((m, seq) => verify(m, 11, seq, sizes)).filter((p) => p !== null),
      [],
      'every message intact, in order, after the ring was reused',
    );
    assert.is(connection.stats.received, count);
    messages[0]!.fill(0xff);
    assert.is(verify(messages[1]!, 11, 1, sizes), null, 'writing one message changes no other');
    connection.complete();
  });
});

test.run();
