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
  });
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
  assert.is(frameKindName(9), 'unknown(9)');
});

test.run();
