/**
 * The `pooled` receive's buffers (engine/recycled-copies.ts) and `recycle()`: a buffer is handed out again only
 * after its message was recycled, once; every other recycle is refused (false) and changes nothing; small payloads
 * are ordinary copies; the free buffers kept are bounded. Then the Receiver in `pooled` mode over a real ring.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind } from '../../../src/codecs/index.js';
import { recycle, RECYCLED_BUDGET_BYTES, RecycledCopies } from '../../../src/streams/engine/recycled-copies.js';
import { writeRawFrame } from '../../helpers/engine-rings.js';
import { receiverOnRing } from '../../helpers/engine-receiver.js';

const test = suite('recycled copies');

/** A source of `length` bytes, each `(i * 7 + salt) & 255`. */
function source(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + salt) & 255);
}
const matches = (bytes: Uint8Array, salt: number): boolean => bytes.every((b, i) => b === ((i * 7 + salt) & 255));

test('a copy holds exactly the payload, at byteOffset 0 of a pooled buffer', () => {
  const copies = new RecycledCopies();
  const from = source(3000, 1);
  const copy = copies.copy(from, 100, 2000);
  assert.is(copy.length, 2000);
  assert.is(copy.byteOffset, 0);
  assert.is(copy.buffer.byteLength, 2048, 'a power-of-two size class');
  assert.ok(copy.every((b, i) => b === from[100 + i]));
  from.fill(0);
  assert.is(copy[1], (101 * 7 + 1) & 255, 'a copy, not a view of the source');
});

test('a buffer is reused only after its message was recycled', () => {
  const copies = new RecycledCopies();
  const held = Array.from({ length: 50 }, (_, i) => copies.copy(source(4096, i), 0, 4096));
  assert.is(new Set(held.map((m) => m.buffer)).size, 50, 'nothing recycled: every message has its own buffer');
  assert.ok(
    held.every((m, i) => matches(m, i)),
    'and none was overwritten',
  );
  const first = held[0]!;
  assert.ok(recycle(first));
  const next = copies.copy(source(4096, 99), 0, 4096);
  assert.is(next.buffer, first.buffer, 'the recycled buffer comes back');
  assert.ok(matches(next, 99));
  assert.ok(
    held.slice(1).every((m, i) => matches(m, i + 1)),
    'messages still lent are untouched',
  );
});

test('recycle refuses, and changes nothing for, what it cannot take back', () => {
  const copies = new RecycledCopies();
  const message = copies.copy(source(2048, 3), 0, 2048);
  assert.ok(recycle(message));
  assert.not.ok(recycle(message), 'twice');
  const a = copies.copy(source(2048, 4), 0, 2048);
  const b = copies.copy(source(2048, 5), 0, 2048);
  assert.is.not(a.buffer, b.buffer, 'a twice-recycled buffer is not handed out twice');

  const small = copies.copy(source(1023, 6), 0, 1023);
  assert.not.ok(recycle(small), 'below 1 KiB: an ordinary copy');
  assert.not.ok(recycle(new Uint8Array(4096)), 'bytes rxshm did not lend');
  assert.not.ok(recycle('bytes' as never), 'not a Uint8Array');

  const viewed = copies.copy(source(4096, 7), 0, 4096);
  assert.not.ok(recycle(viewed.subarray(1)), 'a view that does not start at the first byte');
  assert.not.ok(recycle(viewed), 'the view took its lending with it: the buffer is left to the garbage collector');
  assert.ok(matches(viewed, 7));

  const sent = copies.copy(source(4096, 8), 0, 4096);
  structuredClone(sent.buffer, { transfer: [sent.buffer as ArrayBuffer] }); // detaches it, as postMessage would
  assert.not.ok(recycle(sent), 'a transferred buffer never comes back');
  const after = copies.copy(source(4096, 9), 0, 4096);
  assert.is(after.length, 4096);
  assert.ok(matches(after, 9));
});

test('the free buffers kept are bounded by RECYCLED_BUDGET_BYTES', () => {
  const copies = new RecycledCopies();
  const size = 64 * 1024;
  const count = RECYCLED_BUDGET_BYTES / size + 8;
  const lentOut = Array.from({ length: count }, (_, i) => copies.copy(source(size, i), 0, size));
  const taken = lentOut.map((m) => recycle(m)).filter(Boolean).length;
  assert.is(taken, RECYCLED_BUDGET_BYTES / size, 'the rest are left to the garbage collector');
});

test('a Receiver in pooled mode delivers copies that outlive the ring, reusing recycled buffers', () => {
  const { receiver: r, writer, sink, buffer } = receiverOnRing({ capacity: 65536, pooled: true });
  const got: Uint8Array[] = [];
  sink.onData = (p) => got.push(p);
  const frame = (salt: number): [{ kind: number }, Uint8Array] => [{ kind: FrameKind.Data }, source(5000, salt)];
  writeRawFrame(writer, ...frame(1));
  writeRawFrame(writer, ...frame(2));
  r.drain();
  assert.is(got.length, 2);
  assert.ok(got[0]!.buffer !== buffer && got[0]!.buffer !== got[1]!.buffer, 'two buffers of their own');
  assert.ok(recycle(got[0]!));
  writeRawFrame(writer, ...frame(3));
  r.drain();
  assert.is(got[2]!.buffer, got[0]!.buffer, 'the recycled one is reused');
  new Uint8Array(buffer).fill(0xee); // the peer reuses the ring
  assert.ok(matches(got[1]!, 2), 'a message still lent keeps its bytes');
  assert.ok(matches(got[2]!, 3));
});

test.run();
