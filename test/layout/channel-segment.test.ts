import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  channelSegmentLength,
  checkChannelGeometry,
  initChannelSegment,
  isSegmentUnpublished,
  loadSegmentMagic,
  readChannelSegment,
  resetRing,
} from '../../src/layout/channel-segment.js';
import { LayoutConfigError, SegmentHeaderError } from '../../src/layout/errors.js';
import {
  CONSUMER_PARKED_OFFSET,
  MESSAGES_OFFSET,
  PRODUCER_PARKED_OFFSET,
  READ_POSITION_OFFSET,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
} from '../../src/layout/ring-descriptor.js';
import { RingReader } from '../../src/layout/ring-reader.js';
import { RingWriter } from '../../src/layout/ring-writer.js';
import {
  CREATOR_PID_OFFSET,
  HEADER_LENGTH_OFFSET,
  KIND_CHANNEL,
  KIND_OFFSET,
  LAYOUT_VERSION,
  MAGIC_OFFSET,
  MAX_MESSAGE_OFFSET,
  RING_COUNT_OFFSET,
  SEGMENT_HEADER_LENGTH,
  SEGMENT_MAGIC,
  SEGMENT_SIZE_OFFSET,
  TOKEN_OFFSET,
  VERSION_OFFSET,
  ringEntryOffset,
} from '../../src/layout/segment-descriptor.js';
import { expectError } from '../helpers/assertions.js';
import { fuzzInChild, payload } from '../helpers/layout.js';

const CAP = 1024;
const GEOMETRY = { ringCapacity: CAP, maxMessage: 1000, token: 0x0123456789abcdefn, creatorPid: 4242 };

function fresh(ringCapacity = CAP, extra = 0): { buffer: ArrayBuffer; data: DataView } {
  const buffer = new ArrayBuffer(channelSegmentLength(ringCapacity) + extra);
  initChannelSegment(buffer, { ...GEOMETRY, ringCapacity });
  return { buffer, data: new DataView(buffer) };
}

function expectHeaderError(buffer: ArrayBufferLike, code: SegmentHeaderError['code'], facts: string[]): void {
  const error = expectError(() => readChannelSegment(buffer), SegmentHeaderError, code);
  assert.is(error.name, 'SegmentHeaderError');
  for (const fact of facts) assert.ok(error.message.includes(fact), `"${error.message}" states ${fact}`);
}

const geometry = suite('channel segment geometry');

geometry('channelSegmentLength: header then two rings of 128 + capacity bytes', () => {
  assert.is(channelSegmentLength(1024), 256 + 2 * (128 + 1024));
  assert.is(channelSegmentLength(65536), 256 + 2 * (128 + 65536));
});

geometry('LayoutConfigError for capacities that are not a power of two in range', () => {
  for (const ringCapacity of [1000, 1536, 512, 0, -1024, 2 ** 31, 1024.5, Number.NaN]) {
    const error = expectError(
      () => checkChannelGeometry({ ringCapacity, maxMessage: 8 }),
      LayoutConfigError,
      'InvalidCapacity',
    );
    assert.ok(error.message.includes(`ringCapacity=${ringCapacity}`), error.message);
  }
  checkChannelGeometry({ ringCapacity: 1024, maxMessage: 8 });
  checkChannelGeometry({ ringCapacity: 2 ** 30, maxMessage: 8 });
});

geometry('LayoutConfigError for maxMessage 0, fractional or above capacity - 8', () => {
  for (const maxMessage of [0, -1, 1.5, CAP - 7, CAP]) {
    const error = expectError(
      () => checkChannelGeometry({ ringCapacity: CAP, maxMessage }),
      LayoutConfigError,
      'InvalidMaxMessage',
    );
    assert.ok(error.message.includes(`maxMessage=${maxMessage}`), error.message);
  }
  checkChannelGeometry({ ringCapacity: CAP, maxMessage: CAP - 8 });
  checkChannelGeometry({ ringCapacity: CAP, maxMessage: 1 });
});

geometry('initChannelSegment checks before writing anything', () => {
  const buffer = new ArrayBuffer(channelSegmentLength(CAP) - 1);
  const error = expectError(() => initChannelSegment(buffer, GEOMETRY), LayoutConfigError, 'BufferTooSmall');
  assert.ok(error.message.includes(`needed=${channelSegmentLength(CAP)}`), error.message);
  assert.ok(new Uint8Array(buffer).every((byte) => byte === 0));
  expectError(
    () => initChannelSegment(new ArrayBuffer(8192), { ...GEOMETRY, maxMessage: 0 }),
    LayoutConfigError,
    'InvalidMaxMessage',
  );
});

geometry.run();

const roundTrip = suite('initChannelSegment / readChannelSegment');

roundTrip('init writes every identity field at its offset and read returns the same layout', () => {
  const { buffer, data } = fresh();
  assert.is(data.getUint32(MAGIC_OFFSET, true), SEGMENT_MAGIC);
  assert.equal([...new Uint8Array(buffer, 0, 4)], [0x52, 0x58, 0x53, 0x48], 'MAGIC is "RXSH" in memory');
  assert.is(data.getUint16(VERSION_OFFSET, true), LAYOUT_VERSION);
  assert.is(data.getUint16(KIND_OFFSET, true), KIND_CHANNEL);
  assert.is(data.getUint32(HEADER_LENGTH_OFFSET, true), SEGMENT_HEADER_LENGTH);
  assert.is(data.getUint32(RING_COUNT_OFFSET, true), 2);
  assert.is(data.getBigUint64(SEGMENT_SIZE_OFFSET, true), BigInt(buffer.byteLength));
  assert.is(data.getUint32(MAX_MESSAGE_OFFSET, true), 1000);
  assert.is(data.getUint32(CREATOR_PID_OFFSET, true), 4242);
  assert.is(data.getBigUint64(TOKEN_OFFSET, true), GEOMETRY.token);
  assert.equal([data.getUint32(ringEntryOffset(0), true), data.getUint32(ringEntryOffset(0) + 4, true)], [256, CAP]);
  assert.equal(
    [data.getUint32(ringEntryOffset(1), true), data.getUint32(ringEntryOffset(1) + 4, true)],
    [256 + 128 + CAP, CAP],
  );
  assert.equal(readChannelSegment(buffer), {
    segmentSize: channelSegmentLength(CAP),
    ringCapacity: CAP,
    maxMessage: 1000,
    token: GEOMETRY.token,
    creatorPid: 4242,
    serverToClient: 256,
    clientToServer: 256 + 128 + CAP,
  });
});

roundTrip('works on a plain ArrayBuffer and on a SharedArrayBuffer, rings usable both ways', () => {
  for (const buffer of [new ArrayBuffer(channelSegmentLength(CAP)), new SharedArrayBuffer(channelSegmentLength(CAP))]) {
    const layout = initChannelSegment(buffer, GEOMETRY);
    for (const ring of [layout.serverToClient, layout.clientToServer]) {
      const writer = new RingWriter(buffer, ring, layout.ringCapacity);
      const reader = new RingReader(buffer, ring, layout.ringCapacity, layout.maxMessage);
      assert.ok(writer.tryWrite(payload(layout.maxMessage, ring)));
      assert.ok(reader.poll());
      assert.equal(reader.copy(), payload(layout.maxMessage, ring));
      assert.ok(reader.release());
    }
  }
});

roundTrip('a segment larger than needed declares its real size and reads back', () => {
  const buffer = new ArrayBuffer(channelSegmentLength(CAP) + 4096);
  const layout = initChannelSegment(buffer, GEOMETRY);
  assert.is(layout.segmentSize, buffer.byteLength);
  assert.equal(readChannelSegment(buffer), layout);
});

roundTrip('a valid header over a size that is not a multiple of 4 still yields usable rings', () => {
  const buffer = new ArrayBuffer(channelSegmentLength(CAP) + 2);
  const layout = initChannelSegment(buffer, GEOMETRY);
  const writer = new RingWriter(buffer, layout.clientToServer, layout.ringCapacity);
  const reader = new RingReader(buffer, layout.clientToServer, layout.ringCapacity, layout.maxMessage);
  assert.ok(writer.tryWrite(payload(10, 1)));
  assert.ok(reader.poll());
});

roundTrip('resetRing zeroes one ring header (positions, parked flags, counters) and nothing else', () => {
  const buffer = new SharedArrayBuffer(channelSegmentLength(CAP));
  const layout = initChannelSegment(buffer, GEOMETRY);
  const writer = new RingWriter(buffer, layout.serverToClient, CAP);
  const reader = new RingReader(buffer, layout.serverToClient, CAP, layout.maxMessage);
  const other = new RingWriter(buffer, layout.clientToServer, CAP);
  assert.ok(writer.tryWrite(payload(100, 0)));
  assert.ok(other.tryWrite(payload(100, 0)));
  assert.ok(reader.poll() && reader.release());
  writer.publishCounters();
  writer.park();
  reader.park();
  const data = new DataView(buffer);
  const ring = layout.serverToClient;
  const headerBefore = new Uint8Array(buffer.slice(0, SEGMENT_HEADER_LENGTH));
  const recordsBefore = new Uint8Array(buffer.slice(ring + RING_HEADER_LENGTH));
  resetRing(buffer, ring);
  for (const offset of [WRITE_POSITION_OFFSET, PRODUCER_PARKED_OFFSET, READ_POSITION_OFFSET, CONSUMER_PARKED_OFFSET]) {
    assert.is(data.getUint32(ring + offset, true), 0);
  }
  assert.is(data.getBigUint64(ring + MESSAGES_OFFSET, true), 0n);
  assert.equal(new Uint8Array(buffer.slice(0, SEGMENT_HEADER_LENGTH)), headerBefore);
  assert.equal(
    new Uint8Array(buffer.slice(ring + RING_HEADER_LENGTH)),
    recordsBefore,
    'data and the other ring untouched',
  );
  assert.is(data.getUint32(layout.clientToServer + WRITE_POSITION_OFFSET, true), 112);
  const again = new RingReader(buffer, ring, CAP, layout.maxMessage);
  assert.is(again.poll(), false);
});

roundTrip.run();

const headerErrors = suite('readChannelSegment: SegmentHeaderError');

headerErrors('SizeMismatch: shorter than a header', () => {
  expectHeaderError(new ArrayBuffer(100), 'SizeMismatch', ['size=100']);
});

headerErrors('BadMagic: zero-filled (not yet published) or foreign', () => {
  expectHeaderError(new ArrayBuffer(channelSegmentLength(CAP)), 'BadMagic', ['magic=0x0']);
  const { buffer, data } = fresh();
  data.setUint32(MAGIC_OFFSET, 0x12345678, true);
  expectHeaderError(buffer, 'BadMagic', ['magic=0x12345678']);
});

headerErrors('unpublished (retry) only while shorter than a header or MAGIC is 0; loadSegmentMagic reads it', () => {
  assert.ok(isSegmentUnpublished(new ArrayBuffer(0)), 'empty: created, not sized yet');
  assert.ok(isSegmentUnpublished(new ArrayBuffer(SEGMENT_HEADER_LENGTH - 4)), 'shorter than its header');
  const zero = new ArrayBuffer(channelSegmentLength(CAP));
  assert.ok(isSegmentUnpublished(zero), 'sized, MAGIC not stored yet');
  assert.is(loadSegmentMagic(zero), 0);
  assert.is(loadSegmentMagic(new ArrayBuffer(2)), 0, 'too short to hold MAGIC');
  const { buffer, data } = fresh();
  assert.is(loadSegmentMagic(buffer), SEGMENT_MAGIC);
  assert.not.ok(isSegmentUnpublished(buffer), 'published');
  data.setUint32(MAGIC_OFFSET, 0x12345678, true);
  assert.is(loadSegmentMagic(buffer), 0x12345678);
  assert.not.ok(isSegmentUnpublished(buffer), 'a foreign MAGIC is final (IncompatibleSegment), not worth a retry');
});

headerErrors('UnsupportedVersion', () => {
  const { buffer, data } = fresh();
  data.setUint16(VERSION_OFFSET, 2, true);
  expectHeaderError(buffer, 'UnsupportedVersion', ['version=2', 'supported=1']);
});

headerErrors('WrongKind', () => {
  const { buffer, data } = fresh();
  data.setUint16(KIND_OFFSET, 9, true);
  expectHeaderError(buffer, 'WrongKind', ['kind=9', 'expected=1']);
});

headerErrors('BadHeaderLength', () => {
  const { buffer, data } = fresh();
  data.setUint32(HEADER_LENGTH_OFFSET, 128, true);
  expectHeaderError(buffer, 'BadHeaderLength', ['headerLength=128', 'expected=256']);
});

headerErrors('SizeMismatch: declared size differs from the mapping', () => {
  const { buffer, data } = fresh();
  data.setBigUint64(SEGMENT_SIZE_OFFSET, 2n ** 40n, true);
  expectHeaderError(buffer, 'SizeMismatch', [`declared size=${2 ** 40}`, `mapped size=${buffer.byteLength}`]);
});

headerErrors('BadRingTable: ring count, capacity, bounds, alignment, overlap, unequal capacities', () => {
  const cases: Array<[string, (data: DataView) => void, string[]]> = [
    ['count', (d) => d.setUint32(RING_COUNT_OFFSET, 3, true), ['ringCount=3']],
    ['capacity', (d) => d.setUint32(ringEntryOffset(1) + 4, 1000, true), ['ring=1', 'capacity=1000']],
    ['beyond the end', (d) => d.setUint32(ringEntryOffset(1), 0xffffffc0, true), ['ring=1', 'offset=4294967232']],
    ['over the header', (d) => d.setUint32(ringEntryOffset(0), 192, true), ['ring=0', 'offset=192']],
    ['misaligned', (d) => d.setUint32(ringEntryOffset(0), 260, true), ['ring=0', 'offset=260']],
    ['overlap', (d) => d.setUint32(ringEntryOffset(1), 256 + 64, true), ['rings overlap', 'offsets=256,320']],
    ['same ring', (d) => d.setUint32(ringEntryOffset(1), 256, true), ['rings overlap']],
    [
      'unequal',
      (d) => {
        d.setUint32(ringEntryOffset(0) + 4, 2048, true);
        d.setUint32(ringEntryOffset(1) + 4, 1024, true);
        d.setUint32(ringEntryOffset(1), 256 + 128 + 2048, true);
      },
      ['2048 != 1024'],
    ],
  ];
  for (const [what, corrupt, facts] of cases) {
    const { buffer, data } = fresh(CAP, 2048);
    data.setBigUint64(SEGMENT_SIZE_OFFSET, BigInt(buffer.byteLength), true);
    corrupt(data);
    try {
      expectHeaderError(buffer, 'BadRingTable', facts);
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message}`);
    }
  }
});

headerErrors('BadMaxMessage: 0 or above capacity - 8', () => {
  for (const maxMessage of [0, CAP - 7, 0xffffffff]) {
    const { buffer, data } = fresh();
    data.setUint32(MAX_MESSAGE_OFFSET, maxMessage, true);
    expectHeaderError(buffer, 'BadMaxMessage', [`maxMessage=${maxMessage}`, `capacity=${CAP}`]);
  }
});

headerErrors('checks run in the documented order: magic before version before kind', () => {
  const { buffer, data } = fresh();
  data.setUint16(KIND_OFFSET, 9, true);
  data.setUint16(VERSION_OFFSET, 9, true);
  expectHeaderError(buffer, 'UnsupportedVersion', []);
  data.setUint32(MAGIC_OFFSET, 0, true);
  expectHeaderError(buffer, 'BadMagic', []);
});

headerErrors.run();

const random = suite('readChannelSegment under random corruption');

random('a corrupt header yields SegmentHeaderError or a layout whose rings are safe to use', async () => {
  const outcomes = await fuzzInChild('segments', 4000);
  assert.ok(
    Object.keys(outcomes).every((key) => /^(ok|SegmentHeaderError:|RingCorruptError:)/.test(key)),
    JSON.stringify(outcomes),
  );
  assert.ok((outcomes['SegmentHeaderError:BadRingTable'] ?? 0) > 0);
});

random.run();
