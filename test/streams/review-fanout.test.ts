/**
 * Review of issue 12's Fanout (receive subscribers without a Subject) and batches: a subscriber whose `next` throws
 * neither stops delivery to the others nor fails the connection (RxJS reports the error through
 * config.onUnhandledError, as it did with the Subject); a batch subscriber that starts during a borrowed delivery
 * never receives a borrowed view (its messages stay intact after the ring is overwritten many times over).
 * In-process pairs over the fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { config, type Subscription } from 'rxjs';
import type { Connection } from '../../src/index.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';

const test = suite('review: fanout and batches');

const send = (connection: Connection, ...tagged: number[]): void => {
  for (const tag of tagged) connection.next(new Uint8Array(100).fill(tag));
};

test('a subscriber whose next throws: the others get every message, the error is reported, nothing fails', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const unhandled: unknown[] = [];
    const before = config.onUnhandledError;
    config.onUnhandledError = (error) => void unhandled.push(error);
    try {
      const first: number[] = [];
      const last: number[] = [];
      const a = server.subscribe((m) => first.push(m[0]!));
      const thrower = server.subscribe(() => {
        throw new Error('subscriber bug');
      });
      const b = server.subscribe((m) => last.push(m[0]!));
      send(client, 1, 2, 3);
      await settle();
      await new Promise((resolve) => setTimeout(resolve, 10)); // RxJS reports on a timer
      assert.equal(first, [1, 2, 3]);
      assert.equal(last, [1, 2, 3]);
      assert.equal(
        unhandled.map((e) => (e as Error).message),
        ['subscriber bug', 'subscriber bug', 'subscriber bug'],
        'each throw is reported (RxJS keeps the subscriber)',
      );
      assert.not.ok(server.ended, 'the connection lives on');
      send(client, 4);
      await settle();
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(last, [1, 2, 3, 4]);
      assert.is(unhandled.length, 4);
      for (const s of [a, thrower, b]) s.unsubscribe();
    } finally {
      config.onUnhandledError = before;
    }
  }));

test('borrowing: a batch subscriber started during a delivery never gets a ring view; its batches stay intact', () =>
  withInProcessChannel(
    async ({ server, client, settle }) => {
      const kept: Uint8Array[][] = [];
      let batches: Subscription | undefined;
      const perMessage = server.subscribe(() => {
        batches ??= server.batches().subscribe((batch) => kept.push(batch));
      });
      send(client, 1, 2, 3); // one drain: 1 is lent as a view, 2 and 3 come after the batch subscriber started
      await settle();
      // Lap the 64 KiB ring many times over, so any view of it would now read other bytes.
      for (let lap = 0; lap < 40; lap++) {
        send(client, ...Array.from({ length: 50 }, () => 200 + (lap % 50)));
        await settle();
      }
      perMessage.unsubscribe();
      batches?.unsubscribe();
      const first = kept[0]!;
      assert.is(first.length, 2);
      assert.equal(
        first.map((m) => [m.length, m[0], m[99], m.every((b) => b === m[0])]),
        [
          [100, 2, 2, true],
          [100, 3, 3, true],
        ],
      );
      const all = kept.flat();
      assert.is(all.length, 2 + 40 * 50);
      assert.ok(
        all.every((m) => m.length === 100 && m.every((b) => b === m[0])),
        'every kept batch message intact',
      );
    },
    { server: { receive: 'borrow' } },
  ));

test.run();
