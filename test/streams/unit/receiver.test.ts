/**
 * Receiver over a real ring in this process (test/streams/unit/_rings.ts), against a sink that records: Data in
 * order (copied, or borrowed only when that is safe), control frames with their header and a copy of their payload,
 * room given back before a control handler runs, Close ending the reading, 'hold' leaving everything from the first
 * held Data on in the ring, keepAll, the batch limit and the producer's doorbell. What a broken or hostile peer can
 * write: receiver-hostile.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH, FrameKind, Status } from '../../../src/codecs/index.js';
import type { DataMode } from '../../../src/streams/engine/frame-sink.js';
import { writeRawFrame } from '../../helpers/engine-rings.js';
import { data, receiverOnRing as setup } from '../../helpers/engine-receiver.js';

const receiver = suite('Receiver');

receiver('Data frames are delivered in order as copies that outlive the ring memory', () => {
  const { receiver: r, writer, sink, buffer, dataStart } = setup();
  for (let i = 1; i <= 3; i++) writeRawFrame(writer, ...data(i, i));
  assert.ok(r.drain());
  assert.equal(sink.events, ['data 1', 'data 2', 'data 3']);
  let kept: Uint8Array | undefined;
  sink.onData = (p) => (kept = p);
  writeRawFrame(writer, ...data(9));
  r.drain();
  assert.is.not(kept!.buffer, buffer, 'not a view of the ring');
  new Uint8Array(buffer).fill(0xee, dataStart); // the peer reuses the ring
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

receiver('drainEnded comes once per drain that delivered Data, after its last Data, never for control only', () => {
  const { receiver: r, writer, sink } = setup();
  for (let i = 1; i <= 3; i++) writeRawFrame(writer, ...data(i, i));
  sink.onData = () => assert.is(sink.drains, 0, 'not before the drain ends');
  r.drain();
  assert.is(sink.drains, 1);
  writeRawFrame(writer, { kind: FrameKind.LivenessCheck, correlation: 5 });
  r.drain();
  assert.is(sink.drains, 1, 'a control frame alone is no batch');
  assert.not.ok(r.drain(), 'an empty ring');
  assert.is(sink.drains, 1);
});

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

receiver.run();
