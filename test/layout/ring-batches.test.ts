/**
 * The ring side of Batch frames (docs/LAYOUT.md 4.1 and 6): CONSUMER_FLAG_READS_BATCHES is bit 0 of the u32 at byte 72
 * of the ring header, set by RingReader.announceReadsBatches() (an OR that keeps other bits), seen by
 * RingWriter.consumerReadsBatches() at every call, cleared by resetRing. RingWriter.tryClaimUpTo reserves
 * min(most, MAX_MESSAGE, contiguous free room) with a record that exactly fills that room, falls back to tryClaim(least)
 * (padding at the wrap, or RING_FULL) when even `least` does not fit contiguously and always under drop-oldest, and a
 * commit of less than the claim publishes only the record of what was committed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONSUMER_FLAGS_OFFSET,
  CONSUMER_FLAG_READS_BATCHES,
  CONSUMER_PARKED_OFFSET,
  READ_POSITION_OFFSET,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_PADDING,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
  recordLength,
} from '../../src/layout/ring-descriptor.js';
import { FrameC, FrameKind, batchEntryLength, batchViolation, writeFrameHeader } from '../../src/codecs/index.js';
import { resetRing } from '../../src/layout/channel-segment.js';
import { RingReader } from '../../src/layout/ring-reader.js';
import { RING_FULL, RingWriter } from '../../src/layout/ring-writer.js';
import { TEST_RING_OFFSET, checkFill, fill, makeRing, payload } from '../helpers/layout.js';

const CAP = 1024;
const DATA = TEST_RING_OFFSET + RING_HEADER_LENGTH;

const u32 = (buffer: ArrayBufferLike, offset: number): number =>
  new DataView(buffer).getUint32(TEST_RING_OFFSET + offset, true);
const setU32 = (buffer: ArrayBufferLike, offset: number, value: number): void =>
  new DataView(buffer).setUint32(TEST_RING_OFFSET + offset, value, true);
/** [length, type] of the record at data-area `offset`. */
const recordAt = (buffer: ArrayBufferLike, offset: number): [number, number] => {
  const data = new DataView(buffer);
  return [data.getUint32(DATA + offset, true), data.getUint16(DATA + offset + 4, true)];
};
/** Reads one message and checks it is `payload(length, tag)`. */
function expectMessage(reader: RingReader, length: number, tag: number): void {
  assert.ok(reader.poll(), `expected a message of ${length} bytes`);
  assert.is(reader.payloadLength, length);
  assert.is(checkFill(reader.bytes, reader.payloadOffset, length, tag), -1, `content of tag=${tag}`);
  assert.ok(reader.release());
}
/** Writes `lengths` as records, then has the reader consume the first `consumed` of them. */
function prefill(ring: ReturnType<typeof makeRing>, lengths: number[], consumed: number): void {
  lengths.forEach((n, i) => assert.ok(ring.writer.tryWrite(payload(n, 100 + i))));
  for (let i = 0; i < consumed; i++) expectMessage(ring.reader, lengths[i]!, 100 + i);
}

const flag = suite('ring: CONSUMER_FLAG_READS_BATCHES');

flag('the constants: byte 72 of the ring header (the consumer line), bit 0', () => {
  assert.is(CONSUMER_FLAGS_OFFSET, 72);
  assert.is(CONSUMER_FLAG_READS_BATCHES, 1);
});

flag('a fresh ring: not announced; announce sets bit 0 of the word at 72 and nothing else', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.is(writer.consumerReadsBatches(), false);
  assert.is(u32(buffer, 72), 0);
  reader.announceReadsBatches();
  assert.is(writer.consumerReadsBatches(), true);
  assert.is(u32(buffer, 72), 1);
  assert.is(u32(buffer, CONSUMER_PARKED_OFFSET), 0);
  assert.is(u32(buffer, READ_POSITION_OFFSET), 0);
  reader.announceReadsBatches();
  assert.is(u32(buffer, 72), 1, 'idempotent');
});

flag('announce ORs the bit in (other bits kept); the writer reads the raw word every time', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  setU32(buffer, 72, 0x100);
  assert.is(writer.consumerReadsBatches(), false, 'another bit is not this flag');
  reader.announceReadsBatches();
  assert.is(u32(buffer, 72), 0x101);
  assert.is(writer.consumerReadsBatches(), true);
  setU32(buffer, 72, 0);
  assert.is(writer.consumerReadsBatches(), false, 'not cached');
  setU32(buffer, 72, 1);
  assert.is(writer.consumerReadsBatches(), true);
});

flag('resetRing clears it; a writer constructed later does not touch it', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  reader.announceReadsBatches();
  const again = new RingWriter(buffer, TEST_RING_OFFSET, CAP);
  assert.is(again.consumerReadsBatches(), true, 'the producer attaching leaves the consumer line alone');
  resetRing(buffer, TEST_RING_OFFSET);
  assert.is(u32(buffer, 72), 0);
  assert.is(writer.consumerReadsBatches(), false);
  assert.is(new RingWriter(buffer, TEST_RING_OFFSET, CAP).consumerReadsBatches(), false);
});

const upTo = suite('ring: RingWriter.tryClaimUpTo');

upTo('an empty ring: `most` bytes at offset 0; more than fits is cut to maxPayload', () => {
  const { writer } = makeRing(CAP);
  assert.is(writer.tryClaimUpTo(0, 100), DATA + 8);
  assert.is(writer.claimedBytes, 100);
  assert.ok(writer.claiming);
  writer.abort();
  assert.is(writer.tryClaimUpTo(16, 5000), DATA + 8);
  assert.is(writer.claimedBytes, CAP - 8);
  writer.abort();
  assert.is(writer.tryClaimUpTo(CAP - 8, CAP - 8), DATA + 8);
  assert.is(writer.claimedBytes, CAP - 8);
});

upTo('the reader behind limits the room (its new position is loaded), and the record fills it exactly', () => {
  const ring = makeRing(CAP);
  const { buffer, writer, reader } = ring;
  prefill(ring, [504, 400, 96], 0); // records of 512, 408, 104: the ring is full, WRITE_POSITION 1024
  assert.is(writer.tryClaimUpTo(0, 100), RING_FULL);
  expectMessage(reader, 504, 100); // READ_POSITION 512: 512 bytes free, all before the reader
  assert.is(writer.tryClaimUpTo(8, 1000), DATA + 8);
  assert.is(writer.claimedBytes, 504);
  fill(writer.bytes, DATA + 8, 504, 7);
  writer.commit();
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 1536);
  assert.is(writer.freeBytes(), 0);
  expectMessage(reader, 400, 101);
  expectMessage(reader, 96, 102);
  expectMessage(reader, 504, 7);
  assert.is(reader.poll(), false);
});

upTo('with room enough, `most` is what limits', () => {
  const ring = makeRing(CAP);
  prefill(ring, [200, 200], 1); // write 416, read 208
  assert.is(ring.writer.tryClaimUpTo(0, 64), DATA + 416 + 8);
  assert.is(ring.writer.claimedBytes, 64);
});

upTo('near the end of the data area the contiguous room to the end limits, not the free bytes', () => {
  const ring = makeRing(CAP);
  const { buffer, writer, reader } = ring;
  prefill(ring, [904], 1); // write = read = 912: 1024 free, 112 of them before the end
  assert.is(writer.tryClaimUpTo(16, 500), DATA + 912 + 8);
  assert.is(writer.claimedBytes, 104);
  fill(writer.bytes, DATA + 920, 104, 3);
  writer.commit(104);
  assert.equal(recordAt(buffer, 912), [104, RECORD_TYPE_MESSAGE]);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 1024);
  expectMessage(reader, 104, 3);
  // The next claim starts at offset 0 with the whole ring free.
  assert.is(writer.tryClaimUpTo(0, 5000), DATA + 8);
  assert.is(writer.claimedBytes, CAP - 8);
});

upTo('when `least` does not fit before the end: padding published, then a claim of exactly `least` at 0', () => {
  const ring = makeRing(CAP);
  const { buffer, writer, reader } = ring;
  prefill(ring, [904], 1);
  assert.is(writer.tryClaimUpTo(200, 500), DATA + 8);
  assert.is(writer.claimedBytes, 200, 'tryClaim(least), not what is free after the wrap');
  assert.equal(recordAt(buffer, 912), [104, RECORD_TYPE_PADDING]);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 1024, 'the padding is published on its own');
  fill(writer.bytes, DATA + 8, 200, 4);
  writer.commit();
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 1024 + recordLength(200));
  expectMessage(reader, 200, 4);
  assert.is(reader.poll(), false);
});

upTo('RING_FULL when not even `least` fits; nothing claimed or published; room after a release', () => {
  const ring = makeRing(CAP);
  const { buffer, writer, reader } = ring;
  prefill(ring, [CAP - 8], 0);
  assert.is(writer.tryClaimUpTo(0, 100), RING_FULL);
  assert.is(writer.claiming, false);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP);
  expectMessage(reader, CAP - 8, 100);
  assert.is(writer.tryClaimUpTo(0, 100), DATA + 8);
  assert.is(writer.claimedBytes, 100);
});

upTo('RING_FULL when the room before the reader is smaller than `least`', () => {
  const ring = makeRing(CAP);
  prefill(ring, [504, 400, 96], 1); // 512 free, at offset 0, before the reader
  assert.is(ring.writer.tryClaimUpTo(505, 600), RING_FULL);
  assert.is(ring.writer.claiming, false);
  assert.is(ring.writer.tryClaimUpTo(504, 600), DATA + 8);
  assert.is(ring.writer.claimedBytes, 504);
});

upTo('free-running positions across 2^32: the last 16 bytes give a room of 8', () => {
  const buffer = new SharedArrayBuffer(DATA + CAP + 64);
  setU32(buffer, WRITE_POSITION_OFFSET, 2 ** 32 - 16);
  setU32(buffer, READ_POSITION_OFFSET, 2 ** 32 - 16);
  const writer = new RingWriter(buffer, TEST_RING_OFFSET, CAP);
  const reader = new RingReader(buffer, TEST_RING_OFFSET, CAP, CAP - 8);
  assert.is(writer.tryClaimUpTo(0, 100), DATA + 1008 + 8);
  assert.is(writer.claimedBytes, 8);
  fill(writer.bytes, DATA + 1016, 8, 9);
  writer.commit();
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 0);
  expectMessage(reader, 8, 9);
});

upTo('a commit of less than claimed publishes recordLength(committed) only; the reader reads just that', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.is(writer.tryClaimUpTo(0, 1000), DATA + 8);
  assert.is(writer.claimedBytes, 1000);
  fill(writer.bytes, DATA + 8, 1000, 5);
  writer.commit(37);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), recordLength(37));
  assert.equal(recordAt(buffer, 0), [37, RECORD_TYPE_MESSAGE]);
  assert.is(writer.bytesWritten, 37);
  expectMessage(reader, 37, 5);
  assert.is(reader.poll(), false);
  assert.is(writer.tryClaimUpTo(0, 5000), DATA + 48 + 8, 'the next record follows the committed one');
  assert.is(writer.claimedBytes, CAP - 48 - 8);
  assert.throws(() => writer.commit(CAP - 48 - 7), RangeError, 'not more than claimed');
  writer.commit(0);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 56);
});

upTo('drop-oldest: always tryClaim(least), dropping old records rather than RING_FULL', () => {
  const ring = makeRing(CAP, { dropOldest: true });
  const { writer, reader } = ring;
  assert.is(writer.tryClaimUpTo(10, 500), DATA + 8);
  assert.is(writer.claimedBytes, 10);
  writer.abort();
  prefill(ring, [CAP - 8], 0);
  assert.is(writer.tryClaimUpTo(10, 500), DATA + 8);
  assert.is(writer.claimedBytes, 10);
  assert.is(writer.dropped, 1);
  fill(writer.bytes, DATA + 8, 10, 6);
  writer.commit();
  expectMessage(reader, 10, 6);
});

upTo("the writer's maxMessage caps the room; `least` above it is refused", () => {
  const buffer = new SharedArrayBuffer(DATA + CAP + 64);
  const writer = new RingWriter(buffer, TEST_RING_OFFSET, CAP, false, 100);
  assert.is(writer.tryClaimUpTo(0, 1000), DATA + 8);
  assert.is(writer.claimedBytes, 100);
  writer.abort();
  assert.throws(() => writer.tryClaimUpTo(101, 200), RangeError);
  assert.is(writer.claiming, false);
});

upTo('misuse throws: an open claim, least > most, least < 0, least > maxPayload', () => {
  const { writer } = makeRing(CAP);
  writer.tryClaimUpTo(0, 10);
  assert.throws(() => writer.tryClaimUpTo(0, 10), /previous claim not committed/);
  assert.throws(() => writer.tryClaim(10), /previous claim not committed/);
  writer.abort();
  writer.tryClaim(10);
  assert.throws(() => writer.tryClaimUpTo(0, 10), /previous claim not committed/);
  writer.abort();
  assert.throws(() => writer.tryClaimUpTo(20, 10), RangeError);
  assert.throws(() => writer.tryClaimUpTo(-1, 10), RangeError);
  assert.throws(() => writer.tryClaimUpTo(CAP - 7, CAP), RangeError);
  assert.throws(() => writer.tryClaimUpTo(Number.NaN, 10), RangeError);
  assert.is(writer.claiming, false);
  assert.is(writer.tryClaimUpTo(0, 10), DATA + 8, 'still usable');
});

upTo('a Batch frame packed in place in a claim, committed short, reads back whole and well-formed', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  reader.announceReadsBatches();
  assert.ok(writer.consumerReadsBatches());
  const at = writer.tryClaimUpTo(16 + batchEntryLength(5), 16 + 8192);
  const frame = new DataView(buffer);
  let used = 0;
  for (const [i, n] of [5, 0, 13].entries()) {
    frame.setUint32(at + 16 + used, n, true);
    frame.setUint32(at + 16 + used + 4, 0, true);
    fill(writer.bytes, at + 16 + used + 8, n, 40 + i);
    used += batchEntryLength(n);
  }
  writeFrameHeader(frame, at, FrameKind.Batch, 0, 0, 0, 0);
  writer.commit(16 + used);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), recordLength(16 + 16 + 8 + 24));
  assert.ok(reader.poll());
  assert.is(reader.payloadLength, 16 + used);
  assert.is(batchViolation(frame, reader.payloadOffset + 16, reader.payloadLength - 16), undefined);
  const decoded = FrameC.decode(reader.copy());
  assert.is(decoded._tag, 'Right');
  assert.is(checkFill(reader.bytes, reader.payloadOffset + 16 + 16 + 8 + 8, 13, 42), -1, 'third message');
  assert.ok(reader.release());
  assert.is(reader.poll(), false);
});

flag.run();
upTo.run();
