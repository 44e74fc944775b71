/**
 * The Receiver reading Batch frames (docs/LAYOUT.md 6, "Batch frames"; kind 9), forged into a real ring in this
 * process: it announces it reads them when built; it delivers each entry in order and byte for byte, as a Data frame
 * would be (borrowed views of the ring under borrow + deliver, views of one copy of the whole batch in `batch` mode,
 * copies otherwise); `hold` at the first entry leaves the whole record in the ring, `hold` later becomes `keep`;
 * a malformed batch, or one from a producer that may drop records, is refused whole; Data, Batch and control frames
 * come out in ring order; a receiver disposed mid-batch stops at once. (The `batch` receive mode itself:
 * receiver-batch.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind } from '../../../src/codecs/index.js';
import type { DataMode } from '../../../src/streams/engine/frame-sink.js';
import { MalformedFrameError } from '../../../src/streams/errors.js';
import { expectError } from '../../helpers/assertions.js';
import { data, receiverOnRing } from '../../helpers/engine-receiver.js';
import { batchPayload, testRing, writeBatchFrame, writeRawFrame } from '../../helpers/engine-rings.js';
import { payload } from '../../helpers/layout.js';

const test = suite('Receiver Batch frames');

type Options = Parameters<typeof receiverOnRing>[0];
const setup = (options: Options = {}): ReturnType<typeof receiverOnRing> =>
  receiverOnRing({ capacity: 8192, ...options });

/** Messages of these sizes, each filled for its index (lengths around the 8-byte padding and the 64-byte copy). */
const messages = (...sizes: number[]): Uint8Array[] => sizes.map((n, i) => payload(n, 100 + i));
const SIZES = [0, 1, 7, 8, 9, 64, 65, 1024, 3];

test('the Receiver announces on construction that it reads Batch frames', () => {
  assert.not.ok(testRing(1024).writer.consumerReadsBatches(), 'a fresh ring: not announced');
  assert.ok(setup().writer.consumerReadsBatches(), 'announced by the Receiver');
});

test('every entry is delivered in order, byte for byte, in deliver, batch and keep mode, for every receive mode', () => {
  for (const mode of ['deliver', 'batch', 'keep'] as DataMode[]) {
    for (const receive of [{}, { borrow: true }, { pooled: true }]) {
      const { receiver: r, writer, sink } = setup(receive);
      sink.mode = mode;
      const sent = messages(...SIZES);
      writeBatchFrame(writer, sent);
      assert.ok(r.drain());
      assert.equal(sink.delivered, sent, `${mode} ${JSON.stringify(receive)}`);
      assert.is(sink.drains, 1, 'one drain ended');
      assert.not.ok(r.held);
      assert.not.ok(r.drain(), 'the record was released');
    }
  }
});

test('borrow + deliver: each entry is an 8-byte aligned view of the ring, intact during its call', () => {
  const { receiver: r, writer, sink, buffer } = setup({ borrow: true });
  const sent = messages(...SIZES);
  let i = 0;
  sink.onData = (view) => {
    assert.is(view.buffer, buffer, `entry ${i}: a view of the ring`);
    assert.is(view.byteOffset % 8, 0, `entry ${i}: aligned as a Data payload`);
    assert.equal(view, sent[i], `entry ${i}: intact during the call`);
    i++;
  };
  writeBatchFrame(writer, sent);
  r.drain();
  assert.is(i, sent.length);
});

test('lengths are read once: a producer rewriting a checked entry mid-delivery changes no message length', () => {
  for (const mode of ['deliver', 'batch', 'keep'] as DataMode[]) {
    for (const receive of [{}, { borrow: true }]) {
      const { receiver: r, writer, sink, buffer, dataStart } = setup(receive);
      sink.mode = mode;
      const sent = messages(8, 8, 8);
      writeBatchFrame(writer, sent);
      const view = new DataView(buffer);
      // The entries start after the 8-byte record header and the 16-byte frame header; each takes 16 bytes.
      sink.onData = () => [1, 2].forEach((i) => view.setUint32(dataStart + 24 + 16 * i, 40_000, true));
      r.drain();
      assert.equal(
        sink.delivered.map((m) => m.length),
        [8, 8, 8],
        `${mode} ${JSON.stringify(receive)}`,
      );
    }
  }
});

test('batch mode: the entries are views of one copy of the batch, not of the ring, and stay intact', () => {
  for (const borrow of [false, true]) {
    const { receiver: r, writer, sink, buffer, dataStart } = setup({ borrow });
    sink.mode = 'batch';
    const got: Uint8Array[] = [];
    sink.onData = (p) => void got.push(p);
    const sent = messages(...SIZES);
    writeBatchFrame(writer, sent);
    r.drain();
    assert.is(got.length, sent.length);
    assert.ok(got[0]!.buffer !== buffer, `borrow=${borrow}: not the ring`);
    assert.ok(
      got.every((p) => p.buffer === got[0]!.buffer),
      'one ArrayBuffer for the whole batch',
    );
    new Uint8Array(buffer).fill(0xee, dataStart); // the peer reuses the ring
    assert.equal(got, sent, 'the copies did not change');
  }
});

test('batch mode with a batchTarget: each frame is appended whole (views of one copy), counted once, released', () => {
  for (const borrow of [false, true]) {
    const { receiver: r, writer, sink, buffer, dataStart, reader } = setup({ borrow, capacity: 16_384 });
    sink.mode = 'batch';
    const target: Uint8Array[] = [];
    sink.target = target;
    const first = messages(...SIZES);
    const second = messages(5, 64, 300);
    writeBatchFrame(writer, first);
    writeRawFrame(writer, ...data(42)); // a plain Data frame between: one `data` call
    writeBatchFrame(writer, second);
    assert.ok(r.drain());
    assert.equal(target, [...first, ...second], `borrow=${borrow}: every entry, in order, byte for byte`);
    assert.equal(sink.delivered, [Uint8Array.of(42)], 'the Data frame went to data()');
    const bytes = (list: Uint8Array[]): number => list.reduce((n, m) => n + m.length, 0);
    assert.equal(sink.counted, [
      [first.length, bytes(first)],
      [second.length, bytes(second)],
    ]);
    assert.is(sink.drains, 1);
    assert.ok(target[0]!.buffer !== buffer, 'not the ring');
    assert.ok(
      target.slice(0, first.length).every((p) => p.buffer === target[0]!.buffer),
      'one copy per batch',
    );
    assert.is(reader.readPosition, writer.writePosition, 'every record released');
    new Uint8Array(buffer).fill(0xee, dataStart); // the peer reuses the ring
    assert.equal(target, [...first, ...second], 'the copies did not change');
  }
});

test("'hold' at the first entry holds the whole record; a later drain delivers all of it", () => {
  const { receiver: r, writer, reader, sink } = setup();
  writeRawFrame(writer, ...data(1));
  const sent = messages(5, 6, 7);
  writeBatchFrame(writer, sent);
  let asked = 0;
  sink.onDataMode = () => void (++asked === 2 && (sink.mode = 'hold')); // the Data frame is delivered, the batch held
  r.drain();
  assert.equal(sink.delivered, [Uint8Array.of(1)]);
  assert.ok(r.held, 'held');
  assert.ok(reader.poll(), 'the batch is still in the ring');
  sink.mode = 'deliver';
  r.drain();
  assert.equal(sink.delivered, [Uint8Array.of(1), ...sent]);
  assert.not.ok(r.held);
  assert.not.ok(r.drain());
});

test("'hold' asked mid-batch becomes 'keep': every entry delivered (copies), the next frame is held", () => {
  const { receiver: r, writer, sink, buffer } = setup({ borrow: true });
  const sent = messages(10, 20, 30, 40);
  writeBatchFrame(writer, sent);
  writeRawFrame(writer, ...data(9));
  let asked = 0;
  sink.onDataMode = () => void (++asked === 2 && (sink.mode = 'hold'));
  const inRing: boolean[] = [];
  sink.onData = (p) => void inRing.push(p.buffer === buffer);
  r.drain();
  assert.equal(sink.delivered, sent, 'none lost');
  assert.equal(inRing, [true, false, false, false], 'the first borrowed, the rest kept as copies');
  assert.is(asked, 5, 'asked once per entry, then for the Data frame');
  assert.ok(r.held, 'the Data frame after the batch is held');
  sink.mode = 'deliver';
  r.drain();
  assert.equal(sink.delivered.at(-1), Uint8Array.of(9));
});

test("keepAll (the peer is gone): 'hold' keeps a batch instead", () => {
  const { receiver: r, writer, sink } = setup();
  r.keepAll = true;
  sink.mode = 'hold';
  const sent = messages(3, 4);
  writeBatchFrame(writer, sent);
  r.drain();
  assert.equal(sink.delivered, sent);
  assert.not.ok(r.held);
});

test('a malformed Batch frame is a MalformedFrameError naming the rule; nothing of it is delivered', () => {
  const two = batchPayload(messages(3, 0));
  const entry = (length: number, bytes: number): Uint8Array => {
    const out = new Uint8Array(bytes);
    new DataView(out.buffer).setUint32(0, length, true);
    return out;
  };
  const cases: [string, { status?: number; correlation?: number; method?: number }, Uint8Array, string][] = [
    ['no entries', {}, new Uint8Array(0), 'at least one message'],
    ['entry past the end', {}, entry(100, 16), 'longer than its frame'],
    ['second entry past the end', {}, Uint8Array.of(...two, ...entry(9, 8)), 'longer than its frame'],
    ['padding cut short', {}, entry(3, 11), 'padding cut short'],
    ['entry header cut short', {}, Uint8Array.of(...two, 0, 0, 0, 0), 'header cut short'],
    ['correlation 7', { correlation: 7 }, two, 'non-zero header field'],
    ['method 3', { method: 3 }, two, 'non-zero header field'],
    ['status 1', { status: 1 }, two, 'non-zero header field'],
  ];
  for (const [what, fields, bytes, rule] of cases) {
    for (const mode of ['deliver', 'hold'] as DataMode[]) {
      const { receiver: r, writer, sink } = setup({ borrow: true });
      sink.mode = mode;
      writeRawFrame(writer, { kind: FrameKind.Batch, ...fields }, bytes);
      const error = expectError(() => r.drain(), MalformedFrameError, 'MalformedFrame');
      assert.match(error.message, rule, what);
      assert.equal(sink.delivered, [], `${what}, ${mode}: nothing delivered`);
    }
  }
});

test('a Batch frame from a producer flagged drop-oldest is a MalformedFrameError, nothing delivered', () => {
  const { receiver: r, writer, sink } = setup({ dropOldest: true });
  writeBatchFrame(writer, messages(4, 5));
  const error = expectError(() => r.drain(), MalformedFrameError, 'MalformedFrame');
  assert.match(error.message, 'Batch frame from a producer that may drop records');
  assert.equal(sink.delivered, []);
});

test('Data, Batch and control frames come out in ring order; one drainEnded; Close after a batch ends it', () => {
  const { receiver: r, writer, sink } = setup();
  writeRawFrame(writer, ...data(1));
  writeBatchFrame(writer, [Uint8Array.of(2), Uint8Array.of(3)]);
  writeRawFrame(writer, { kind: FrameKind.LivenessCheck, correlation: 5 });
  writeBatchFrame(writer, [Uint8Array.of(4)]);
  writeRawFrame(writer, ...data(5));
  writeBatchFrame(writer, [Uint8Array.of(6), Uint8Array.of(7)]);
  writeRawFrame(writer, { kind: FrameKind.Close });
  writeRawFrame(writer, ...data(8));
  r.drain();
  assert.equal(sink.events, [
    'data 1',
    'data 2',
    'data 3',
    `control ${FrameKind.LivenessCheck} 5 `,
    'data 4',
    'data 5',
    'data 6',
    'data 7',
    'closed',
  ]);
  assert.is(sink.drains, 1);
  assert.ok(r.closeReceived);
});

test('a receiver disposed by its sink mid-batch delivers nothing more and leaves the ring alone', () => {
  const { receiver: r, writer, reader, sink } = setup();
  const sent = messages(1, 2, 3, 4);
  writeBatchFrame(writer, sent);
  writeRawFrame(writer, ...data(9));
  const start = reader.readPosition;
  sink.onData = () => void (sink.delivered.length === 1 && (r.disposed = true)); // at the second entry
  r.drain();
  assert.equal(sink.delivered, sent.slice(0, 2));
  assert.is(sink.drains, 0, 'no drainEnded after disposal');
  assert.is(reader.readPosition, start, 'nothing released');
});

test.run();
