/**
 * SendQueue on its own: first in, first out across many entries and across the compaction of its array, exact
 * payload-byte accounting, peek without removal, the empty queue, and clear() failing every waiting send in order
 * (a send queued from inside a failed callback included: nothing is left stranded).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind } from '../../../src/codecs/index.js';
import { SendQueue, type QueuedFrame } from '../../../src/streams/engine/send-queue.js';

const queue = suite('SendQueue');

/** A Request frame tagged `tag` (in its correlation id, so the tag survives whatever the payload holds). */
const frame = (tag: number, size = 4, done?: (error?: Error) => void): QueuedFrame => ({
  header: { kind: FrameKind.Request, status: 0, correlation: tag, method: 0 },
  payload: new Uint8Array(size),
  done,
});

const tagOf = (entry: QueuedFrame | undefined): number | undefined => entry?.header.correlation;

/** The private array behind the queue, to prove it does not grow without bound. */
const backingLength = (q: SendQueue): number => (q as unknown as { items: unknown[] }).items.length;

queue('an empty queue has nothing to peek or shift, and counts zero entries and zero bytes', () => {
  const q = new SendQueue();
  assert.is(q.peek(), undefined);
  assert.is(q.shift(), undefined);
  assert.is(q.length, 0);
  assert.is(q.bytes, 0, 'a shift of nothing subtracts nothing');
});

queue('peek shows the oldest entry without removing it; shift removes exactly that entry', () => {
  const q = new SendQueue();
  const first = frame(1);
  q.push(first);
  q.push(frame(2));
  assert.is(q.peek(), first, 'the same object, not a copy');
  assert.is(q.peek(), first, 'peek twice: still there');
  assert.is(q.length, 2);
  assert.is(q.shift(), first);
  assert.is(tagOf(q.peek()), 2);
  assert.is(q.length, 1);
});

queue('10,000 entries pushed then shifted come out in order, with exact byte counts all the way', () => {
  const q = new SendQueue();
  let bytes = 0;
  for (let tag = 0; tag < 10_000; tag++) {
    q.push(frame(tag, tag % 37));
    bytes += tag % 37;
    assert.is(q.bytes, bytes);
  }
  assert.is(q.length, 10_000);
  for (let tag = 0; tag < 10_000; tag++) {
    assert.is(tagOf(q.shift()), tag);
    bytes -= tag % 37;
    assert.is(q.bytes, bytes, `after shifting ${tag}`);
  }
  assert.is(q.length, 0);
  assert.is(q.bytes, 0);
});

queue('interleaved push and shift keep the order across compactions, and the backing array stays bounded', () => {
  const q = new SendQueue();
  let pushed = 0;
  let shifted = 0;
  // Three pushes for every two shifts, then drain: the head passes the compaction threshold many times over.
  for (let round = 0; round < 20_000; round++) {
    q.push(frame(pushed++, 1));
    q.push(frame(pushed++, 1));
    q.push(frame(pushed++, 1));
    assert.is(tagOf(q.shift()), shifted++);
    assert.is(tagOf(q.shift()), shifted++);
  }
  assert.is(q.length, pushed - shifted);
  assert.is(q.bytes, pushed - shifted);
  while (q.length > 0) assert.is(tagOf(q.shift()), shifted++);
  assert.is(shifted, pushed);

  // Steady state: one waiting entry, 100,000 frames through. Without compaction the array would hold 100,000 slots.
  q.push(frame(pushed++));
  for (let i = 0; i < 100_000; i++) {
    q.push(frame(pushed++));
    assert.is(tagOf(q.shift()), shifted++);
  }
  assert.is(q.length, 1);
  assert.ok(backingLength(q) < 4096, `backing array of ${backingLength(q)} slots for one waiting entry`);
});

queue('clear fails every waiting send with the error, oldest first, and leaves the queue empty', () => {
  const q = new SendQueue();
  const failed: [number, Error | undefined][] = [];
  const error = new Error('closed');
  for (let tag = 0; tag < 5; tag++) q.push(frame(tag, 10, (e) => failed.push([tag, e])));
  q.push(frame(5, 10)); // a send nobody waits for (no callback): cleared silently
  q.clear(error);
  assert.equal(
    failed,
    [0, 1, 2, 3, 4].map((tag) => [tag, error]),
  );
  assert.is(q.length, 0);
  assert.is(q.bytes, 0);
  assert.is(q.peek(), undefined);
});

queue('a send queued from inside a failed callback during clear is failed too, not left waiting', () => {
  const q = new SendQueue();
  const failed: number[] = [];
  const error = new Error('closed');
  q.push(
    frame(0, 1, () => {
      failed.push(0);
      q.push(frame(1, 1, (e) => failed.push(e === error ? 1 : -1)));
    }),
  );
  q.clear(error);
  assert.equal(failed, [0, 1]);
  assert.is(q.length, 0);
});

queue('entries are kept as given, header object included: the queue does not copy (the sender copies payloads)', () => {
  const q = new SendQueue();
  const entry = frame(9, 3);
  q.push(entry);
  entry.payload[0] = 0x7f;
  const out = q.shift()!;
  assert.is(out.header, entry.header);
  assert.is(out.payload[0], 0x7f);
});

queue.run();
