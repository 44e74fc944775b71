/**
 * Receiver over a real ring in this process (test/streams/unit/_rings.ts), against a sink that records: Data in
 * order (copied, or borrowed only when that is safe), control frames with their header, Close ending the reading,
 * 'hold' leaving everything from the first held Data on in the ring, the batch limit, the producer's doorbell, a
 * record exactly maxMessage long, and what a broken or hostile peer can write (short record, unknown kind, corrupt
 * length, corrupt position) reported as typed errors with nothing delivered; a record the producer dropped while
 * it was being read (drop-oldest) is discarded, never delivered torn.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH, FrameKind, Status } from '../../../src/codecs/index.js';
import { RingCorruptError } from '../../../src/layout/errors.js';
import {
  RECORD_LENGTH_OFFSET,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
} from '../../../src/layout/ring-descriptor.js';
import { MalformedFrameError } from '../../../src/streams/errors.js';
import type { FrameFields } from '../../../src/streams/engine/frame-fields.js';
import type { DataMode, FrameSink } from '../../../src/streams/engine/frame-sink.js';
import { Receiver } from '../../../src/streams/engine/receiver.js';
import { RING_OFFSET, testRing, writeRawFrame, type TestRing } from './_rings.js';

const receiver = suite('Receiver');

/** A sink whose Data mode the test sets; it records what it is given, in order. */
class Sink implements FrameSink {
  mode: DataMode = 'deliver';
  readonly delivered: Uint8Array[] = [];
  readonly events: string[] = [];
  readonly headers: FrameFields[] = [];
  /** Called when the receiver asks for the Data mode (the cursor is then on a Data record). */
  onDataMode: () => void = () => undefined;
  /** Called with each Data payload before it is recorded (a borrowed view is valid only now). */
  onData: (payload: Uint8Array) => void = () => undefined;

  dataMode = (): DataMode => {
    this.onDataMode();
    return this.mode;
  };
  data = (payload: Uint8Array): void => {
    this.onData(payload);
    this.delivered.push(payload.slice());
    this.events.push(`data ${[...payload.subarray(0, 1)]}`);
  };
  control = (header: FrameFields, payload: Uint8Array): void => {
    this.headers.push(header);
    this.events.push(`control ${header.kind} ${header.correlation} ${[...payload]}`);
  };
  closed = (): void => void this.events.push('closed');
  failed = (error: Error): void => void this.events.push(`failed ${error.message}`);
  ended = (): void => void this.events.push('ended');
  writableChanged = (): void => undefined;
}

/** A receiver on a fresh ring; `rings` counts the bells it rang for the producer. */
function setup(
  options: { capacity?: number; maxMessage?: number; borrow?: boolean; dropOldest?: boolean } = {},
): TestRing & { receiver: Receiver; sink: Sink; rings: () => number } {
  const ring = testRing(options.capacity ?? 1024, options);
  const sink = new Sink();
  let rings = 0;
  const r = new Receiver('unit', ring.reader, options.borrow ?? false, sink, () => rings++);
  return { ...ring, receiver: r, sink, rings: () => rings };
}

const data = (...bytes: number[]): [{ kind: number }, Uint8Array] => [{ kind: FrameKind.Data }, Uint8Array.from(bytes)];

/** Asserts that `fn` throws `type` with `code`, and returns the error. */
function expectThrow<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E, code: string): E {
  try {
    fn();
  } catch (error) {
    assert.instance(error, type);
    assert.is((error as Error & { code: string }).code, code);
    return error as E;
  }
  assert.unreachable(`expected ${type.name} ${code}`);
  throw new Error('unreachable');
}

receiver('Data frames are delivered in order as copies that outlive the ring memory', () => {
  const { receiver: r, writer, sink, buffer } = setup();
  for (let i = 1; i <= 3; i++) writeRawFrame(writer, ...data(i, i));
  assert.ok(r.drain());
  assert.equal(sink.events, ['data 1', 'data 2', 'data 3']);
  let kept: Uint8Array | undefined;
  sink.onData = (p) => (kept = p);
  writeRawFrame(writer, ...data(9));
  r.drain();
  assert.is.not(kept!.buffer, buffer, 'not a view of the ring');
  new Uint8Array(buffer).fill(0xee, RING_OFFSET + RING_HEADER_LENGTH); // the peer reuses the ring
  assert.is(kept![0], 9);
});

receiver(
  'borrow hands out a view of the ring during delivery, but a copy when keeping or when the producer drops',
  () => {
    const viewed = (borrow: boolean, mode: DataMode, dropOldest = false): boolean => {
      const { receiver: r, writer, sink, buffer } = setup({ borrow, dropOldest });
      let inRing = false;
      sink.mode = mode;
      sink.onData = (p) => (inRing = p.buffer === buffer);
      writeRawFrame(writer, ...data(1));
      r.drain();
      assert.is(sink.delivered.length, 1);
      return inRing;
    };
    assert.ok(viewed(true, 'deliver'), 'borrow + deliver: a view');
    assert.not.ok(viewed(true, 'keep'), 'kept for later: always a copy');
    assert.not.ok(viewed(true, 'deliver', true), 'a dropping producer may overwrite a view: a copy');
    assert.not.ok(viewed(false, 'deliver'), 'copy mode');
  },
);

receiver('a Data frame with an empty payload is delivered empty', () => {
  const { receiver: r, writer, sink } = setup();
  writeRawFrame(writer, { kind: FrameKind.Data });
  r.drain();
  assert.equal(sink.delivered, [new Uint8Array(0)]);
});

receiver(
  'control frames reach the sink with their header fields, a fresh header each, and a copy of their payload',
  () => {
    const { receiver: r, writer, sink, buffer } = setup();
    const payloads: Uint8Array[] = [];
    const record = sink.control;
    sink.control = (header, payload) => {
      payloads.push(payload);
      record(header, payload);
    };
    writeRawFrame(writer, { kind: FrameKind.Request, correlation: 4, method: 12 }, Uint8Array.from([1, 2]));
    writeRawFrame(writer, { kind: FrameKind.Error, status: Status.NoSuchMethod, correlation: 5 });
    writeRawFrame(writer, { kind: FrameKind.Cancel, correlation: 6 });
    r.drain();
    assert.equal(sink.headers, [
      { kind: FrameKind.Request, status: 0, correlation: 4, method: 12 },
      { kind: FrameKind.Error, status: Status.NoSuchMethod, correlation: 5, method: 0 },
      { kind: FrameKind.Cancel, status: 0, correlation: 6, method: 0 },
    ]);
    assert.is.not(sink.headers[0], sink.headers[1]);
    assert.equal(sink.events[0], `control ${FrameKind.Request} 4 1,2`);
    assert.ok(
      payloads.every((p) => p.buffer !== buffer),
      'a handler may keep its payload: not a view of the ring',
    );
  },
);

receiver("a control frame's room is given back before its handler runs (the handler may send into it)", () => {
  const { receiver: r, writer, sink } = setup();
  writeRawFrame(writer, { kind: FrameKind.Response, correlation: 1 }, new Uint8Array(8));
  writeRawFrame(writer, { kind: FrameKind.Response, correlation: 2 }, new Uint8Array(8));
  const free: number[] = [];
  sink.control = () => void free.push(writer.freeBytes());
  r.drain();
  const record = 8 + FRAME_HEADER_LENGTH + 8;
  assert.equal(free, [1024 - record, 1024]);
});

receiver('Close ends the reading: the sink is told, and nothing behind it is read', () => {
  const { receiver: r, writer, sink, reader } = setup();
  writeRawFrame(writer, ...data(1));
  writeRawFrame(writer, { kind: FrameKind.Close });
  writeRawFrame(writer, ...data(2));
  assert.ok(r.drain());
  assert.equal(sink.events, ['data 1', 'closed']);
  assert.ok(r.closeReceived);
  assert.not.ok(r.drain(), 'nothing more is read');
  assert.ok(reader.poll(), 'the frame behind Close stays in the ring');
});

receiver("'hold' leaves the Data frame and everything behind it in the ring until Data is wanted again", () => {
  const { receiver: r, writer, sink } = setup();
  writeRawFrame(writer, { kind: FrameKind.Alive, correlation: 1 });
  writeRawFrame(writer, ...data(7));
  writeRawFrame(writer, { kind: FrameKind.Alive, correlation: 2 });
  sink.mode = 'hold';
  assert.ok(r.drain(), 'the frame before the Data was consumed');
  assert.ok(r.held);
  assert.equal(sink.events, [`control ${FrameKind.Alive} 1 `]);
  assert.not.ok(r.drain(), 'still held: nothing consumed');
  sink.mode = 'deliver';
  assert.ok(r.drain());
  assert.not.ok(r.held);
  assert.equal(sink.events.slice(1), ['data 7', `control ${FrameKind.Alive} 2 `]);
});

receiver("keepAll (the peer is gone) turns 'hold' into 'keep': every Data frame is copied out", () => {
  const { receiver: r, writer, sink } = setup({ borrow: true });
  writeRawFrame(writer, ...data(1));
  writeRawFrame(writer, ...data(2));
  sink.mode = 'hold';
  r.keepAll = true;
  r.drain();
  assert.not.ok(r.held);
  assert.equal(sink.events, ['data 1', 'data 2']);
});

receiver('one drain delivers at most 4096 frames; the next one goes on from there', () => {
  const { receiver: r, writer, sink } = setup({ capacity: 1 << 18 });
  for (let i = 0; i < 5000; i++) writeRawFrame(writer, ...data(i & 0xff));
  assert.ok(r.drain());
  assert.is(sink.delivered.length, 4096);
  assert.ok(r.drain());
  assert.is(sink.delivered.length, 5000);
  assert.ok(
    sink.delivered.every((p, i) => p[0] === (i & 0xff)),
    'in order',
  );
  assert.not.ok(r.drain());
});

receiver('a producer waiting for room is rung once after frames are consumed; an empty drain rings nobody', () => {
  const { receiver: r, writer, rings } = setup();
  writer.park();
  assert.not.ok(r.drain());
  assert.is(rings(), 0);
  writeRawFrame(writer, ...data(1));
  writeRawFrame(writer, ...data(2));
  r.drain();
  assert.is(rings(), 1);
  writeRawFrame(writer, ...data(3));
  r.drain();
  assert.is(rings(), 1, 'the producer did not park again');
});

receiver('a disposed receiver leaves the ring alone', () => {
  const { receiver: r, writer, sink, reader } = setup();
  writeRawFrame(writer, ...data(1));
  r.disposed = true;
  assert.not.ok(r.drain());
  assert.equal(sink.events, []);
  assert.ok(reader.poll());
});

receiver(
  'a record exactly maxMessage long is delivered; one byte longer is a typed RingCorruptError, not delivered',
  () => {
    const maxMessage = 200;
    const { receiver: r, writer, sink, reader } = setup({ maxMessage });
    writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(maxMessage - FRAME_HEADER_LENGTH).fill(3));
    r.drain();
    assert.is(sink.delivered[0]!.length, maxMessage - FRAME_HEADER_LENGTH);
    writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(maxMessage - FRAME_HEADER_LENGTH + 1));
    expectThrow(() => r.drain(), RingCorruptError, 'MessageTooLarge');
    assert.is(sink.delivered.length, 1);
    expectThrow(() => reader.poll(), RingCorruptError, 'MessageTooLarge'); // still there, still refused
  },
);

receiver('a record shorter than a frame header is a MalformedFrameError, nothing delivered', () => {
  for (const length of [0, FRAME_HEADER_LENGTH - 1]) {
    const { receiver: r, writer, sink } = setup();
    writer.tryWrite(new Uint8Array(length).fill(FrameKind.Data));
    const error = expectThrow(() => r.drain(), MalformedFrameError, 'MalformedFrame');
    assert.match(error.message, `length=${length}`);
    assert.equal(sink.events, []);
  }
});

receiver('an unknown frame kind is a MalformedFrameError, nothing delivered', () => {
  for (const kind of [0, FrameKind.Cancel + 1, 0xff]) {
    const { receiver: r, writer, sink } = setup();
    writeRawFrame(writer, { kind }, Uint8Array.from([1]));
    const error = expectThrow(() => r.drain(), MalformedFrameError, 'MalformedFrame');
    assert.match(error.message, `kind=${kind}`);
    assert.equal(sink.events, []);
  }
});

receiver('a record length the peer corrupted is a typed RingCorruptError, never a read out of range', () => {
  for (const [length, code] of [
    [0xfffffff0, 'MessageTooLarge'],
    [500, 'LengthOutOfRange'],
  ] as const) {
    const { receiver: r, writer, sink, buffer } = setup();
    writeRawFrame(writer, ...data(1));
    new DataView(buffer).setUint32(RING_OFFSET + RING_HEADER_LENGTH + RECORD_LENGTH_OFFSET, length, true);
    expectThrow(() => r.drain(), RingCorruptError, code);
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
    expectThrow(() => r.drain(), RingCorruptError, code);
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

receiver.run();
