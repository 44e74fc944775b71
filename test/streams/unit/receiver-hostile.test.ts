/**
 * Receiver against what a broken or hostile peer can write, over a real ring in this process: a record exactly
 * maxMessage long is delivered and one byte more refused; a record shorter than a frame header, an unknown kind, a
 * frame breaking a per-kind rule of LAYOUT.md 6, a corrupt record length and a corrupt write position are typed errors (MalformedFrameError, RingCorruptError with
 * its code), never a RangeError or a read out of range, and nothing is delivered; a record the producer dropped
 * while it was being read (drop-oldest) is discarded, never delivered torn.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH, FrameKind } from '../../../src/codecs/index.js';
import { RingCorruptError } from '../../../src/layout/errors.js';
import { RECORD_LENGTH_OFFSET, WRITE_POSITION_OFFSET } from '../../../src/layout/ring-descriptor.js';
import { MalformedFrameError } from '../../../src/streams/errors.js';
import { expectError } from '../../helpers/assertions.js';
import { writeRawFrame } from '../../helpers/engine-rings.js';
import { data, receiverOnRing as setup } from '../../helpers/engine-receiver.js';

const receiver = suite('Receiver against a hostile peer');

receiver('a record exactly maxMessage long is delivered; one byte longer is a RingCorruptError, not delivered', () => {
  const maxMessage = 200;
  const { receiver: r, writer, sink, reader } = setup({ maxMessage });
  writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(maxMessage - FRAME_HEADER_LENGTH).fill(3));
  r.drain();
  assert.is(sink.delivered[0]!.length, maxMessage - FRAME_HEADER_LENGTH);
  writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(maxMessage - FRAME_HEADER_LENGTH + 1));
  expectError(() => r.drain(), RingCorruptError, 'MessageTooLarge');
  assert.is(sink.delivered.length, 1);
  expectError(() => reader.poll(), RingCorruptError, 'MessageTooLarge'); // still there, still refused
});

receiver('a record shorter than a frame header is a MalformedFrameError, nothing delivered', () => {
  for (const length of [0, FRAME_HEADER_LENGTH - 1]) {
    const { receiver: r, writer, sink } = setup();
    writer.tryWrite(new Uint8Array(length).fill(FrameKind.Data));
    const error = expectError(() => r.drain(), MalformedFrameError, 'MalformedFrame');
    assert.match(error.message, `length=${length}`);
    assert.equal(sink.events, []);
  }
});

receiver('an unknown frame kind is a MalformedFrameError, nothing delivered', () => {
  for (const kind of [0, FrameKind.Batch + 1, 0xff]) {
    const { receiver: r, writer, sink } = setup();
    writeRawFrame(writer, { kind }, Uint8Array.from([1]));
    const error = expectError(() => r.drain(), MalformedFrameError, 'MalformedFrame');
    assert.match(error.message, `kind=${kind}`);
    assert.equal(sink.events, []);
  }
});

receiver('a record length the peer corrupted is a typed RingCorruptError, never a read out of range', () => {
  for (const [length, code] of [
    [0xfffffff0, 'MessageTooLarge'],
    [500, 'LengthOutOfRange'],
  ] as const) {
    const { receiver: r, writer, sink, buffer, dataStart } = setup();
    writeRawFrame(writer, ...data(1));
    new DataView(buffer).setUint32(dataStart + RECORD_LENGTH_OFFSET, length, true);
    expectError(() => r.drain(), RingCorruptError, code);
    assert.equal(sink.events, []);
  }
});

receiver('a write position the peer corrupted is a typed RingCorruptError', () => {
  for (const [position, code] of [
    [4, 'MisalignedPosition'],
    [4096, 'PositionOutOfRange'],
  ] as const) {
    const { receiver: r, buffer, wordIndex } = setup();
    Atomics.store(new Int32Array(buffer), wordIndex(WRITE_POSITION_OFFSET), position);
    expectError(() => r.drain(), RingCorruptError, code);
  }
});

receiver('drop-oldest: a record the producer drops while it is being read is discarded, never delivered torn', () => {
  const { receiver: r, writer, sink } = setup({ dropOldest: true });
  writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(100).fill(1));
  let overwritten = false;
  sink.onDataMode = () => {
    if (overwritten) return;
    overwritten = true;
    // The cursor is on the first record: the producer now laps the ring, dropping it and overwriting its bytes.
    for (let i = 0; i < 8; i++) writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(100).fill(2));
  };
  r.drain();
  assert.ok(overwritten);
  assert.ok(writer.dropped >= 1);
  assert.ok(sink.delivered.length > 0, 'the frames that survived are delivered');
  assert.ok(
    sink.delivered.every((p) => p.length === 100 && p.every((b) => b === 2)),
    'only whole frames of the second batch: the dropped one is not delivered',
  );
  assert.is(sink.delivered.length + writer.dropped, 9, 'each frame is either delivered or counted dropped');
});

receiver('a frame breaking a rule of LAYOUT.md 6 is a MalformedFrameError naming the rule, nothing delivered', () => {
  const cases: [{ kind: number; status?: number; correlation?: number; method?: number }, Uint8Array, string][] = [
    [{ kind: FrameKind.Data, correlation: 7 }, Uint8Array.of(1), 'Data frame must have correlation 0'],
    [{ kind: FrameKind.Data, method: 3 }, Uint8Array.of(1), 'Data frame must have method 0'],
    [{ kind: FrameKind.Data, status: 2 }, Uint8Array.of(1), 'Data frame must have status 0'],
    [{ kind: FrameKind.Close, correlation: 1 }, new Uint8Array(0), 'Close frame must have correlation 0'],
    [{ kind: FrameKind.Response, correlation: 1, method: 9 }, Uint8Array.of(1), 'Response frame must have method 0'],
    [{ kind: FrameKind.Error, correlation: 1 }, new Uint8Array(0), 'Error frame must have a non-zero status'],
    [{ kind: FrameKind.Cancel, correlation: 1 }, Uint8Array.of(1), 'Cancel frame must have an empty payload'],
    [{ kind: FrameKind.Alive, correlation: 1 }, Uint8Array.of(1), 'Alive frame must have an empty payload'],
    [{ kind: FrameKind.Error, status: 2, correlation: 1 }, Uint8Array.of(0xff), 'invalid UTF-8'],
  ];
  for (const [fields, payload, rule] of cases) {
    const { receiver: r, writer, sink } = setup();
    writeRawFrame(writer, fields, payload);
    const error = expectError(() => r.drain(), MalformedFrameError, 'MalformedFrame');
    assert.match(error.message, rule);
    assert.equal(sink.events, [], rule);
  }
});

receiver.run();
