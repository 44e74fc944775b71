/**
 * Sender packing when room is short (docs/LAYOUT.md 6, "Batch frames"): a Batch frame takes only the free contiguous
 * room (smaller than PACK_BYTES near the wrap, with padding to the end when the next one cannot fit), a full ring
 * queues what does not fit and later flushes deliver it in order, rings of every valid capacity (1 KiB up, smaller
 * than a full Batch frame) still take a burst, and a parked consumer is rung when a batch is published.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, batchEntryLength } from '../../../src/codecs/index.js';
import type { RingReader } from '../../../src/layout/ring-reader.js';
import { maxMessageFor } from '../../../src/streams/channel/options.js';
import { PACK_BYTES, PACK_MAX_MESSAGE } from '../../../src/streams/engine/batch-packer.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import type { Sender } from '../../../src/streams/engine/sender.js';
import { readMessages, type ReadMessage } from '../../helpers/engine-rings.js';
import { bytes, endOfBurst, senderOnRing } from '../../helpers/engine-sender.js';
import { payload } from '../../helpers/layout.js';

const test = suite('Sender Batch frames, short of room');

/** A sender on a ring of `capacity` bytes whose consumer announced that it reads Batch frames. */
function setup(capacity: number): ReturnType<typeof senderOnRing> {
  const ring = senderOnRing('block', 1 << 20, capacity);
  ring.reader.announceReadsBatches();
  return ring;
}

/** As an engine would: publish, let the consumer read, flush the queue; until nothing is queued. */
function pump(s: Sender, reader: RingReader, got: ReadMessage[]): number {
  let rounds = 0;
  while (s.queued > 0) {
    if (++rounds > 10_000) throw new Error('pump: the queue never empties');
    s.publish();
    got.push(...readMessages(reader, got.length));
    s.flush();
  }
  return rounds;
}

/** Bytes of entries per Batch record. */
function batchBytes(got: ReadMessage[]): number[] {
  const per = new Map<number, number>();
  for (const m of got)
    if (m.kind === FrameKind.Batch) per.set(m.record, (per.get(m.record) ?? 0) + batchEntryLength(m.payload.length));
  return [...per.values()];
}

const plain = (sent: Uint8Array[]): number[][] => sent.map((p) => [...p]);

test('near the wrap a Batch frame takes only the contiguous room, then padding, then the next one at 0', async () => {
  const capacity = 16384;
  const { sender: s, reader, writer } = setup(capacity);
  // 14 records of 1128 bytes (Data over PACK_MAX_MESSAGE goes alone), read at once: 592 bytes left to the end.
  for (let i = 0; i < 14; i++) s.send(DATA_FRAME, payload(1100, 1000 + i));
  await endOfBurst();
  assert.is(readMessages(reader).length, 14);
  assert.is(capacity - writer.writePosition, 592);
  const sent = Array.from({ length: 100 }, (_, i) => payload(50, i)); // 64-byte entries
  sent.forEach((p) => assert.is(s.send(DATA_FRAME, p), 'written'));
  await endOfBurst();
  const got = readMessages(reader);
  assert.equal(
    got.map((m) => m.payload),
    plain(sent),
  );
  const sizes = batchBytes(got);
  // Data (80 bytes) leaves 512 to the end: room for 488 bytes of entries, 7 (448); the next needs padding to the end.
  assert.is(sizes[0], 7 * 64, 'the first batch holds what fits before the end');
  assert.ok(sizes.length >= 2);
  assert.ok(
    sizes.every((n) => n <= PACK_BYTES),
    `${sizes}`,
  );
  assert.ok(writer.writePosition > capacity, 'wrapped');
});

test('behind a slow reader a Batch frame takes what is free, the rest queues and is flushed in order', async () => {
  const { sender: s, reader, stats } = setup(16384);
  const sent = Array.from({ length: 600 }, (_, i) => payload((i * 13) % 200, i));
  let queued = 0;
  for (const p of sent) if (s.send(DATA_FRAME, p) === 'queued') queued++;
  assert.ok(queued > 0, 'the ring filled up');
  const got: ReadMessage[] = [];
  const rounds = pump(s, reader, got);
  await endOfBurst();
  got.push(...readMessages(reader, got.length));
  assert.ok(rounds > 1, `${rounds} rounds`);
  assert.equal(
    got.map((m) => m.payload),
    plain(sent),
  );
  const sizes = batchBytes(got);
  assert.ok(sizes.length > 2, 'flushes pack too');
  assert.ok(
    sizes.every((n) => n <= PACK_BYTES),
    `${sizes}`,
  );
  assert.is(stats.sent, sent.length);
});

test('a partly filled ring with the reader behind: a Batch frame smaller than PACK_BYTES, then the rest', async () => {
  const { sender: s, reader, writer } = setup(16384);
  for (let i = 0; i < 12; i++) s.send(DATA_FRAME, payload(1100, 500 + i)); // 13488 bytes, unread
  await endOfBurst();
  const free = writer.freeBytes();
  const sent = Array.from({ length: 120 }, (_, i) => payload(24, i)); // 32-byte entries
  const results = sent.map((p) => s.send(DATA_FRAME, p));
  assert.ok(results.includes('queued'), 'more than fits');
  const got: ReadMessage[] = [];
  pump(s, reader, got);
  await endOfBurst();
  got.push(...readMessages(reader, got.length));
  assert.equal(
    got.slice(12).map((m) => m.payload),
    plain(sent),
  );
  const first = batchBytes(got)[0]!;
  assert.ok(first < PACK_BYTES && first + 16 + 8 <= free, `first batch ${first} bytes, ${free} were free`);
});

test('a ring too small for a full Batch frame (1 KiB to 8 KiB) still takes a burst of small messages', async () => {
  for (const capacity of [1024, 2048, 4096, 8192]) {
    const { sender: s, reader } = setup(capacity);
    const sent = Array.from({ length: 40 }, (_, i) => payload(40, i));
    const got: ReadMessage[] = [];
    let threw: unknown;
    try {
      for (const p of sent) s.send(DATA_FRAME, p);
      pump(s, reader, got);
      await endOfBurst();
      got.push(...readMessages(reader, got.length));
    } catch (error) {
      threw = error;
    }
    assert.is(threw, undefined, `capacity ${capacity}: send threw ${String(threw)}`);
    assert.equal(
      got.map((m) => m.payload),
      plain(sent),
      `capacity ${capacity}`,
    );
  }
});

test("in a 1 KiB ring a message of the ring's maxMessage after a Data frame is sent, not refused", async () => {
  const capacity = 1024;
  const largest = Math.min(maxMessageFor(capacity), PACK_MAX_MESSAGE); // 1000: small enough to be packed
  const { sender: s, reader } = setup(capacity);
  const sent = [payload(8, 1), payload(largest, 2)];
  const got: ReadMessage[] = [];
  let threw: unknown;
  try {
    s.send(DATA_FRAME, sent[0]!);
    s.publish(); // an engine step within the burst: the next Data still follows a Data frame
    got.push(...readMessages(reader));
    s.send(DATA_FRAME, sent[1]!);
    pump(s, reader, got);
    await endOfBurst();
    got.push(...readMessages(reader, got.length));
  } catch (error) {
    threw = error;
  }
  assert.is(threw, undefined, `send threw ${String(threw)}`);
  assert.equal(
    got.map((m) => m.payload),
    plain(sent),
  );
});

test('a parked consumer is rung when a batch is published: full, at an engine step, at the burst end', async () => {
  const { sender: s, reader, events } = setup(1 << 16);
  s.send(DATA_FRAME, bytes(0));
  s.send(DATA_FRAME, bytes(1));
  reader.park(); // it found nothing: nothing is published yet
  assert.equal(events, []);
  await endOfBurst();
  assert.equal(events, ['ring'], 'the burst end published the batch and rang');
  assert.equal(
    readMessages(reader).map((m) => m.payload),
    [[0], [1]],
  );

  s.send(DATA_FRAME, bytes(2));
  s.send(DATA_FRAME, bytes(3));
  reader.park();
  s.publish();
  assert.equal(events, ['ring', 'ring'], 'an engine step published the batch and rang');
  assert.is(readMessages(reader).length, 2);

  const big = payload(PACK_MAX_MESSAGE, 9);
  const fill = Math.floor(PACK_BYTES / batchEntryLength(PACK_MAX_MESSAGE)); // entries that fill a batch
  s.send(DATA_FRAME, big); // after publish(), as after a burst's end, the next message goes alone
  for (let i = 0; i < fill; i++) s.send(DATA_FRAME, big);
  reader.park();
  assert.equal(events, ['ring', 'ring']);
  s.send(DATA_FRAME, big); // does not fit: the full batch is closed and published, a new one opened
  assert.equal(events, ['ring', 'ring', 'ring'], 'a full batch is published at once and rings');
  const got = readMessages(reader);
  assert.equal(
    got.map((m) => m.kind),
    [FrameKind.Data, ...Array<number>(fill).fill(FrameKind.Batch)],
  );
  await endOfBurst();
  assert.is(readMessages(reader).length, 1);
});

test('a consumer rewriting the open Batch frame cannot make closing it throw: a lone entry goes as the Data frame sent', () => {
  const { sender: s, reader, dataStart, buffer } = setup(1 << 16);
  s.send(DATA_FRAME, bytes(1)); // alone: a Data record of 32 bytes at data offset 0
  const second = payload(10, 2);
  s.send(DATA_FRAME, second); // opens a Batch frame at offset 32: its first entry's LENGTH at 32 + 8 + 16
  new DataView(buffer).setUint32(dataStart + 56, 0xfffffff0, true); // a hostile consumer's write
  assert.not.throws(() => s.publish());
  assert.equal(
    readMessages(reader).map((m) => [m.kind, m.payload]),
    [
      [FrameKind.Data, [1]],
      [FrameKind.Data, [...second]],
    ],
  );
});

test.run();
