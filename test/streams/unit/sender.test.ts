/**
 * Sender over a real ring in this process (test/streams/unit/_rings.ts): what it writes (header fields, payload,
 * order), when it becomes visible (at the end of the synchronous burst; Close at once), the overflow policies at a
 * full ring (block queues a copy in order, reject refuses only Data and Request, drop-oldest never waits), the
 * writable flag against the high-water mark, the largest frame the ring holds, the consumer's doorbell, a corrupt
 * read position reported as a typed RingCorruptError, and clear. Zero-copy claims: sender-claim.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH, FrameKind, Status } from '../../../src/codecs/index.js';
import { RingCorruptError } from '../../../src/layout/errors.js';
import { READ_POSITION_OFFSET } from '../../../src/layout/ring-descriptor.js';
import { CLOSE_FRAME, DATA_FRAME, type FrameFields } from '../../../src/streams/engine/frame-fields.js';
import { expectError } from '../../helpers/assertions.js';
import { readFrames } from '../../helpers/engine-rings.js';
import { bytes, endOfBurst, fill, request, senderOnRing as setup } from '../../helpers/engine-sender.js';

const sender = suite('Sender');

sender('a frame is written with its header fields and payload, visible at the end of the burst', async () => {
  const { sender: s, reader } = setup();
  assert.is(s.send(request(42, 7), bytes(1, 2, 3)), 'written');
  const error = { kind: FrameKind.Error, status: Status.Unavailable, correlation: 9, method: 0 } as FrameFields;
  assert.is(s.send(error, bytes(4)), 'written');
  assert.not.ok(reader.poll(), 'not published within the burst (one WRITE_POSITION store per burst)');
  await endOfBurst();
  assert.equal(readFrames(reader), [
    { kind: FrameKind.Request, status: 0, correlation: 42, method: 7, payload: [1, 2, 3] },
    { kind: FrameKind.Error, status: Status.Unavailable, correlation: 9, method: 0, payload: [4] },
  ]);
});

sender('Close is published at once, with everything before it, and reported', () => {
  const { sender: s, reader, events, stats } = setup();
  s.send(DATA_FRAME, bytes(1));
  s.send(CLOSE_FRAME, new Uint8Array(0));
  assert.equal(
    readFrames(reader).map((f) => f.kind),
    [FrameKind.Data, FrameKind.Close],
  );
  assert.equal(events, ['closeSent']);
  assert.is(stats.sent, 1, 'Close is not a message sent');
});

sender('stats count Data messages and their payload bytes only', () => {
  const { sender: s, stats } = setup();
  s.send(DATA_FRAME, new Uint8Array(10));
  s.send(DATA_FRAME, new Uint8Array(0));
  s.send(request(1), new Uint8Array(50));
  assert.is(stats.sent, 2);
  assert.is(stats.bytesSent, 10);
});

sender('block: at a full ring a frame is queued as a copy and written, in order, when room comes', async () => {
  const { sender: s, reader, stats } = setup('block');
  const filled = fill(s);
  const done: string[] = [];
  const payload = bytes(7, 7, 7);
  assert.is(
    s.send(request(1), payload, (e) => done.push(`1 ${e ?? 'ok'}`)),
    'queued',
  );
  payload.fill(0); // the caller reuses its buffer at once
  assert.is(
    s.send(request(2), bytes(8), (e) => done.push(`2 ${e ?? 'ok'}`)),
    'queued',
  );
  assert.is(s.queued, 2);
  assert.is(stats.queuedPeak, 2);
  assert.equal(done, [], 'nothing is done before it is in the ring');
  assert.is(readFrames(reader).length, filled);
  assert.ok(s.flush());
  assert.equal(done, ['1 ok', '2 ok']);
  assert.is(s.queued, 0);
  await endOfBurst();
  assert.equal(
    readFrames(reader).map((f) => [f.correlation, f.payload]),
    [
      [1, [7, 7, 7]],
      [2, [8]],
    ],
  );
});

sender('block: a small frame that would fit is not written ahead of a queued larger one', async () => {
  const { sender: s, reader } = setup('block');
  fill(s);
  assert.is(s.send(request(1), new Uint8Array(300)), 'queued');
  assert.ok(reader.poll());
  reader.release(); // room for a small frame, not for the queued one
  assert.is(s.send(request(2), new Uint8Array(0)), 'queued', 'behind the queued frame, not ahead of it');
  readFrames(reader);
  assert.is(s.send(request(3), new Uint8Array(0)), 'written', 'the queue went first, then this frame');
  await endOfBurst();
  assert.equal(
    readFrames(reader).map((f) => f.correlation),
    [1, 2, 3],
  );
});

sender('block: writable turns false when the queued bytes reach the high-water mark, and back when they leave', () => {
  const { sender: s, reader, events } = setup('block', 100);
  fill(s);
  s.send(DATA_FRAME, new Uint8Array(60));
  assert.ok(s.writable, '60 queued bytes: under 100');
  s.send(DATA_FRAME, new Uint8Array(40));
  assert.not.ok(s.writable, '100 queued bytes: at the mark');
  assert.equal(events, ['writable false']);
  readFrames(reader);
  s.flush();
  assert.ok(s.writable);
  assert.equal(events, ['writable false', 'writable true']);
});

sender('reject: at a full ring Data and Request are refused; frames owed to the peer are queued', () => {
  const { sender: s, reader } = setup('reject');
  fill(s);
  assert.is(s.send(DATA_FRAME, bytes(1)), 'rejected');
  assert.is(s.send(request(1), bytes(1)), 'rejected');
  assert.is(s.queued, 0, 'nothing refused is kept');
  const owed = [FrameKind.Response, FrameKind.Error, FrameKind.LivenessCheck, FrameKind.Alive, FrameKind.Cancel];
  for (const kind of owed) {
    const status = kind === FrameKind.Error ? Status.HandlerError : 0;
    assert.is(s.send({ kind, status, correlation: 5, method: 0 } as FrameFields, bytes(2)), 'queued', `kind ${kind}`);
  }
  assert.is(s.send(CLOSE_FRAME, new Uint8Array(0)), 'queued');
  assert.is(s.queued, owed.length + 1);
  readFrames(reader);
  s.flush();
  assert.equal(
    readFrames(reader).map((f) => f.kind),
    [...owed, FrameKind.Close],
  );
});

sender('drop-oldest: every send is written, the oldest frames make room and are counted', async () => {
  const { sender: s, reader } = setup('drop-oldest');
  for (let i = 0; i < 100; i++) assert.is(s.send(request(i), new Uint8Array(100)), 'written');
  await endOfBurst();
  const left = readFrames(reader).map((f) => f.correlation);
  assert.ok(s.dropped > 0);
  assert.is(left.length + s.dropped, 100, 'each frame was either dropped or read');
  assert.equal(
    left,
    Array.from({ length: left.length }, (_, i) => 100 - left.length + i),
    'the newest, in order',
  );
});

sender(
  'the largest frame the ring holds is written; one byte more is a RangeError and leaves the ring as it was',
  async () => {
    const { sender: s, reader, writer } = setup('block');
    const largest = writer.maxPayload - FRAME_HEADER_LENGTH;
    assert.is(s.send(DATA_FRAME, new Uint8Array(largest).fill(5)), 'written');
    await endOfBurst();
    const [frame] = readFrames(reader);
    assert.is(frame!.payload.length, largest);
    assert.ok(frame!.payload.every((b) => b === 5));
    // Connection refuses such a payload before (MessageTooLargeError); below it, a claim that can never fit.
    assert.throws(() => s.send(DATA_FRAME, new Uint8Array(largest + 1)), RangeError);
    assert.not.ok(writer.claiming);
    assert.is(s.send(DATA_FRAME, bytes(1)), 'written', 'the sender still works');
  },
);

sender('a payload whose buffer was detached throws and leaves the ring as it was', async () => {
  const { sender: s, reader, writer } = setup('block');
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer, 0, 0);
  structuredClone(buffer, { transfer: [buffer] }); // detaches `buffer`
  assert.throws(() => s.writeFrame(DATA_FRAME, view), TypeError);
  assert.not.ok(writer.claiming);
  s.send(DATA_FRAME, bytes(3));
  await endOfBurst();
  assert.equal(
    readFrames(reader).map((f) => f.payload),
    [[3]],
  );
});

sender('a parked consumer is woken once per burst, after the publish', async () => {
  const { sender: s, reader, events } = setup('block');
  reader.park();
  s.send(DATA_FRAME, bytes(1));
  s.send(DATA_FRAME, bytes(2));
  assert.equal(events, [], 'not before the records are visible');
  await endOfBurst();
  assert.equal(events, ['ring']);
  s.send(DATA_FRAME, bytes(3));
  await endOfBurst();
  assert.equal(events, ['ring'], 'the consumer did not park again: no second bell');
});

sender('a full ring publishes what the burst wrote and wakes a parked consumer: neither side sleeps forever', () => {
  const { sender: s, reader, events } = setup('block');
  reader.park();
  let result = s.send(DATA_FRAME, new Uint8Array(100));
  while (result === 'written') result = s.send(DATA_FRAME, new Uint8Array(100));
  assert.is(result, 'queued');
  assert.ok(reader.poll(), 'the records are visible before the burst ends');
  assert.equal(events, ['ring']);
});

sender('a read position the peer corrupted is reported as a typed RingCorruptError', () => {
  for (const [forged, code] of [
    [4, 'MisalignedPosition'],
    [-4096, 'PositionOutOfRange'],
  ] as const) {
    const { sender: s, buffer, wordIndex } = setup('block');
    fill(s);
    Atomics.store(new Int32Array(buffer), wordIndex(READ_POSITION_OFFSET), forged);
    expectError(() => s.send(DATA_FRAME, bytes(1)), RingCorruptError, code);
  }
});

sender('clear fails every queued send, oldest first, and writes nothing more', () => {
  const { sender: s, reader } = setup('block');
  fill(s);
  const failed: string[] = [];
  s.send(request(1), bytes(2), (e) => failed.push(`1 ${e?.message}`));
  s.send(request(2), bytes(3), (e) => failed.push(`2 ${e?.message}`));
  s.clear(new Error('closed'));
  assert.equal(failed, ['1 closed', '2 closed']);
  assert.is(s.queued, 0);
  readFrames(reader);
  assert.not.ok(s.writeFrame(DATA_FRAME, bytes(4)), 'disposed: nothing reaches the ring');
  assert.not.ok(reader.poll());
});

sender('clear publishes a frame written in the current burst at once: nothing sent is lost', () => {
  const { sender: s, reader } = setup('block');
  s.send(DATA_FRAME, bytes(1));
  assert.not.ok(reader.poll());
  s.clear(new Error('closed'));
  assert.equal(
    readFrames(reader).map((f) => f.payload),
    [[1]],
  );
});

sender.run();
