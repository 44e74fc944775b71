/**
 * Review of issue 12's receive changes (Fanout, ReceivePath.add, batches): "nothing is lost". A subscriber that
 * leaves while the backlog is being handed to it, or a batch subscriber that leaves in the middle of a drain, must
 * leave what it did not get for the next subscriber. In-process pairs over the fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, of, take, toArray } from 'rxjs';
import { serve, type Connection } from '../../src/index.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';

const test = suite('review: receive path loses nothing');

const send = (connection: Connection, ...tagged: number[]): void => {
  for (const tag of tagged) connection.next(Uint8Array.of(tag, tag, tag));
};

/** Tags the receive side still holds for a subscriber, taken synchronously (the backlog's flush is synchronous). */
function drainBacklog(connection: Connection): number[] {
  const got: number[] = [];
  connection.subscribe((m) => got.push(m[0]!)).unsubscribe();
  return got;
}

test('firstValueFrom on a backlog takes one message; the others wait for the next subscriber', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    send(client, 1, 2, 3, 4);
    await settle(); // all four are in the server's backlog: nobody subscribed yet
    const first = await firstValueFrom(server);
    assert.is(first[0], 1);
    assert.equal(drainBacklog(server), [2, 3, 4], 'messages 2..4 were neither delivered nor kept');
  }));

test('take(2) on a backlog takes two messages; the others wait for the next subscriber', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    send(client, 1, 2, 3, 4, 5);
    await settle();
    const two = await firstValueFrom(server.pipe(take(2), toArray()));
    assert.equal(
      two.map((m) => m[0]),
      [1, 2],
    );
    assert.equal(drainBacklog(server), [3, 4, 5]);
  }));

test('a batch subscriber that leaves in the middle of a drain: what it was collecting is not lost', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const batches: number[][] = [];
    const batchSubscription = server.batches().subscribe((batch) => batches.push(batch.map((m) => m[0]!)));
    // A Request read between Data frames of one drain: its handler ends the batch subscription.
    const serving = serve(server, () => {
      batchSubscription.unsubscribe();
      return of(new Uint8Array(0));
    }).subscribe();
    send(client, 1, 2); // one synchronous burst with the request and 3: one drain on the server
    const answered = firstValueFrom(client.request(new Uint8Array(0)));
    send(client, 3);
    await answered;
    await settle();
    const delivered = batches.flat();
    const kept = drainBacklog(server);
    serving.unsubscribe();
    assert.equal(
      [...delivered, ...kept],
      [1, 2, 3],
      `batches ${JSON.stringify(batches)}, kept ${JSON.stringify(kept)}`,
    );
  }));

test.run();
