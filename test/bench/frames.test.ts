/** Length framing survives any chunking of the byte stream; the RPC baseline's calls keep their ids. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame, FrameReader } from '../../bench/lib/frames.js';
import { isPayload, payload } from '../../bench/lib/payload.js';
import { decodeCall, encodeCall } from '../../bench/lib/rpc-frames.js';

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

test('rpc calls come out of the frame reader with their ids and payloads, in any chunking', () => {
  const calls = [
    { id: 0, bytes: 32 },
    { id: 0xffffffff, bytes: 0 },
    { id: 7, bytes: 1000 },
  ];
  const stream = Buffer.concat(calls.map((c) => encodeCall(c.id, payload(c.bytes))));
  for (const step of [1, 3, 4, 9, 4096]) {
    const got: { id: number; payload: Buffer }[] = [];
    const reader = new FrameReader((body) => {
      const call = decodeCall(body);
      got.push({ id: call.id, payload: Buffer.from(call.payload) });
    });
    for (let i = 0; i < stream.length; i += step) reader.push(stream.subarray(i, i + step));
    assert.equal(
      got.map((c) => [c.id, c.payload.length]),
      calls.map((c) => [c.id, c.bytes]),
      `step ${step}`,
    );
    assert.ok(
      got.every((c) => isPayload(c.payload)),
      `payload bytes intact, step ${step}`,
    );
  }
});

test('an rpc frame too short for its correlation id is refused', () => {
  assert.throws(() => decodeCall(Buffer.alloc(3)), /body of 3 bytes has no correlation id/);
});

test.run();
