/**
 * FrameKind: the kind bytes are the normative ones (Batch = 9 the last), isFrameKind and FrameKindC agree on every
 * byte, and frameKindName names the known kinds and marks the others unknown (0, 10 and above).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, FrameKindC, frameKindName, isFrameKind } from '../../src/codecs/FrameKind.js';

test('kind bytes are the normative ones', () => {
  assert.equal(FrameKind, {
    Data: 1,
    Request: 2,
    Response: 3,
    Error: 4,
    LivenessCheck: 5,
    Alive: 6,
    Close: 7,
    Cancel: 8,
    Batch: 9,
  });
});

test('9 (Batch) is the last known kind: 1..9 known, 0 and 10.. unknown', () => {
  for (let n = 1; n <= 9; n++) assert.ok(isFrameKind(n), `n=${n}`);
  for (const n of [0, 10, 11, 255]) assert.not.ok(isFrameKind(n), `n=${n}`);
  assert.ok(FrameKindC.is(9));
  assert.is(FrameKindC.decode(9)._tag, 'Right');
  assert.is(FrameKindC.decode(10)._tag, 'Left');
});

test('isFrameKind and FrameKindC.is agree on 0..255 and odd values', () => {
  for (let n = 0; n < 256; n++) assert.is(isFrameKind(n), FrameKindC.is(n), `n=${n}`);
  for (const u of [1.5, '1', null, undefined, NaN]) {
    assert.is(isFrameKind(u), false);
    assert.is(FrameKindC.is(u), false);
  }
});

test('frameKindName', () => {
  assert.is(frameKindName(FrameKind.LivenessCheck), 'LivenessCheck');
  assert.is(frameKindName(FrameKind.Batch), 'Batch');
  assert.is(frameKindName(9), 'Batch');
  assert.is(frameKindName(10), 'unknown(10)');
  assert.is(frameKindName(0), 'unknown(0)');
});

test.run();
