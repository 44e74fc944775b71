import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameC, type Frame } from '../../src/codecs/Frame.js';
import { FrameHeaderC } from '../../src/codecs/FrameHeader.js';
import { FrameKind } from '../../src/codecs/FrameKind.js';
import { Status } from '../../src/codecs/Status.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView, u8a } from '../helpers/bytes.js';

const frame = (kind: Frame['kind'], payload: Uint8Array, rest: Partial<Frame> = {}): Frame => ({
  kind,
  flags: 0,
  status: 0,
  correlation: 0,
  method: 0,
  payload,
  ...rest,
});

test('round trip with payload at a non-zero byteOffset; payload is a zero-copy subarray', () => {
  const f = frame(FrameKind.Request, u8a(1, 2, 3), { correlation: 7, method: 2 });
  const bytes = FrameC.encode(f);
  assert.equal(Array.from(bytes), [2, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
  const view = offsetView(bytes);
  const decoded = right(FrameC.decode(view));
  assert.equal({ ...decoded, payload: Array.from(decoded.payload) }, { ...f, payload: [1, 2, 3] });
  assert.is(decoded.payload.buffer, view.buffer);
  assert.is(decoded.payload.byteOffset, view.byteOffset + 16);
});

test('empty-payload kinds and an Error with a message', () => {
  for (const kind of [FrameKind.LivenessCheck, FrameKind.Alive, FrameKind.Cancel]) {
    const f = frame(kind, new Uint8Array(0), { correlation: 1 });
    assert.ok(FrameC.is(f));
    assert.is(right(FrameC.decode(FrameC.encode(f))).payload.length, 0);
  }
  const close = FrameC.encode(frame(FrameKind.Close, new Uint8Array(0)));
  assert.is(right(FrameC.decode(close)).kind, FrameKind.Close);
  const error = frame(FrameKind.Error, new TextEncoder().encode('no such method: 9'), {
    status: Status.NoSuchMethod,
    correlation: 4,
  });
  assert.ok(FrameC.is(error));
  assert.is(new TextDecoder().decode(right(FrameC.decode(FrameC.encode(error))).payload), 'no such method: 9');
});

test('is rejects payload rule breaks', () => {
  assert.not.ok(FrameC.is(frame(FrameKind.Close, u8a(1))));
  assert.not.ok(FrameC.is(frame(FrameKind.Error, u8a(0xff), { status: 2, correlation: 1 })));
  assert.not.ok(FrameC.is({ ...frame(FrameKind.Data, u8a()), payload: [1] }));
  assert.not.ok(FrameC.is(frame(FrameKind.Data, u8a(), { correlation: 1 })));
});

test('decode failures: exact messages', () => {
  const withPayload = (f: Frame, payload: Uint8Array): Uint8Array => {
    const out = new Uint8Array(16 + payload.length);
    out.set(FrameHeaderC.encode(f));
    out.set(payload, 16);
    return out;
  };
  assert.equal(leftLines(FrameC.decode(u8a(1, 0, 0))), [
    '<root>: expected at least 16 bytes for a frame header, got 3',
  ]);
  assert.equal(leftLines(FrameC.decode(withPayload(frame(FrameKind.Close, u8a()), u8a(1, 2)))), [
    '<root>: Close frame must have an empty payload, got 2 bytes',
  ]);
  assert.equal(
    leftLines(FrameC.decode(withPayload(frame(FrameKind.LivenessCheck, u8a(), { correlation: 3 }), u8a(0)))),
    ['<root>: LivenessCheck frame must have an empty payload, got 1 bytes'],
  );
  assert.equal(
    leftLines(
      FrameC.decode(withPayload(frame(FrameKind.Error, u8a(), { status: 2, correlation: 1 }), u8a(0x61, 0xc3))),
    ),
    ['<root>: Error frame message: invalid UTF-8 at byte 17'],
  );
});

test.run();
