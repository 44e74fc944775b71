/**
 * BufferPool (the memory of the Sender's queued copies) on its own and under a Sender at a full ring: copies are
 * byte-exact and independent of the caller's buffer, a buffer is never handed out again while a queued frame still
 * holds it, released buffers are reused (the point of the pool), the free memory kept is bounded, and messages
 * queued under `block` from one buffer the caller keeps rewriting arrive byte-exact and in order across many reuses.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH } from '../../../src/codecs/index.js';
import type { RingReader } from '../../../src/layout/index.js';
import { resolveOptions } from '../../../src/streams/channel/options.js';
import { BufferPool, POOLED_MIN_BYTES } from '../../../src/streams/engine/buffer-pool.js';
import { EngineStats } from '../../../src/streams/engine/engine-stats.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { Sender } from '../../../src/streams/engine/sender.js';
import { readFrames, testRing } from '../../helpers/engine-rings.js';

/** Copies the payload of the frame under the reader's cursor, then releases it. */
function payloadOf(reader: RingReader): Uint8Array {
  const at = reader.payloadOffset;
  const payload = reader.bytes.slice(at + FRAME_HEADER_LENGTH, at + reader.payloadLength);
  reader.release();
  return payload;
}

const pool = suite('BufferPool');

/** `length` bytes where byte i is (seed + i) & 255. */
const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (seed + i) & 255);

pool('a copy is byte-exact and stays so when the caller rewrites its buffer', () => {
  const p = new BufferPool(1 << 20);
  for (const length of [0, 1, POOLED_MIN_BYTES - 1, POOLED_MIN_BYTES, 3000, 65536]) {
    const source = pattern(length, 7);
    const copy = p.copy(source);
    source.fill(0);
    assert.equal(copy, pattern(length, 7), `length ${length}`);
    assert.is(copy.length, length);
  }
});

pool('copies held at the same time never share memory; a released buffer is reused by the next copy', () => {
  const p = new BufferPool(1 << 20);
  const held = Array.from({ length: 8 }, (_, i) => p.copy(pattern(5000, i)));
  assert.is(new Set(held.map((c) => c.buffer)).size, 8, 'eight live copies, eight buffers');
  const freed = held[3].buffer;
  p.release(held[3]);
  assert.is(p.freeBytes, 8192, 'one 8 KiB buffer free');
  const next = p.copy(pattern(4100, 99)); // same size class (8 KiB)
  assert.is(next.buffer, freed, 'the released buffer comes back');
  assert.equal(next, pattern(4100, 99));
  assert.is(p.freeBytes, 0);
  for (const i of [0, 1, 2, 4, 5, 6, 7]) assert.equal(held[i], pattern(5000, i), `live copy ${i} untouched`);
  const another = p.copy(pattern(5000, 1));
  assert.not.ok(
    held.some((c, i) => i !== 3 && c.buffer === another.buffer),
    'nothing still held is handed out',
  );
});

pool('small copies are plain slices: release ignores them, and ignores views it did not make', () => {
  const p = new BufferPool(1 << 20);
  const small = p.copy(pattern(100, 1));
  p.release(small);
  assert.is(p.freeBytes, 0);
  p.release(new Uint8Array(10_000)); // not a power-of-two pool buffer
  p.release(new Uint8Array(16_384).subarray(1, 9000)); // a view at an offset
  assert.is(p.freeBytes, 0, 'foreign buffers are left to the garbage collector');
});

pool('free buffers are bounded by the budget; drop lets them all go', () => {
  const p = new BufferPool(3 * 4096);
  const copies = Array.from({ length: 6 }, (_, i) => p.copy(pattern(4096, i)));
  for (const copy of copies) p.release(copy);
  assert.is(p.freeBytes, 3 * 4096, 'three kept, three left to the garbage collector');
  p.drop();
  assert.is(p.freeBytes, 0);
  assert.is.not(p.copy(pattern(4096, 0)).buffer, copies[0].buffer);
});

pool('Sender, block: 2,000 queued messages from one rewritten buffer arrive byte-exact, in order', () => {
  const ring = testRing(1 << 16);
  const sender = new Sender(ring.writer, resolveOptions({ overflow: 'block' }), new EngineStats(), {
    ring: () => undefined,
    activity: () => undefined,
    closeSent: () => undefined,
    writableChanged: () => undefined,
  });
  const buffer = new Uint8Array(6000);
  const received: Uint8Array[] = [];
  let queued = 0;
  for (let i = 0; i < 2000; i++) {
    const length = 1500 + ((i * 797) % 4500); // several size classes, so buffers of different sizes mix
    buffer.set(pattern(length, i));
    if (sender.send(DATA_FRAME, buffer.subarray(0, length)) === 'queued') queued++;
    buffer.fill(0xee); // the caller reuses its buffer at once
    // The consumer lags: four messages per five sends, so the queue stays long and buffers are reused under it.
    if (i % 5 === 4) {
      sender.publish();
      for (let n = 0; n < 4 && ring.reader.poll(); n++) received.push(payloadOf(ring.reader));
      sender.flush();
    }
  }
  while (sender.queued > 0 || received.length < 2000) {
    sender.flush();
    sender.publish();
    const frames = readFrames(ring.reader);
    if (frames.length === 0 && sender.queued === 0) break;
    for (const frame of frames) received.push(Uint8Array.from(frame.payload));
  }
  assert.ok(queued > 1000, `most sends were queued (${queued}): the pool was exercised`);
  assert.is(received.length, 2000);
  for (let i = 0; i < 2000; i++) {
    const length = 1500 + ((i * 797) % 4500);
    assert.equal(received[i], pattern(length, i), `message ${i}`);
  }
});

pool.run();
