/**
 * A drain of Batch frames, or of large Data frames, can span the whole ring: the Receiver stores READ_POSITION (and rings a producer parked for
 * room) every RELEASE_EVERY_BYTES within the drain, not only at its end, so a producer waiting for room writes while
 * the consumer is still delivering instead of taking turns with it. Forged frames in a real ring in this process.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { READ_POSITION_OFFSET } from '../../../src/layout/ring-descriptor.js';
import { RELEASE_EVERY_BYTES } from '../../../src/streams/engine/receiver.js';
import { receiverOnRing } from '../../helpers/engine-receiver.js';
import { writeBatchFrame, writeRawFrame } from '../../helpers/engine-rings.js';
import { FrameKind } from '../../../src/codecs/index.js';
import { payload } from '../../helpers/layout.js';

const test = suite('Receiver releases room within a drain');

const CAPACITY = 1 << 20;
/** 4 KiB Batch frames of 64 B messages (one record each: 16 + 56 entries of 72 bytes, 8 of header). */
const batch = (n: number): Uint8Array[] => Array.from({ length: 56 }, (_, i) => payload(64, n * 56 + i));

test('READ_POSITION moves and a parked producer is rung every RELEASE_EVERY_BYTES of one drain', () => {
  const { receiver: r, writer, sink, buffer, wordIndex, rings } = receiverOnRing({ capacity: CAPACITY });
  const frames = Math.ceil((3 * RELEASE_EVERY_BYTES) / 4096) + 2;
  for (let n = 0; n < frames; n++) writeBatchFrame(writer, batch(n));
  const words = new Int32Array(buffer);
  const stored: number[] = [];
  const bells: number[] = [];
  writer.park(); // the producer waits for room
  sink.onData = () => {
    stored.push(Atomics.load(words, wordIndex(READ_POSITION_OFFSET)) >>> 0);
    bells.push(rings());
    if (bells.length > 1 && bells.at(-1)! > bells.at(-2)!) writer.park(); // it waits again after each bell
  };
  assert.ok(r.drain());
  assert.is(sink.delivered.length, frames * 56, 'every message delivered in one drain');
  const distinct = [...new Set(stored)];
  assert.ok(distinct.length >= 3, `READ_POSITION stored mid-drain: ${distinct.join(', ')}`);
  for (let i = 1; i < distinct.length; i++) {
    const step = distinct[i]! - distinct[i - 1]!;
    assert.ok(
      step >= RELEASE_EVERY_BYTES && step < RELEASE_EVERY_BYTES + 4096 + 64,
      `published every ~64 KiB: ${step}`,
    );
  }
  assert.ok(bells.at(-1)! >= 2, `the parked producer rung within the drain: ${bells.at(-1)} bells`);
  assert.is(
    Atomics.load(words, wordIndex(READ_POSITION_OFFSET)) >>> 0,
    writer.writePosition,
    'all released at the end',
  );
});

test('large Data frames too: READ_POSITION is stored every RELEASE_EVERY_BYTES of the drain, a parked producer rung', () => {
  const { receiver: r, writer, sink, buffer, wordIndex, rings } = receiverOnRing({ capacity: CAPACITY });
  const frames = 12; // 16 KiB messages: 192 KiB in one drain
  for (let n = 0; n < frames; n++) writeRawFrame(writer, { kind: FrameKind.Data }, payload(16 * 1024, n));
  const words = new Int32Array(buffer);
  const stored: number[] = [];
  writer.park();
  sink.onData = () => {
    stored.push(Atomics.load(words, wordIndex(READ_POSITION_OFFSET)) >>> 0);
    writer.park(); // it waits again after each bell
  };
  assert.ok(r.drain());
  assert.is(sink.delivered.length, frames, 'every message delivered in one drain');
  const distinct = [...new Set(stored)];
  assert.ok(distinct.length >= 3, `READ_POSITION stored mid-drain: ${distinct.join(', ')}`);
  assert.ok(rings() >= 2, `the parked producer rung within the drain: ${rings()} bells`);
  for (let i = 0; i < frames; i++) assert.equal(sink.delivered[i], payload(16 * 1024, i), `message ${i} intact`);
});

test('a drain shorter than RELEASE_EVERY_BYTES stores READ_POSITION once, at its end', () => {
  const { receiver: r, writer, sink, buffer, wordIndex } = receiverOnRing({ capacity: CAPACITY });
  for (let n = 0; n < 3; n++) writeBatchFrame(writer, batch(n));
  const words = new Int32Array(buffer);
  const stored = new Set<number>();
  sink.onData = () => stored.add(Atomics.load(words, wordIndex(READ_POSITION_OFFSET)) >>> 0);
  r.drain();
  assert.equal([...stored], [0], 'nothing stored during the drain');
  assert.is(Atomics.load(words, wordIndex(READ_POSITION_OFFSET)) >>> 0, writer.writePosition);
});

test.run();
