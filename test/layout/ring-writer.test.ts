import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingCorruptError } from '../../src/layout/errors.js';
import {
  BYTES_OFFSET,
  CONSUMER_PARKED_OFFSET,
  DROPPED_OFFSET,
  MESSAGES_OFFSET,
  PRODUCER_PARKED_OFFSET,
  READ_POSITION_OFFSET,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_PADDING,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
  recordLength,
} from '../../src/layout/ring-descriptor.js';
import { RingReader } from '../../src/layout/ring-reader.js';
import { RING_FULL, RingWriter } from '../../src/layout/ring-writer.js';
import { TEST_RING_OFFSET, checkFill, drain, makeRing, payload } from '../helpers/layout.js';
import { expectError } from '../helpers/assertions.js';
import { prng } from '../helpers/random.js';

const CAP = 1024;

function u32(buffer: ArrayBufferLike, offset: number): number {
  return new DataView(buffer).getUint32(TEST_RING_OFFSET + offset, true);
}
function u64(buffer: ArrayBufferLike, offset: number): bigint {
  return new DataView(buffer).getBigUint64(TEST_RING_OFFSET + offset, true);
}
/** [length, type, flags] of the record at data-area `offset`. */
function recordAt(buffer: ArrayBufferLike, offset: number): [number, number, number] {
  const data = new DataView(buffer);
  const at = TEST_RING_OFFSET + RING_HEADER_LENGTH + offset;
  return [data.getUint32(at, true), data.getUint16(at + 4, true), data.getUint16(at + 6, true)];
}
/** Reads one message and checks it is `payload(length, tag)`. */
function expectMessage(reader: RingReader, length: number, tag: number): void {
  assert.ok(reader.poll(), `expected message tag=${tag}`);
  assert.is(reader.payloadLength, length, `length of tag=${tag}`);
  assert.is(checkFill(reader.bytes, reader.payloadOffset, length, tag), -1, `content of tag=${tag}`);
  assert.ok(reader.release());
}

const basics = suite('RingWriter basics');

basics('an empty ring reads nothing and has all its capacity free', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.is(reader.poll(), false);
  assert.is(reader.usedBytes(), 0);
  assert.is(writer.freeBytes(), CAP);
  assert.is(writer.maxPayload, CAP - 8);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 0);
});

basics('records are 8-aligned [length|type|flags|payload] and WRITE_POSITION publishes them', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(5, 1), RECORD_TYPE_MESSAGE, 0x8001));
  assert.equal(recordAt(buffer, 0), [5, RECORD_TYPE_MESSAGE, 0x8001]);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 16);
  assert.ok(reader.poll());
  assert.is(reader.flags, 0x8001);
  assert.is(reader.type, RECORD_TYPE_MESSAGE);
  assert.equal(reader.copy(), payload(5, 1));
  assert.ok(reader.release());
  assert.is(u32(buffer, READ_POSITION_OFFSET), 16);
});

basics('zero-length payloads take 8 bytes and read back empty', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  for (let i = 0; i < 3; i++) assert.ok(writer.tryWrite(new Uint8Array(0)));
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 24);
  for (let i = 0; i < 3; i++) {
    assert.ok(reader.poll());
    assert.is(reader.payloadLength, 0);
    assert.is(reader.copy().length, 0);
    assert.ok(reader.release());
  }
  assert.is(reader.poll(), false);
});

basics('a full ring returns RING_FULL, moves nothing and stays intact (block/reject)', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  let n = 0;
  while (writer.tryWrite(payload(100, n))) n++;
  assert.is(n, Math.floor(CAP / recordLength(100)));
  const write = u32(buffer, WRITE_POSITION_OFFSET);
  assert.is(writer.tryClaim(100), RING_FULL);
  assert.is(writer.tryWrite(payload(100, 999)), false);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), write);
  for (let i = 0; i < n; i++) expectMessage(reader, 100, i);
  assert.is(reader.poll(), false);
  assert.is(writer.dropped, 0);
});

basics('a ring filled exactly to capacity takes nothing more, not even an empty record', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  for (let i = 0; i < 8; i++) assert.ok(writer.tryWrite(payload(120, i))); // 8 x 128 = 1024
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP);
  assert.is(writer.freeBytes(), 0);
  assert.is(writer.tryClaim(0), RING_FULL);
  expectMessage(reader, 120, 0);
  assert.ok(writer.tryWrite(payload(120, 8)), 'the freed 128 bytes at offset 0 take the next record');
  for (let i = 1; i <= 8; i++) expectMessage(reader, 120, i);
  assert.is(reader.poll(), false);
});

basics('a record ending exactly at the end of the data area needs no padding', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  for (let i = 0; i < 7; i++) assert.ok(writer.tryWrite(payload(120, i)));
  drain(reader);
  assert.ok(writer.tryWrite(payload(120, 7))); // offset 896..1024
  assert.equal(recordAt(buffer, 896), [120, RECORD_TYPE_MESSAGE, 0]);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP);
  assert.ok(writer.tryWrite(payload(1, 8)));
  assert.equal(recordAt(buffer, 0), [1, RECORD_TYPE_MESSAGE, 0], 'the next record starts at offset 0');
  expectMessage(reader, 120, 7);
  expectMessage(reader, 1, 8);
});

basics('wrap-around: a padding record fills to the end so the payload is contiguous at offset 0', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(900, 0))); // 912 bytes
  drain(reader);
  const at = writer.tryClaim(200);
  assert.is(at, TEST_RING_OFFSET + RING_HEADER_LENGTH + 8, 'payload claimed at the start of the data area');
  assert.equal(recordAt(buffer, 912), [CAP - 912 - 8, RECORD_TYPE_PADDING, 0]);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP, 'padding already published');
  writer.bytes.set(payload(200, 1), at);
  writer.commit();
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP + 208);
  expectMessage(reader, 200, 1);
  assert.is(reader.messages, 2, 'padding is not a message');
  assert.is(writer.messages, 2);
});

basics('the padding is published on its own when the record does not fit yet', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(900, 0))); // 912 used, 112 free: exactly the padding
  assert.is(writer.tryClaim(200), RING_FULL);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP, 'padding published although the record did not fit');
  assert.equal(recordAt(buffer, 912), [104, RECORD_TYPE_PADDING, 0]);
  assert.is(writer.tryClaim(200), RING_FULL, 'still full, and no second padding');
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP);
  expectMessage(reader, 900, 0);
  assert.is(reader.poll(), false, 'the reader frees the padding and finds nothing else');
  assert.is(u32(buffer, READ_POSITION_OFFSET), CAP);
  assert.ok(writer.tryWrite(payload(200, 1)));
  expectMessage(reader, 200, 1);
});

basics('max-size records (capacity - 8) fit an empty ring at offset 0 and after a wrap', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.throws(() => writer.tryClaim(CAP - 7), RangeError);
  assert.ok(writer.tryWrite(payload(CAP - 8, 0)));
  assert.is(writer.tryClaim(0), RING_FULL);
  expectMessage(reader, CAP - 8, 0);
  assert.ok(writer.tryWrite(new Uint8Array(0))); // now at offset 8
  drain(reader);
  assert.is(writer.tryWrite(payload(CAP - 8, 1)), false, 'needs the whole ring: padding first');
  assert.equal(recordAt(buffer, 8), [CAP - 16, RECORD_TYPE_PADDING, 0]);
  assert.is(reader.poll(), false);
  assert.ok(writer.tryWrite(payload(CAP - 8, 1)));
  expectMessage(reader, CAP - 8, 1);
});

basics('commit of fewer bytes than claimed publishes only those', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  const at = writer.tryClaim(100);
  writer.bytes.set(payload(40, 3), at);
  assert.throws(() => writer.commit(101), RangeError);
  writer.commit(40);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), recordLength(40));
  assert.is(writer.bytesWritten, 40);
  expectMessage(reader, 40, 3);
  assert.throws(() => writer.commit(), /nothing claimed/);
});

basics('a second claim before commit is a caller error', () => {
  const { writer } = makeRing(CAP);
  writer.tryClaim(8);
  assert.throws(() => writer.tryClaim(8), /not committed/);
});

basics('abort publishes nothing and the next claim reuses the space', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  const first = writer.tryClaim(100);
  writer.bytes.set(payload(100, 7), first);
  writer.abort();
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 0);
  assert.is(reader.poll(), false);
  assert.is(writer.tryClaim(10), first);
  writer.abort();
  assert.is(writer.messages, 0);
  assert.is(writer.bytesWritten, 0);
});

basics('counters count messages and payload bytes, and publishCounters writes them to the header', () => {
  const { buffer, writer } = makeRing(CAP);
  assert.ok(writer.tryWrite(payload(10, 0)));
  assert.ok(writer.tryWrite(new Uint8Array(0)));
  assert.is(writer.tryWrite(payload(CAP - 8, 1)), false); // full: not counted
  assert.is(writer.messages, 2);
  assert.is(writer.bytesWritten, 10);
  assert.is(u64(buffer, MESSAGES_OFFSET), 0n, 'advisory: only written by publishCounters');
  writer.publishCounters();
  assert.is(u64(buffer, MESSAGES_OFFSET), 2n);
  assert.is(u64(buffer, BYTES_OFFSET), 10n);
  assert.is(u64(buffer, DROPPED_OFFSET), 0n);
});

basics(
  'a writer resumes from the positions in shared memory; corrupt ones are rejected at its first write, not when it is built',
  () => {
    const { buffer, writer, reader } = makeRing(CAP);
    assert.ok(writer.tryWrite(payload(30, 0)));
    const again = new RingWriter(buffer, TEST_RING_OFFSET, CAP);
    assert.ok(again.tryWrite(payload(31, 1)));
    expectMessage(reader, 30, 0);
    expectMessage(reader, 31, 1);
    new DataView(buffer).setUint32(TEST_RING_OFFSET + WRITE_POSITION_OFFSET, 84, true); // read=80
    const corrupt = new RingWriter(buffer, TEST_RING_OFFSET, CAP); // building never throws: a connection is made first
    expectError(() => corrupt.tryWrite(payload(8, 2)), RingCorruptError, 'MisalignedPosition');
  },
);

basics.run();

const parked = suite('RingWriter parked flags');

parked('consumer parked: the producer takes the flag 1 -> 0 exactly once', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.is(writer.takeConsumerParked(), false);
  reader.park();
  assert.is(u32(buffer, CONSUMER_PARKED_OFFSET), 1);
  assert.is(writer.takeConsumerParked(), true);
  assert.is(writer.takeConsumerParked(), false);
  assert.is(u32(buffer, CONSUMER_PARKED_OFFSET), 0);
  reader.park();
  reader.unpark();
  assert.is(writer.takeConsumerParked(), false);
});

parked('producer parked: the consumer takes the flag 1 -> 0 exactly once', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  writer.park();
  assert.is(u32(buffer, PRODUCER_PARKED_OFFSET), 1);
  const second = new RingReader(buffer, TEST_RING_OFFSET, CAP, CAP - 8);
  assert.equal([reader.takeProducerParked(), second.takeProducerParked()], [true, false], 'exactly one winner');
  assert.is(u32(buffer, PRODUCER_PARKED_OFFSET), 0);
  writer.park();
  writer.unpark();
  assert.is(reader.takeProducerParked(), false);
});

parked('a producer that gets RING_FULL may still have published padding: it must wake a parked consumer', () => {
  const { buffer, writer, reader } = makeRing(CAP);
  assert.ok(writer.tryWrite(new Uint8Array(0)));
  drain(reader);
  reader.park(); // the ring is empty: the consumer sleeps
  assert.is(writer.tryClaim(CAP - 8), RING_FULL);
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), CAP, 'WRITE_POSITION moved (padding)');
  assert.is(writer.takeConsumerParked(), true, 'so the producer must ring before it parks for space');
  assert.is(reader.poll(), false);
  assert.ok(writer.tryClaim(CAP - 8) !== RING_FULL);
});

parked.run();

const dropOldest = suite('RingWriter drop-oldest');

dropOldest('drops exactly the oldest whole messages, and counts them', () => {
  const { buffer, writer, reader } = makeRing(CAP, { dropOldest: true });
  for (let i = 0; i < 8; i++) assert.ok(writer.tryWrite(payload(120, i))); // full
  assert.ok(writer.tryWrite(payload(200, 8)), 'never RING_FULL'); // 208 bytes: drops 0 and 1
  assert.is(writer.dropped, 2);
  assert.is(u32(buffer, READ_POSITION_OFFSET), 256, 'the producer advanced READ_POSITION');
  for (let i = 2; i < 8; i++) expectMessage(reader, 120, i);
  expectMessage(reader, 200, 8);
  assert.is(reader.poll(), false);
  writer.publishCounters();
  assert.is(u64(buffer, DROPPED_OFFSET), 2n);
  assert.is(writer.dropped + reader.messages, writer.messages);
});

dropOldest('dropping past records committed with defer publishes them first: READ never passes WRITE', () => {
  const { buffer, writer, reader } = makeRing(CAP, { dropOldest: true });
  // A burst: eight records committed with defer (the engine publishes WRITE once per burst), none visible yet.
  for (let i = 0; i < 8; i++) {
    const at = writer.tryClaim(120);
    new Uint8Array(buffer, at, 120).set(payload(120, i));
    writer.commit(120, RECORD_TYPE_MESSAGE, 0, true);
  }
  assert.is(u32(buffer, WRITE_POSITION_OFFSET), 0, 'nothing published yet');
  const at = writer.tryClaim(200); // needs 208 bytes: drops the two oldest of the unpublished burst
  const read = u32(buffer, READ_POSITION_OFFSET);
  const write = u32(buffer, WRITE_POSITION_OFFSET);
  assert.ok(
    read <= write,
    `READ_POSITION ${read} must not pass WRITE_POSITION ${write} (the consumer sees corruption)`,
  );
  assert.is(writer.dropped, 2);
  new Uint8Array(buffer, at, 200).set(payload(200, 8));
  writer.commit(200);
  for (let i = 2; i < 8; i++) expectMessage(reader, 120, i);
  expectMessage(reader, 200, 8);
  assert.is(reader.poll(), false);
  assert.is(writer.dropped + reader.messages, writer.messages);
});

dropOldest('dropping never counts padding', () => {
  const { writer, reader } = makeRing(CAP, { dropOldest: true });
  assert.ok(writer.tryWrite(payload(900, 0))); // A: 0..912
  expectMessage(reader, 900, 0);
  assert.ok(writer.tryWrite(payload(200, 1))); // padding 912..1024, B: 0..208
  // C needs 1008 contiguous bytes: drops the padding, B, then its own new padding at 208..1024.
  assert.ok(writer.tryWrite(payload(1000, 2)));
  assert.is(writer.dropped, 1, 'only B was a message');
  expectMessage(reader, 1000, 2);
  assert.is(reader.poll(), false);
  assert.is(writer.dropped + reader.messages, writer.messages);
});

dropOldest('a reader whose record is dropped under it gets release() === false, then reads on', () => {
  const { writer, reader } = makeRing(CAP, { dropOldest: true });
  for (let i = 0; i < 8; i++) assert.ok(writer.tryWrite(payload(120, i)));
  assert.ok(reader.poll());
  assert.is(checkFill(reader.bytes, reader.payloadOffset, 120, 0), -1);
  assert.ok(writer.tryWrite(payload(120, 8))); // drops record 0 under the reader, overwrites it
  assert.is(writer.dropped, 1);
  reader.copy(); // may be torn: the caller discards it on release() === false
  assert.is(reader.release(), false);
  for (let i = 1; i <= 8; i++) expectMessage(reader, 120, i);
  assert.is(reader.messages, 8);
  assert.is(writer.dropped + reader.messages, writer.messages);
});

dropOldest('a consumer that releases first wins the race: nothing is counted as dropped', () => {
  const { buffer, writer, reader } = makeRing(CAP, { dropOldest: true });
  for (let i = 0; i < 8; i++) assert.ok(writer.tryWrite(payload(120, i)));
  assert.is(writer.freeBytes(), 0);
  // The writer's cached READ_POSITION is stale once the consumer releases: its compare-exchange must fail
  // and re-read instead of counting a drop.
  expectMessage(reader, 120, 0);
  assert.is(u32(buffer, READ_POSITION_OFFSET), 128);
  assert.ok(writer.tryWrite(payload(120, 8)));
  assert.is(writer.dropped, 0);
  for (let i = 1; i <= 8; i++) expectMessage(reader, 120, i);
});

dropOldest('random traffic: delivered in order and intact, dropped + delivered == written', () => {
  const seed = (Date.now() >>> 0) ^ 0x5eed;
  const random = prng(seed);
  const { writer, reader } = makeRing(CAP, { dropOldest: true });
  let written = 0;
  let lastDelivered = -1;
  const sizes: number[] = [];
  for (let step = 0; step < 20000; step++) {
    if (random() % 3 !== 0) {
      const length = random() % (random() % 8 === 0 ? CAP - 7 : 64);
      sizes.push(length);
      assert.ok(writer.tryWrite(payload(length, written)), `seed=${seed}`);
      written++;
    } else if (reader.poll()) {
      const copy = reader.copy();
      if (random() % 4 === 0) {
        const length = random() % 300;
        sizes.push(length);
        assert.ok(writer.tryWrite(payload(length, written)));
        written++;
      }
      if (reader.release()) {
        const tag = findTag(copy, sizes, lastDelivered + 1, written);
        assert.ok(tag > lastDelivered, `seed=${seed}: delivered out of order or torn at step=${step}`);
        lastDelivered = tag;
      }
    }
  }
  drain(reader).forEach(() => undefined);
  assert.is(writer.dropped + reader.messages, writer.messages, `seed=${seed}`);
  assert.is(writer.messages, written);
});

/** The tag in [from, to) whose payload equals `copy`, or -1. */
function findTag(copy: Uint8Array, sizes: number[], from: number, to: number): number {
  for (let tag = from; tag < to; tag++) {
    if (sizes[tag] === copy.length && checkFill(copy, 0, copy.length, tag) === -1) return tag;
  }
  return -1;
}

dropOldest.run();
