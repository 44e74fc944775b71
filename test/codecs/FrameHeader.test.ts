/**
 * FrameHeaderC: the per-kind header rules of docs/LAYOUT.md section 6 (correlation 0 for Data, Close and Batch; method
 * only on a Request; status only on an Error, and never 0 there), the round trip of every kind, and exact messages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameHeaderC, type FrameHeader } from '../../src/codecs/FrameHeader.js';
import { writeFrameHeader } from '../../src/codecs/FrameDescriptor.js';
import { FrameKind } from '../../src/codecs/FrameKind.js';
import { Status } from '../../src/codecs/Status.js';
import { leftLines, right } from '../helpers/assertions.js';
import { offsetView } from '../helpers/bytes.js';

const header = (kind: number, status = 0, correlation = 0, method = 0, flags = 0): Uint8Array => {
  const out = new Uint8Array(16);
  writeFrameHeader(new DataView(out.buffer), 0, kind, flags, status, correlation, method);
  return out;
};

const valid: FrameHeader[] = [
  { kind: FrameKind.Data, flags: 0, status: 0, correlation: 0, method: 0 },
  { kind: FrameKind.Request, flags: 0, status: 0, correlation: 0xffffffff, method: 0xffffffff },
  { kind: FrameKind.Response, flags: 0, status: 0, correlation: 1, method: 0 },
  { kind: FrameKind.Error, flags: 0, status: 0xffff, correlation: 1, method: 0 },
  { kind: FrameKind.LivenessCheck, flags: 0, status: 0, correlation: 9, method: 0 },
  { kind: FrameKind.Alive, flags: 0, status: 0, correlation: 9, method: 0 },
  { kind: FrameKind.Close, flags: 0, status: 0, correlation: 0, method: 0 },
  { kind: FrameKind.Cancel, flags: 0, status: 0, correlation: 3, method: 0 },
  { kind: FrameKind.Batch, flags: 0, status: 0, correlation: 0, method: 0 },
];

test('is', () => {
  for (const h of valid) assert.ok(FrameHeaderC.is(h), JSON.stringify(h));
  assert.not.ok(FrameHeaderC.is({ ...valid[0], kind: 10 }));
  assert.not.ok(FrameHeaderC.is({ ...valid[0], flags: 256 }));
  assert.not.ok(FrameHeaderC.is({ ...valid[0], correlation: 1 }));
  assert.not.ok(FrameHeaderC.is({ ...valid[3], status: 0 }));
  assert.not.ok(FrameHeaderC.is({ ...valid[1], correlation: 2 ** 32 }));
  assert.not.ok(FrameHeaderC.is(null));
  const batch = valid[8]!;
  assert.not.ok(FrameHeaderC.is({ ...batch, correlation: 1 }));
  assert.not.ok(FrameHeaderC.is({ ...batch, method: 1 }));
  assert.not.ok(FrameHeaderC.is({ ...batch, status: 1 }));
});

test('encode/decode round trip of every kind, at a non-zero byteOffset', () => {
  for (const h of valid) {
    const bytes = FrameHeaderC.encode(h);
    assert.is(bytes.length, 16);
    assert.equal(right(FrameHeaderC.decode(offsetView(bytes))), h);
  }
});

test('decode reads the header of a longer input and ignores flags bits and reserved', () => {
  const bytes = new Uint8Array(20);
  bytes.set(header(FrameKind.Data, 0, 0, 0, 0xa5));
  bytes.fill(0x77, 12);
  assert.equal(right(FrameHeaderC.decode(bytes)), { kind: 1, flags: 0xa5, status: 0, correlation: 0, method: 0 });
});

test('decode failures: exact messages', () => {
  assert.equal(leftLines(FrameHeaderC.decode(new Uint8Array(15))), [
    '<root>: expected at least 16 bytes for a frame header, got 15',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(0))), ['<root>: unknown frame kind 0 at offset 0']);
  assert.equal(leftLines(FrameHeaderC.decode(header(10))), ['<root>: unknown frame kind 10 at offset 0']);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Data, 0, 5))), [
    '<root>: Data frame must have correlation 0, got 5 at offset 4',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Close, 0, 1))), [
    '<root>: Close frame must have correlation 0, got 1 at offset 4',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Batch, 0, 5))), [
    '<root>: Batch frame must have correlation 0, got 5 at offset 4',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Batch, 0, 0, 2))), [
    '<root>: Batch frame must have method 0, got 2 at offset 8',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Batch, 3))), [
    '<root>: Batch frame must have status 0, got 3 at offset 2',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Response, 0, 1, 3))), [
    '<root>: Response frame must have method 0, got 3 at offset 8',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Alive, Status.Timeout, 1))), [
    '<root>: Alive frame must have status 0, got 5 at offset 2',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode(header(FrameKind.Error, 0, 1))), [
    '<root>: Error frame must have a non-zero status at offset 2',
  ]);
  assert.equal(leftLines(FrameHeaderC.decode('x' as unknown as Uint8Array)), [
    '<root>: expected a Uint8Array, got string',
  ]);
});

test.run();
