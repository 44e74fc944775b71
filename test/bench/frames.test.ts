/** Length framing survives any chunking of the byte stream. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame, FrameReader } from '../../bench/lib/frames.js';
import { isPayload, payload } from '../../bench/lib/payload.js';

test('frames split at every byte boundary and coalesced come out whole and in order', () => {
  const stream = Buffer.concat([
    encodeFrame(payload(8)),
    encodeFrame(payload(0)),
    encodeFrame(payload(1000)),
    encodeFrame(payload(3)),
  ]);
  for (const step of [1, 2, 3, 5, 7, 64, 4096]) {
    const got: Buffer[] = [];
    const reader = new FrameReader((f) => got.push(Buffer.from(f)));
    for (let i = 0; i < stream.length; i += step) reader.push(stream.subarray(i, i + step));
    assert.equal(
      got.map((f) => f.length),
      [8, 0, 1000, 3],
      `step ${step}`,
    );
    assert.ok(got.every(isPayload), `payload bytes intact, step ${step}`);
  }
});

test('payloads are deterministic and shared by size', () => {
  assert.is(payload(16), payload(16));
  assert.equal([...payload(4)], [7, 138, 13, 144]);
});

test.run();
