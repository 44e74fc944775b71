/**
 * The golden vectors (test/vectors/*.vec, format in test/vectors/README.md): each committed file is rebuilt from its
 * inputs with rxshm's own encoders and compared byte for byte, and its bytes are decoded back (or refused with the
 * named error). The files are never regenerated here: changing the bytes of layout version 1 fails this suite, and
 * so does bumping LAYOUT_VERSION without regenerating (and re-reviewing) every vector.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft } from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { BATCH_ENTRY_HEADER_LENGTH, FrameC, batchEntryLength, batchViolation } from '../../src/codecs/index.js';
import {
  ChannelSession,
  LAYOUT_VERSION,
  RingCorruptError,
  RingReader,
  SegmentHeaderError,
  WRITE_POSITION_OFFSET,
  readChannelSegment,
} from '../../src/layout/index.js';
import { decodeSetupHello, decodeSetupReply } from '../../src/streams/handshake/setup-wire.js';
import { expectError, right } from '../helpers/assertions.js';
import { BUILT_TYPES, buildExpected } from '../vectors/build.js';
import { Fields, VECTOR_DIR, readVectors, toHex, type Vector } from '../vectors/format.js';
import { allVectors } from '../vectors/generate.js';

const test = suite('layout: golden vectors');
const vectors = readVectors();
const fields = (v: Vector): Fields => new Fields(v);

/** Where two byte strings first differ, for a failure message a person can act on. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length === expected.length && actual.every((b, i) => b === expected[i])) return;
  const at = actual.findIndex((b, i) => b !== expected[i]);
  assert.unreachable(
    `${what}: built ${actual.length} bytes, committed ${expected.length}; first difference at byte ` +
      `${at === -1 ? Math.min(actual.length, expected.length) : at}: built ${toHex(actual)}`.slice(0, 400),
  );
}

test('the committed files are exactly the vectors generate.ts defines, each for this layout version', () => {
  assert.equal(
    vectors.map((v) => v.name),
    allVectors()
      .map((v) => v.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'stale or missing .vec files: run node --import tsx test/vectors/generate.ts',
  );
  assert.ok(vectors.length >= 60, `only ${vectors.length} vectors`);
  for (const v of vectors) {
    assert.is(
      fields(v).int('layout_version'),
      LAYOUT_VERSION,
      `${v.name} pins layout version ${fields(v).int('layout_version')}, the library is ${LAYOUT_VERSION}: a new ` +
        'layout version needs new vectors (and a review of every native peer)',
    );
  }
});

test('every vector is documented in test/vectors/README.md and states what it pins', () => {
  const readme = readFileSync(join(VECTOR_DIR, 'README.md'), 'utf8');
  for (const v of vectors) {
    assert.ok(readme.includes(`\`${v.name}\``), `README.md does not list ${v.name}`);
    assert.ok(
      v.comments.some((c) => c.includes('docs/LAYOUT.md')),
      `${v.name} does not say which section it pins`,
    );
  }
});

test('built vectors: the library builds exactly the committed bytes from the inputs', () => {
  const built = vectors.filter((v) => BUILT_TYPES.includes(fields(v).text('type')));
  assert.ok(built.length >= 25, `only ${built.length} built vectors`);
  for (const v of built) sameBytes(buildExpected(fields(v)), fields(v).bytes('expect'), v.name);
});

test('segment headers decode back to their inputs', () => {
  for (const v of vectors.filter((v) => fields(v).text('type') === 'segment-header')) {
    const f = fields(v);
    const buffer = new ArrayBuffer(f.int('segment_size'));
    new Uint8Array(buffer).set(f.bytes('expect'));
    const layout = readChannelSegment(buffer);
    const capacity = f.int('ring_capacity');
    assert.equal(
      [layout.ringCapacity, layout.maxMessage, layout.token, layout.creatorPid, layout.segmentSize],
      [capacity, f.int('max_message'), f.u64('token'), f.int('creator_pid'), f.int('segment_size')],
      v.name,
    );
    assert.equal([layout.serverToClient, layout.clientToServer], [256, 256 + 128 + capacity], v.name);
    const s = new ChannelSession(buffer);
    assert.equal(
      [s.generation, s.serverState, s.clientState, s.serverPid, s.clientPid, s.closeFlags],
      ['generation', 'server_state', 'client_state', 'server_pid', 'client_pid', 'close_flags'].map((k) => f.int(k)),
      v.name,
    );
  }
});

test('rings: a consumer reads the payloads back in order, skipping padding, up to WRITE_POSITION', () => {
  for (const v of vectors.filter((v) => fields(v).text('type') === 'ring')) {
    const f = fields(v);
    const region = f.bytes('expect').slice();
    const reader = new RingReader(region.buffer, 0, f.int('capacity'), f.int('max_message'), 'auto');
    const read: string[] = [];
    while (reader.poll()) {
      read.push(toHex(reader.copy()));
      reader.release();
    }
    assert.equal(read, f.all('payload'), v.name);
    assert.is(reader.readPosition, new DataView(region.buffer).getUint32(WRITE_POSITION_OFFSET, true), v.name);
    assert.is(reader.producerDropsOldest(), f.int('drop_oldest') === 1, v.name);
  }
});

test('frames decode back to their fields; unknown flag bits and the reserved word are ignored', () => {
  for (const v of vectors.filter((v) => ['frame', 'frame-decode'].includes(fields(v).text('type')))) {
    const f = fields(v);
    const frame = right(FrameC.decode(f.text('type') === 'frame' ? f.bytes('expect') : f.bytes('bytes')));
    assert.equal(
      [frame.kind, frame.flags, frame.status, frame.correlation, frame.method, toHex(frame.payload)],
      [f.int('kind'), f.int('flags'), f.int('status'), f.int('correlation'), f.int('method'), f.text('payload')],
      v.name,
    );
  }
});

test('Batch frames decode back to their messages, in order', () => {
  const batches = vectors.filter((v) => fields(v).text('type') === 'batch');
  assert.ok(batches.length >= 1);
  for (const v of batches) {
    const f = fields(v);
    const frame = right(FrameC.decode(f.bytes('expect')));
    assert.equal([frame.kind, frame.flags, frame.status, frame.correlation, frame.method], [9, 0, 0, 0, 0], v.name);
    const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.length);
    const sizes: number[] = [];
    assert.is(batchViolation(view, 0, frame.payload.length, sizes), undefined, v.name);
    let at = 0;
    const messages = sizes.map((size) => {
      const message = frame.payload.subarray(at + BATCH_ENTRY_HEADER_LENGTH, at + BATCH_ENTRY_HEADER_LENGTH + size);
      at += batchEntryLength(size);
      return toHex(message);
    });
    assert.equal(messages, f.all('message'), v.name);
  }
});

test('HELLO2, REPLY and doorbell addresses decode back to their inputs', () => {
  for (const v of vectors) {
    const f = fields(v);
    const type = f.text('type');
    if (type === 'hello2') assert.is(decodeSetupHello(f.bytes('expect')), f.int('pid'), v.name);
    if (type === 'reply') {
      assert.equal(decodeSetupReply(f.bytes('expect')), { status: f.int('status'), clientId: f.int('client_id') });
    }
    if (type === 'doorbell-address') {
      const address = f.bytes('expect');
      assert.is(address[0], 0, `${v.name}: abstract addresses start with a NUL`);
      assert.is(address.length + 2, f.int('expect_sockaddr_length'), v.name);
    }
  }
});

test('malformed segment headers and rings fail with the named error code', () => {
  for (const v of vectors.filter((v) => fields(v).text('type') === 'segment-header-invalid')) {
    const f = fields(v);
    const buffer = new ArrayBuffer(f.int('segment_size'));
    new Uint8Array(buffer).set(f.bytes('bytes'));
    expectError(() => readChannelSegment(buffer), SegmentHeaderError, f.text('expect_error') as never);
  }
  for (const v of vectors.filter((v) => fields(v).text('type') === 'ring-invalid')) {
    const f = fields(v);
    const region = f.bytes('bytes').slice();
    const reader = new RingReader(region.buffer, 0, f.int('capacity'), f.int('max_message'));
    expectError(() => reader.poll(), RingCorruptError, f.text('expect_error') as never);
  }
});

/** What FrameC says for each rule a frame-invalid vector names. */
const FRAME_RULES: Record<string, RegExp> = {
  short: /expected at least 16 bytes/,
  'unknown-kind': /unknown frame kind/,
  'correlation-not-zero': /must have correlation 0/,
  'method-not-request': /must have method 0/,
  'status-not-error': /must have status 0/,
  'error-status-zero': /must have a non-zero status/,
  'payload-not-empty': /must have an empty payload/,
  'error-bad-utf8': /invalid UTF-8/,
  'batch-empty': /Batch frame must carry at least one message/,
  'batch-too-many-entries': /Batch frame with more than 4096 entries/,
  'batch-entry-cut': /Batch entry header cut short/,
  'batch-entry-too-long': /Batch entry longer than its frame/,
  'batch-padding-cut': /Batch entry padding cut short/,
};

test('malformed frames are refused for the rule they name', () => {
  const invalid = vectors.filter((v) => fields(v).text('type') === 'frame-invalid');
  assert.ok(invalid.length >= 10);
  for (const v of invalid) {
    const f = fields(v);
    const result = FrameC.decode(f.bytes('bytes'));
    assert.ok(isLeft(result), `${v.name} decoded`);
    const rule = FRAME_RULES[f.text('expect_error')];
    assert.ok(rule, `${v.name}: unknown rule ${f.text('expect_error')}`);
    assert.match(PathReporter.report(result).join('; '), rule!, v.name);
  }
});

test.run();
