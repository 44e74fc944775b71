/**
 * Batch frames (docs/LAYOUT.md 6, "Batch"; src/codecs/FrameBatch.ts): the entry length rounds header + message up to
 * 8; batchViolation accepts one or several well-formed entries (0-length messages too, at any `at`, the reserved word
 * and the bytes around the payload ignored) and refuses, with its exact message, an empty payload, a fragment shorter
 * than an entry header, an entry LENGTH past the payload (0xFFFFFFFF included) and padding cut by the payload's end;
 * FrameC round-trips a Batch frame and refuses one with a non-zero correlation, method or status or a bad payload.
 * The entries here are written by hand from the spec, not with batchEntryLength, so the two can disagree.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BATCH_ENTRY_HEADER_LENGTH,
  BATCH_MAX_ENTRIES,
  FrameC,
  FrameKind,
  batchEntryLength,
  batchViolation,
  type Frame,
} from '../../src/codecs/index.js';
import { frameViolation } from '../../src/codecs/Frame.js';
import { FrameHeaderC } from '../../src/codecs/FrameHeader.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

/** One entry as the spec draws it: LENGTH u32 LE, a reserved word, the message, zero bytes to a multiple of 8. */
function entry(message: Uint8Array, reserved = 0, length = message.length): number[] {
  const head = [length & 0xff, (length >>> 8) & 0xff, (length >>> 16) & 0xff, length >>> 24];
  const res = [reserved & 0xff, (reserved >>> 8) & 0xff, (reserved >>> 16) & 0xff, reserved >>> 24];
  const pad = (8 - (message.length % 8)) % 8;
  return [...head, ...res, ...message, ...new Array<number>(pad).fill(0)];
}

/** A Batch payload of `messages`, each a well-formed entry. */
const batch = (...messages: Uint8Array[]): Uint8Array => Uint8Array.from(messages.flatMap((m) => entry(m)));

/** A message of `n` bytes that are not zero, so padding and messages cannot be confused. */
const message = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => ((seed * 31 + i) % 255) + 1);

/** batchViolation over the whole of `payload`. */
const violation = (payload: Uint8Array): string | undefined =>
  batchViolation(new DataView(payload.buffer, payload.byteOffset, payload.byteLength), 0, payload.length);

test('entry lengths: an 8-byte header, the message, padding to a multiple of 8', () => {
  assert.is(BATCH_ENTRY_HEADER_LENGTH, 8);
  const expected: [number, number][] = [
    [0, 8],
    [1, 16],
    [7, 16],
    [8, 16],
    [9, 24],
    [64, 72],
    [65, 80],
    [8184, 8192],
  ];
  for (const [n, length] of expected) assert.is(batchEntryLength(n), length, `n=${n}`);
  for (let n = 0; n < 40; n++) assert.is(batchEntryLength(n), entry(message(n)).length, `n=${n} against the spec`);
});

test('accepts one entry, and several of mixed lengths (0-length messages too)', () => {
  assert.is(violation(batch(message(5))), undefined);
  assert.is(violation(batch(message(0))), undefined);
  assert.is(violation(batch(message(8))), undefined);
  const mixed = batch(message(0), message(1, 2), message(7, 3), message(8, 4), message(0), message(9, 5), message(64));
  assert.is(mixed.length, 8 + 16 + 16 + 16 + 8 + 24 + 72);
  assert.is(violation(mixed), undefined);
  assert.is(violation(batch(...Array.from({ length: 100 }, () => message(0)))), undefined);
});

test('at a non-zero `at` and view offset; the reserved word and the bytes around the payload are ignored', () => {
  const payload = Uint8Array.from([...entry(message(3), 0xdeadbeef), ...entry(message(12, 7), 0xffffffff)]);
  const backing = new Uint8Array(8 + 40 + payload.length + 24).fill(0xff);
  backing.set(payload, 8 + 40);
  const view = new DataView(backing.buffer, 8, backing.length - 8);
  assert.is(batchViolation(view, 40, payload.length), undefined);
  // The same bytes seen one entry shorter at their end: the first entry alone is a whole batch too.
  assert.is(batchViolation(view, 40, 16), undefined);
  // A view that starts one byte later reads garbage LENGTHs: refused, so the check does read at `at`.
  assert.ok(batchViolation(view, 41, payload.length) !== undefined);
});

test('refuses an empty payload', () => {
  assert.is(violation(new Uint8Array(0)), 'Batch frame must carry at least one message');
  // Even when the bytes after `at` hold a well-formed entry: length 0 is what counts.
  const after = batch(message(4));
  assert.is(batchViolation(new DataView(after.buffer), 0, 0), 'Batch frame must carry at least one message');
});

test('refuses a fragment shorter than an entry header', () => {
  for (const n of [1, 4, 7]) {
    assert.is(
      violation(new Uint8Array(n)),
      `Batch entry header cut short: entry at payload byte 0, payload length=${n}`,
      `n=${n}`,
    );
  }
  const whole = batch(message(8), message(0));
  for (const tail of [1, 4, 7]) {
    const payload = Uint8Array.from([...whole, ...new Array<number>(tail).fill(0)]);
    assert.is(
      violation(payload),
      `Batch entry header cut short: entry at payload byte 24, payload length=${24 + tail}`,
      `tail=${tail}`,
    );
  }
});

test('refuses an entry LENGTH past the payload, 0xFFFFFFFF included (no overflow)', () => {
  // One byte too many: 16 bytes hold at most an 8-byte message.
  const one = Uint8Array.from(entry(message(8), 0, 9));
  assert.is(one.length, 16);
  assert.is(violation(one), 'Batch entry longer than its frame: entry at payload byte 0, length=9, payload length=16');
  for (const length of [0xffffffff, 0x80000000, 0xfffffff8, 2 ** 31 - 1]) {
    const payload = Uint8Array.from([...batch(message(3)), ...entry(message(8), 0, length)]);
    assert.is(
      violation(payload),
      `Batch entry longer than its frame: entry at payload byte 16, length=${length}, payload length=32`,
      `length=${length}`,
    );
  }
  // LENGTH reaching into bytes that follow the payload in the view (a well-formed entry there): still refused.
  const backing = Uint8Array.from([...entry(message(8), 0, 16), ...new Array<number>(16).fill(0)]);
  assert.is(
    batchViolation(new DataView(backing.buffer), 0, 16),
    'Batch entry longer than its frame: entry at payload byte 0, length=16, payload length=16',
  );
});

test("refuses a payload that ends inside the last entry's padding", () => {
  const first = batch(message(16));
  for (const [length, cut] of [
    [1, 9],
    [1, 15],
    [4, 12],
    [5, 13],
  ] as const) {
    const payload = Uint8Array.from([...first, ...entry(message(length)).slice(0, cut)]);
    assert.is(
      violation(payload),
      `Batch entry padding cut short: entries end at payload byte ${24 + batchEntryLength(length)}, ` +
        `payload length=${24 + cut}`,
      `length=${length} cut=${cut}`,
    );
  }
  assert.is(
    violation(Uint8Array.from(entry(message(1)).slice(0, 9))),
    'Batch entry padding cut short: entries end at payload byte 16, payload length=9',
  );
});

const batchFrame = (payload: Uint8Array, rest: Partial<Frame> = {}): Frame => ({
  kind: FrameKind.Batch,
  flags: 0,
  status: 0,
  correlation: 0,
  method: 0,
  payload,
  ...rest,
});

/** The bytes of a frame with `header`'s fields and `payload`, written without FrameC's checks. */
function rawFrame(header: Frame, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  out.set(FrameHeaderC.encode({ ...header, kind: FrameKind.Data, correlation: 0, method: 0, status: 0 }));
  const view = new DataView(out.buffer);
  view.setUint8(0, header.kind);
  view.setUint16(2, header.status, true);
  view.setUint32(4, header.correlation, true);
  view.setUint32(8, header.method, true);
  out.set(payload, 16);
  return out;
}

test('at most BATCH_MAX_ENTRIES entries; `sizes` gets the lengths as checked, cleared first', () => {
  const empties = (n: number): Uint8Array => new Uint8Array(n * BATCH_ENTRY_HEADER_LENGTH); // n empty messages
  assert.is(violation(empties(BATCH_MAX_ENTRIES)), undefined);
  assert.is(
    violation(empties(BATCH_MAX_ENTRIES + 1)),
    `Batch frame with more than ${BATCH_MAX_ENTRIES} entries: payload length=${(BATCH_MAX_ENTRIES + 1) * 8}`,
  );
  const payload = batch(message(3), message(0), message(17));
  const sizes = [99, 99, 99, 99];
  assert.is(batchViolation(new DataView(payload.buffer), 0, payload.length, sizes), undefined);
  assert.equal(sizes, [3, 0, 17]);
});

test('FrameC: a Batch frame encodes, decodes back (zero-copy, at an odd byteOffset) and is accepted by is', () => {
  const payload = batch(message(3), message(0), message(9, 4));
  const f = batchFrame(payload);
  assert.ok(FrameC.is(f));
  const bytes = FrameC.encode(f);
  assert.equal(Array.from(bytes.subarray(0, 16)), [9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(Array.from(bytes.subarray(16)), Array.from(payload));
  const view = offsetView(bytes, 3);
  const decoded = right(FrameC.decode(view));
  assert.equal({ ...decoded, payload: Array.from(decoded.payload) }, { ...f, payload: Array.from(payload) });
  assert.is(decoded.payload.buffer, view.buffer);
  assert.is(decoded.payload.byteOffset, view.byteOffset + 16);
  assert.is(frameViolation(FrameKind.Batch, 0, 0, 0, payload), undefined);
});

test('FrameC: refuses a Batch with correlation, method or status, or a malformed payload', () => {
  const good = batch(message(2));
  const cases: [Frame, string][] = [
    [batchFrame(good, { correlation: 1 }), 'Batch frame must have correlation 0, got 1 at offset 4'],
    [batchFrame(good, { method: 3 }), 'Batch frame must have method 0, got 3 at offset 8'],
    [batchFrame(good, { status: 2 }), 'Batch frame must have status 0, got 2 at offset 2'],
    [batchFrame(u8a()), 'Batch frame must carry at least one message'],
    [batchFrame(u8a(1, 0, 0)), 'Batch entry header cut short: entry at payload byte 0, payload length=3'],
    [
      batchFrame(Uint8Array.from(entry(message(2), 0, 0xffffffff))),
      'Batch entry longer than its frame: entry at payload byte 0, length=4294967295, payload length=16',
    ],
    [
      batchFrame(good.subarray(0, 12)),
      'Batch entry padding cut short: entries end at payload byte 16, payload length=12',
    ],
  ];
  for (const [f, message] of cases) {
    assert.not.ok(FrameC.is(f), message);
    assert.equal(leftLines(FrameC.decode(rawFrame(f, f.payload))), [`<root>: ${message}`]);
    assert.is(
      frameViolation(f.kind, f.status, f.correlation, f.method, f.payload),
      message.replace(/ at offset \d+$/, ''),
    );
  }
});

test.run();
