/**
 * The Receiver's `batch` mode and BatchCopies: every payload is copied out before its record is released (never a
 * view of the ring, even under `receive: 'borrow'`), small payloads own their buffer, larger ones are carved out
 * of a shared chunk, and no copy ever changes afterwards: not when the ring is reused lap after lap, not when later
 * copies are carved, not when the user transfers a chunk away.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchCopies } from '../../../src/streams/engine/copy-batch.js';
import { writeRawFrame } from '../../helpers/engine-rings.js';
import { receiverOnRing as setup } from '../../helpers/engine-receiver.js';
import { FrameKind } from '../../../src/codecs/index.js';
import { checkFill, payload } from '../../helpers/layout.js';

const test = suite('Receiver batch mode');

test('batch mode delivers copies, never views of the ring, even when borrowing', () => {
  for (const borrow of [false, true]) {
    const { receiver: r, writer, sink, buffer } = setup({ borrow, capacity: 4096 });
    sink.mode = 'batch';
    const got: Uint8Array[] = [];
    sink.onData = (p) => got.push(p);
    writeRawFrame(writer, { kind: FrameKind.Data }, payload(10, 1));
    writeRawFrame(writer, { kind: FrameKind.Data }, payload(200, 2));
    writeRawFrame(writer, { kind: FrameKind.Data }, payload(300, 3));
    r.drain();
    assert.is(got.length, 3);
    assert.ok(
      got.every((p) => p.buffer !== buffer),
      `borrow=${borrow}: copies`,
    );
    assert.is(got[0]!.buffer.byteLength, 10, 'a small payload owns its buffer');
    assert.is(got[1]!.buffer, got[2]!.buffer, 'larger payloads share a chunk');
    assert.is(got[2]!.byteOffset % 8, 0, 'carved copies are 8-byte aligned');
    assert.is(sink.drains, 1, 'one drain, one batch');
  }
});

test('kept batch copies never change while the ring is reused for thousands of later messages', () => {
  const { receiver: r, writer, sink } = setup({ capacity: 4096 });
  sink.mode = 'batch';
  const kept: Uint8Array[] = [];
  let tag = 0;
  sink.onData = (copy) => void kept.push(copy);
  for (let lap = 0; lap < 400; lap++) {
    // ~3.4 KiB per lap through a 4 KiB ring: it wraps every lap, and each lap overwrites the last one's records.
    for (const size of [1, 64, 65, 700, 2500]) writeRawFrame(writer, { kind: FrameKind.Data }, payload(size, tag++));
    r.drain();
  }
  assert.is(kept.length, tag);
  const bad = kept.map((copy, i) => checkFill(copy, 0, copy.length, i)).filter((at) => at !== -1);
  assert.equal(bad, [], 'every kept copy still holds exactly what was sent');
});

test('a chunk transferred away by the user is replaced: later copies are intact', () => {
  const copies = new BatchCopies();
  const source = payload(1000, 7);
  const first = copies.copy(source, 0, 500);
  const chunk = first.buffer as ArrayBuffer;
  structuredClone(chunk, { transfer: [chunk] }); // detaches the chunk, as a postMessage transfer would
  assert.is(first.length, 0, 'detached');
  const second = copies.copy(source, 500, 500);
  assert.is(second.length, 500);
  assert.equal([...second], [...source.subarray(500)]);
});

test('chunks are 64 KiB (under the mmap threshold: reused memory), a larger payload gets its own', () => {
  const copies = new BatchCopies();
  const source = new Uint8Array(4 << 20);
  const first = copies.copy(source, 0, 100);
  assert.is(first.buffer.byteLength, 64 * 1024);
  assert.is(copies.copy(source, 100, 100).buffer, first.buffer, 'the next copy shares the chunk');
  const block = copies.copyBlock(source, 0, 65_400);
  assert.is.not(block.buffer, first.buffer, 'no room left in the chunk: a new one');
  assert.is(block.buffer.byteLength, 64 * 1024);
  const large = new BatchCopies();
  assert.is(large.copy(source, 0, 3 << 20).buffer.byteLength, 3 << 20, 'a payload larger than a chunk');
});

test.run();
