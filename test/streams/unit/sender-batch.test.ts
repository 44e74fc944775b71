/**
 * Sender packing over a real ring in this process (docs/LAYOUT.md 6, "Batch frames"): with the consumer announced,
 * the first Data message of a burst goes alone and the small ones after it go into Batch frames of at most
 * PACK_BYTES of entries, byte for byte and in order; a large message, a control frame, Close, a user claim, the
 * burst's end or publish() close the open batch without reordering anything; nothing is ever packed for a consumer
 * that did not announce or under drop-oldest; claimOpen stays false while only a batch holds the ring's claim; stats
 * count messages. Room, wrap, a full ring and a parked consumer: sender-batch-room.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, batchEntryLength } from '../../../src/codecs/index.js';
import { PACK_BYTES, PACK_MAX_MESSAGE } from '../../../src/streams/engine/batch-packer.js';
import { CLOSE_FRAME, DATA_FRAME, EMPTY_PAYLOAD } from '../../../src/streams/engine/frame-fields.js';
import { readMessages, type ReadMessage } from '../../helpers/engine-rings.js';
import { bytes, endOfBurst, request, senderOnRing } from '../../helpers/engine-sender.js';
import { payload } from '../../helpers/layout.js';

const test = suite('Sender Batch frames');

/** A sender on a 256 KiB ring (room for a whole test burst), its consumer announced unless told otherwise. */
function setup(overflow: 'block' | 'drop-oldest' = 'block', announce = true): ReturnType<typeof senderOnRing> {
  const ring = senderOnRing(overflow, 1 << 20, 1 << 18);
  if (announce) ring.reader.announceReadsBatches();
  return ring;
}

/** The records the messages came in, in order: 'D' (Data), 'B<n>' (a Batch of n), or the kind's number. */
function shape(messages: ReadMessage[]): string[] {
  const out: string[] = [];
  messages.forEach((m, i) => {
    if (m.kind === FrameKind.Batch && i > 0 && messages[i - 1]!.record === m.record) {
      out[out.length - 1] = `B${Number(out[out.length - 1]!.slice(1)) + 1}`;
    } else out.push(m.kind === FrameKind.Data ? 'D' : m.kind === FrameKind.Batch ? 'B1' : String(m.kind));
  });
  return out;
}

const plain = (sent: Uint8Array[]): number[][] => sent.map((p) => [...p]);
const sendAll = (s: ReturnType<typeof setup>['sender'], sent: Uint8Array[]): void =>
  sent.forEach((p, i) => assert.is(s.send(DATA_FRAME, p), 'written', `message ${i}`));

test('a burst: the first message as Data, the rest in a Batch frame, byte for byte, lengths 0 to 1024', async () => {
  const { sender: s, reader } = setup();
  const sizes = [5, 0, 1, 7, 8, PACK_MAX_MESSAGE, PACK_MAX_MESSAGE - 1, 9, 0, 64];
  const sent = sizes.map((n, i) => payload(n, i + 1));
  sendAll(s, sent);
  await endOfBurst();
  const got = readMessages(reader);
  assert.equal(shape(got), ['D', `B${sizes.length - 1}`]);
  assert.equal(
    got.map((m) => m.payload),
    plain(sent),
  );
});

test('a burst larger than PACK_BYTES of entries: full Batch frames, none over, nothing lost or doubled', async () => {
  for (const sizeOf of [(i: number) => (i * 37) % 301, () => PACK_MAX_MESSAGE, () => 56]) {
    const { sender: s, reader } = setup();
    const sent = Array.from({ length: 200 }, (_, i) => payload(sizeOf(i), i));
    sendAll(s, sent);
    await endOfBurst();
    const got = readMessages(reader);
    assert.equal(
      got.map((m) => m.payload),
      plain(sent),
    );
    assert.is(got[0]!.kind, FrameKind.Data);
    const batches = new Map<number, number>(); // record -> bytes of entries
    for (const m of got.slice(1))
      batches.set(m.record, (batches.get(m.record) ?? 0) + batchEntryLength(m.payload.length));
    const records = [...batches.entries()];
    assert.ok(got.slice(1).every((m) => m.kind === FrameKind.Batch));
    assert.ok(records.length >= 2, `${records.length} Batch frames`);
    records.forEach(([record, used], i) => {
      assert.ok(used <= PACK_BYTES, `record ${record}: ${used} bytes of entries`);
      // A batch is closed only when the next message does not fit in it.
      const next = got.find((m) => m.record === records[i + 1]?.[0]);
      if (next) assert.ok(used + batchEntryLength(next.payload.length) > PACK_BYTES, `record ${record} not full`);
    });
  }
});

test('a message over PACK_MAX_MESSAGE goes as Data between batches, in order', async () => {
  const { sender: s, reader } = setup();
  const sizes = [10, 10, PACK_MAX_MESSAGE + 1, 10, 10, 5000, 10];
  const sent = sizes.map((n, i) => payload(n, i));
  sendAll(s, sent);
  await endOfBurst();
  const got = readMessages(reader);
  // A Batch frame left with one entry goes as the Data frame it would have been.
  assert.equal(shape(got), ['D', 'D', 'D', 'B2', 'D', 'D']);
  assert.equal(
    got.map((m) => m.payload),
    plain(sent),
  );
});

test('a control frame closes the open batch and keeps its place; the Data after it goes alone', async () => {
  const { sender: s, reader } = setup();
  for (let i = 0; i < 3; i++) s.send(DATA_FRAME, bytes(i));
  assert.is(s.send(request(5), bytes(0xaa, 0xbb)), 'written');
  for (let i = 3; i < 6; i++) s.send(DATA_FRAME, bytes(i));
  await endOfBurst();
  const got = readMessages(reader);
  assert.equal(shape(got), ['D', 'B2', String(FrameKind.Request), 'D', 'B2']);
  assert.equal(
    got.map((m) => m.payload),
    [[0], [1], [2], [0xaa, 0xbb], [3], [4], [5]],
  );
});

test('Close closes the open batch before it and publishes both at once, within the burst', () => {
  const { sender: s, reader, events } = setup();
  for (let i = 0; i < 4; i++) s.send(DATA_FRAME, bytes(i));
  assert.is(s.send(CLOSE_FRAME, EMPTY_PAYLOAD), 'written');
  const got = readMessages(reader); // no endOfBurst: Close is published at once, and nothing before it may wait
  assert.equal(shape(got), ['D', 'B3', String(FrameKind.Close)]);
  assert.equal(
    got.map((m) => m.payload),
    [[0], [1], [2], [3], []],
  );
  assert.ok(events.includes('closeSent'));
});

test("the burst's end publishes the open batch, and the next burst starts with a Data frame again", async () => {
  const { sender: s, reader } = setup();
  for (let i = 0; i < 5; i++) s.send(DATA_FRAME, bytes(i));
  assert.equal(readMessages(reader), [], 'nothing visible while the burst goes on');
  await endOfBurst();
  const first = readMessages(reader);
  assert.equal(shape(first), ['D', 'B4']);
  for (let i = 5; i < 8; i++) s.send(DATA_FRAME, bytes(i));
  await endOfBurst();
  const second = readMessages(reader);
  assert.equal(shape(second), ['D', 'B2'], 'a new burst: its first message goes alone');
  assert.equal(
    [...first, ...second].map((m) => m.payload[0]),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  s.send(DATA_FRAME, bytes(8));
  await endOfBurst();
  assert.equal(shape(readMessages(reader)), ['D'], 'a burst of one: no Batch frame');
});

test('publish() (an engine step) closes the open batch; the burst goes on packing into a new one', async () => {
  const { sender: s, reader } = setup();
  for (let i = 0; i < 3; i++) s.send(DATA_FRAME, bytes(i));
  s.publish();
  const before = readMessages(reader);
  assert.equal(shape(before), ['D', 'B2']);
  for (let i = 3; i < 5; i++) s.send(DATA_FRAME, bytes(i));
  await endOfBurst();
  const after = readMessages(reader, before.length);
  assert.equal(
    [...before, ...after].map((m) => m.payload[0]),
    [0, 1, 2, 3, 4],
  );
  assert.ok(
    after.every((m) => m.kind === FrameKind.Data || m.kind === FrameKind.Batch),
    'Data messages only',
  );
});

test('never a Batch frame for a consumer that did not announce, nor under drop-oldest', async () => {
  for (const [overflow, announce] of [
    ['block', false],
    ['drop-oldest', true],
  ] as const) {
    const { sender: s, reader } = setup(overflow, announce);
    const sent = Array.from({ length: 300 }, (_, i) => payload(i % 50, i));
    sendAll(s, sent);
    await endOfBurst();
    const got = readMessages(reader);
    assert.ok(
      got.every((m) => m.kind === FrameKind.Data),
      `${overflow}, announced ${announce}: Data frames only`,
    );
    assert.equal(
      got.map((m) => m.payload),
      plain(sent),
    );
    assert.is(s.dropped, 0);
  }
});

test('claimOpen stays false while only a batch holds the claim; a user claim closes it first', async () => {
  const { sender: s, reader, writer, buffer, stats } = setup();
  for (let i = 0; i < 4; i++) s.send(DATA_FRAME, bytes(i));
  assert.ok(writer.claiming, 'the open batch holds the ring claim');
  assert.not.ok(s.claimOpen, 'but no user claim is open');
  assert.is(s.send(DATA_FRAME, bytes(4)), 'written', 'so sends are not queued behind it');
  assert.is(s.queued, 0);
  assert.not.ok(s.flush(), 'nothing to flush');
  const room = s.claim(3)!;
  assert.ok(room !== null && room.buffer === buffer);
  assert.ok(s.claimOpen);
  room.set([7, 8, 9]);
  s.commit(3);
  assert.not.ok(s.claimOpen);
  s.send(DATA_FRAME, bytes(5));
  s.send(DATA_FRAME, bytes(6));
  await endOfBurst();
  const got = readMessages(reader);
  assert.equal(shape(got).slice(0, 3), ['D', 'B4', 'D'], 'the packed ones, then the claimed Data frame');
  assert.equal(
    got.map((m) => m.payload),
    [[0], [1], [2], [3], [4], [7, 8, 9], [5], [6]],
  );
  assert.is(stats.sent, 8);
});

test("stats and the ring's MESSAGES counter count messages, not records", async () => {
  const { sender: s, reader, stats, writer } = setup();
  const sent = Array.from({ length: 200 }, (_, i) => payload(i % 90, i));
  sendAll(s, sent);
  await endOfBurst();
  assert.ok(shape(readMessages(reader)).length < 10, 'packed');
  assert.is(stats.sent, 200);
  assert.is(writer.messages, 200, 'MESSAGES (read by peer-stall.ts) counts the packed messages');
  assert.is(
    stats.bytesSent,
    sent.reduce((sum, p) => sum + p.length, 0),
  );
});

test('a detached payload that would open or join a batch throws; the others go out intact and in order', async () => {
  const { sender: s, reader } = setup();
  const detached = (): Uint8Array => {
    const buffer = new ArrayBuffer(8);
    const view = new Uint8Array(buffer, 0, 0);
    structuredClone(buffer, { transfer: [buffer] }); // detaches `buffer`
    return view;
  };
  s.send(DATA_FRAME, bytes(1));
  assert.throws(() => s.send(DATA_FRAME, detached()), TypeError, 'would open a batch');
  assert.not.ok(s.claimOpen);
  s.send(DATA_FRAME, bytes(2));
  assert.throws(() => s.send(DATA_FRAME, detached()), TypeError, 'would join the open batch');
  s.send(DATA_FRAME, bytes(3));
  const room = s.claim(1)!;
  room[0] = 4;
  s.commit(1);
  await endOfBurst();
  const got = readMessages(reader);
  assert.equal(shape(got), ['D', 'B2', 'D']);
  assert.equal(
    got.map((m) => m.payload),
    [[1], [2], [3], [4]],
  );
});

test.run();
