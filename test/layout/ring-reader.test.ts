import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingCorruptError } from '../../src/layout/errors.js';
import {
  READ_POSITION_OFFSET,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_PADDING,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
} from '../../src/layout/ring-descriptor.js';
import { RingReader } from '../../src/layout/ring-reader.js';
import { RingWriter } from '../../src/layout/ring-writer.js';
import { TEST_RING_OFFSET, checkFill, fuzzInChild, makeRing, payload } from '../helpers/layout.js';
import { expectError } from '../helpers/assertions.js';

const CAP = 1024;

/** A ring whose header and records are written by hand, as a broken or hostile producer would. */
function handcrafted(read: number, write: number, maxMessage = CAP - 8, dropOldest = false) {
  const buffer = new SharedArrayBuffer(TEST_RING_OFFSET + RING_HEADER_LENGTH + CAP);
  const data = new DataView(buffer);
  data.setUint32(TEST_RING_OFFSET + READ_POSITION_OFFSET, read, true);
  data.setUint32(TEST_RING_OFFSET + WRITE_POSITION_OFFSET, write, true);
  const record = (offset: number, length: number, type: number): void => {
    const at = TEST_RING_OFFSET + RING_HEADER_LENGTH + offset;
    data.setUint32(at, length, true);
    data.setUint16(at + 4, type, true);
  };
  const reader = new RingReader(buffer, TEST_RING_OFFSET, CAP, maxMessage, dropOldest);
  return { buffer, record, reader };
}

/** Asserts the error's code and that its message states every `key=value` fact. */
function expectCorrupt(fn: () => unknown, code: RingCorruptError['code'], facts: string[]): void {
  const error = expectError(fn, RingCorruptError, code);
  assert.is(error.name, 'RingCorruptError');
  for (const fact of facts) assert.ok(error.message.includes(fact), `"${error.message}" states ${fact}`);
}

const reading = suite('RingReader');

reading('poll is idempotent until release; borrow and copy see the same bytes', () => {
  const { writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(33, 1)));
  assert.ok(writer.tryWrite(payload(7, 2)));
  assert.ok(reader.poll());
  const offset = reader.payloadOffset;
  assert.ok(reader.poll(), 'still on the same message');
  assert.is(reader.payloadOffset, offset);
  assert.equal(reader.borrow(), reader.copy());
  assert.is(reader.usedBytes(), 48 + 16, 'nothing freed before release');
  assert.ok(reader.release());
  assert.is(reader.usedBytes(), 16);
  assert.throws(() => {
    reader.release();
  }, /no message/);
  assert.ok(reader.poll());
  assert.equal(reader.copy(), payload(7, 2));
});

reading('a copy survives release and overwrite; a borrow is the live ring', () => {
  const { writer, reader } = makeRing(CAP);
  for (let i = 0; i < 8; i++) assert.ok(writer.tryWrite(payload(120, i)));
  assert.ok(reader.poll());
  const copy = reader.copy();
  const borrowed = reader.borrow();
  assert.ok(reader.release());
  assert.ok(writer.tryWrite(payload(120, 99))); // reuses the bytes just released
  assert.is(checkFill(copy, 0, 120, 0), -1);
  assert.is(checkFill(borrowed, 0, 120, 99), -1);
});

reading('a reader resumes at READ_POSITION (a second reader after the first released)', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(3, 1)));
  assert.ok(writer.tryWrite(payload(4, 2)));
  assert.ok(reader.poll());
  assert.ok(reader.release());
  const again = new RingReader(buffer, TEST_RING_OFFSET, CAP, CAP - 8);
  assert.ok(again.poll());
  assert.equal(again.copy(), payload(4, 2));
});

reading('positions wrap at 2^32 with unsigned arithmetic', () => {
  const start = 2 ** 32 - 64;
  const { buffer } = handcrafted(start, start);
  const writer = new RingWriter(buffer, TEST_RING_OFFSET, CAP);
  const reader = new RingReader(buffer, TEST_RING_OFFSET, CAP, CAP - 8);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 5; i++) assert.ok(writer.tryWrite(payload(40 + i, round * 5 + i)));
    for (let i = 0; i < 5; i++) {
      assert.ok(reader.poll());
      assert.is(checkFill(reader.bytes, reader.payloadOffset, 40 + i, round * 5 + i), -1);
      assert.ok(reader.release());
    }
  }
  const read = new DataView(buffer).getUint32(TEST_RING_OFFSET + READ_POSITION_OFFSET, true);
  assert.ok(read < start, `READ_POSITION wrapped: ${read}`);
  assert.is(reader.poll(), false);
});

reading.run();

const corrupt = suite('RingReader corruption (hand-crafted)');

corrupt('PositionOutOfRange: more used bytes than the capacity', () => {
  const { reader } = handcrafted(64, 64 + CAP + 8);
  expectCorrupt(() => reader.poll(), 'PositionOutOfRange', ['write=1096', 'read=64', 'capacity=1024']);
});

corrupt('PositionOutOfRange: WRITE_POSITION behind READ_POSITION', () => {
  const { reader } = handcrafted(64, 56);
  expectCorrupt(() => reader.poll(), 'PositionOutOfRange', ['write=56', 'read=64']);
});

corrupt(
  'a WRITE_POSITION rewritten behind the reader is caught once the reader catches up with the one it loaded',
  () => {
    const { buffer, record, reader } = handcrafted(0, 32);
    record(0, 8, RECORD_TYPE_MESSAGE);
    record(16, 8, RECORD_TYPE_MESSAGE);
    assert.ok(reader.poll());
    assert.ok(reader.release());
    new DataView(buffer).setUint32(TEST_RING_OFFSET + WRITE_POSITION_OFFSET, 8, true); // moved back by a hostile peer
    // The record at 16 was published with the WRITE_POSITION loaded first (and is checked as any record is).
    assert.ok(reader.poll());
    assert.is(reader.payloadLength, 8);
    assert.ok(reader.release());
    expectCorrupt(() => reader.poll(), 'PositionOutOfRange', ['write=8', 'read=32']);
  },
);

corrupt('MisalignedPosition: a position that is not a multiple of 8', () => {
  const { reader } = handcrafted(0, 12);
  expectCorrupt(() => reader.poll(), 'MisalignedPosition', ['write=12', 'read=0']);
});

corrupt('LengthOutOfRange: a record longer than the published bytes', () => {
  const { reader, record } = handcrafted(0, 64);
  record(0, 100, RECORD_TYPE_MESSAGE);
  expectCorrupt(() => reader.poll(), 'LengthOutOfRange', ['offset=0', 'length=100', 'used=64']);
});

corrupt('RecordCrossesEnd: a message that runs past the end of the data area', () => {
  const { reader, record } = handcrafted(CAP - 16, CAP + 48);
  record(CAP - 16, 32, RECORD_TYPE_MESSAGE);
  expectCorrupt(() => reader.poll(), 'RecordCrossesEnd', ['offset=1008', 'length=32', 'used=64', 'capacity=1024']);
});

corrupt('BadPadding: padding that does not end at the end of the data area', () => {
  const { reader, record } = handcrafted(0, CAP);
  record(0, 100, RECORD_TYPE_PADDING);
  expectCorrupt(() => reader.poll(), 'BadPadding', ['offset=0', 'length=100', 'type=0']);
});

corrupt('BadPadding: padding published only in part', () => {
  const { reader, record } = handcrafted(512, 512 + 64);
  record(512, 512 - 8, RECORD_TYPE_PADDING);
  expectCorrupt(() => reader.poll(), 'BadPadding', ['offset=512', 'used=64']);
});

corrupt('UnknownRecordType', () => {
  const { reader, record } = handcrafted(0, 16);
  record(0, 8, 7);
  expectCorrupt(() => reader.poll(), 'UnknownRecordType', ['type=7', 'offset=0']);
});

corrupt('MessageTooLarge: longer than the segment maxMessage, although it fits the ring', () => {
  const { reader, record } = handcrafted(0, 512, 100);
  record(0, 101, RECORD_TYPE_MESSAGE);
  expectCorrupt(() => reader.poll(), 'MessageTooLarge', ['maxMessage=100', 'length=101']);
});

corrupt('MessageTooLarge: a length near 2^32 cannot wrap the record size', () => {
  const { reader, record } = handcrafted(0, 64);
  record(0, 0xfffffff8, RECORD_TYPE_MESSAGE);
  expectCorrupt(() => reader.poll(), 'MessageTooLarge', ['length=4294967288']);
});

corrupt('drop-oldest reader: a bad record at a READ_POSITION that does not move is still corrupt', () => {
  const { reader, record } = handcrafted(0, 16, CAP - 8, true);
  record(0, 8, 9);
  expectCorrupt(() => reader.poll(), 'UnknownRecordType', ['type=9']);
});

corrupt('writer under drop-oldest: a record longer than the used bytes is LengthOutOfRange', () => {
  const { buffer, record } = handcrafted(0, CAP);
  record(0, 2000, RECORD_TYPE_MESSAGE);
  const writer = new RingWriter(buffer, TEST_RING_OFFSET, CAP, true);
  expectCorrupt(() => writer.tryWrite(payload(10, 0)), 'LengthOutOfRange', ['length=2000', 'offset=0', 'used=1024']);
});

corrupt.run();

const random = suite('RingReader and RingWriter under random corruption');

random('only typed layout errors, no out-of-range view, no write outside the ring, every loop ends', async () => {
  const outcomes = await fuzzInChild('rings', 4000);
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  assert.is(total, 4000);
  assert.ok(
    Object.keys(outcomes).every((key) => key === 'ok' || key.startsWith('RingCorruptError:')),
    JSON.stringify(outcomes),
  );
  assert.ok((outcomes['RingCorruptError:PositionOutOfRange'] ?? 0) > 0, 'the corruption does reach the checks');
});

random.run();
