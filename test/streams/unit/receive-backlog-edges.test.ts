/**
 * ReceiveBacklog at its edges, beside test/streams/receive-backlog.test.ts (order, demand, limit, random model):
 * an end with no backlog needs no subscriber, ends are delivered once, payloads are handed over as they came (no
 * copy), a limit of 0 keeps nothing, one message may carry the backlog past its limit, and an end or a flush
 * re-entered from inside a subscriber neither reorders, duplicates nor ends early.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiveBacklog, type BacklogTarget } from '../../../src/streams/connection/receive-backlog.js';

const edges = suite('ReceiveBacklog edges');

/** A target whose demand the test sets, recording deliveries (payload objects) and ends. */
class Target implements BacklogTarget {
  demanded = 0;
  readonly got: Uint8Array[] = [];
  readonly ends: (Error | null)[] = [];
  onDeliver: (payload: Uint8Array) => void = () => undefined;

  demand = (): number => this.demanded;
  deliver = (payload: Uint8Array): void => {
    assert.is(this.ends.length, 0, 'delivered after the end');
    this.got.push(payload);
    this.onDeliver(payload);
  };
  end = (error: Error | null): void => void this.ends.push(error);
}

/** `size` bytes whose first byte is `tag` (a zero-length message cannot carry one: use identity for those). */
const message = (tag: number, size = 8): Uint8Array => {
  const bytes = new Uint8Array(size);
  if (size > 0) bytes[0] = tag;
  return bytes;
};
const tags = (got: Uint8Array[]): number[] => got.map((m) => m[0]!);

edges('an empty backlog ends at once even with no subscriber, with the error given', () => {
  const target = new Target();
  const b = new ReceiveBacklog(100, target);
  const error = new Error('peer exited');
  b.end(error);
  assert.equal(target.ends, [error]);
  assert.is(target.ends[0], error, 'the same error object');
});

edges('once delivered, the end is never delivered again, whatever end or flush follows', () => {
  const target = new Target();
  const b = new ReceiveBacklog(100, target);
  b.end(null);
  b.end(new Error('later'));
  target.demanded = 1;
  b.flush();
  b.end(null);
  assert.equal(target.ends, [null]);
});

edges('payloads are handed over as they came, both straight through and from the backlog (no copy)', () => {
  const target = new Target();
  const b = new ReceiveBacklog(100, target);
  const kept = message(1);
  b.accept(kept);
  target.demanded = 1;
  b.flush();
  const direct = message(2);
  b.accept(direct);
  assert.is(target.got[0], kept);
  assert.is(target.got[1], direct);
});

edges('with several subscribers each message is delivered once (demand is a count, not a fan-out)', () => {
  const target = new Target();
  const b = new ReceiveBacklog(100, target);
  for (let tag = 0; tag < 3; tag++) b.accept(message(tag));
  target.demanded = 3;
  b.flush();
  assert.equal(tags(target.got), [0, 1, 2]);
});

edges("a limit of 0 keeps nothing: 'hold' without demand, 'deliver' with it", () => {
  const target = new Target();
  const b = new ReceiveBacklog(0, target);
  assert.is(b.mode(), 'hold');
  target.demanded = 1;
  assert.is(b.mode(), 'deliver');
});

edges(
  'the limit is checked before a message: one message larger than the limit is kept, then the backlog holds',
  () => {
    const target = new Target();
    const b = new ReceiveBacklog(16, target);
    assert.is(b.mode(), 'keep');
    b.accept(message(1, 1000));
    assert.is(b.mode(), 'hold', '1000 bytes kept, limit 16');
    target.demanded = 1;
    b.flush();
    assert.equal(tags(target.got), [1]);
    target.demanded = 0;
    assert.is(b.mode(), 'keep', 'its bytes left with it');
  },
);

edges("zero-length messages take no bytes but keep their place: order and 'keep' are preserved", () => {
  const target = new Target();
  const b = new ReceiveBacklog(1, target);
  const empties = [message(0, 0), message(0, 0), message(0, 0)];
  for (const empty of empties) {
    assert.is(b.mode(), 'keep', 'zero bytes kept: under a limit of 1');
    b.accept(empty);
  }
  b.accept(message(7, 1));
  assert.is(b.mode(), 'hold');
  target.demanded = 1;
  b.flush();
  assert.is(target.got.length, 4);
  empties.forEach((empty, i) => assert.is(target.got[i], empty, `empty message ${i} in its place`));
  assert.is(target.got[3]![0], 7);
});

edges('an end requested from inside a subscriber mid-flush comes once, after the last waiting message', () => {
  const target = new Target();
  const b = new ReceiveBacklog(1 << 20, target);
  for (let tag = 0; tag < 10; tag++) b.accept(message(tag));
  target.demanded = 1;
  target.onDeliver = (m) => {
    if (m[0] === 2) b.end(null); // e.g. the engine reports the peer's Close while a subscriber runs
  };
  b.flush();
  assert.equal(tags(target.got), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(target.ends, [null]);
});

edges(
  'a flush re-entered from inside a subscriber (a second subscriber arrives) neither reorders nor duplicates',
  () => {
    const target = new Target();
    const b = new ReceiveBacklog(1 << 20, target);
    for (let tag = 0; tag < 50; tag++) b.accept(message(tag));
    b.end(null);
    target.demanded = 1;
    target.onDeliver = (m) => {
      if (m[0]! % 10 === 0) {
        target.demanded = 2;
        b.flush();
      }
    };
    b.flush();
    assert.equal(
      tags(target.got),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(target.ends, [null]);
  },
);

edges.run();
