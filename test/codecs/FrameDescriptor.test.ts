import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FRAME_CORRELATION_OFFSET,
  FRAME_FLAGS_OFFSET,
  FRAME_HEADER_LENGTH,
  FRAME_KIND_OFFSET,
  FRAME_METHOD_OFFSET,
  FRAME_PAYLOAD_ALIGNMENT,
  FRAME_RESERVED_OFFSET,
  FRAME_STATUS_OFFSET,
  readFrameCorrelation,
  readFrameFlags,
  readFrameKind,
  readFrameMethod,
  readFrameStatus,
  writeFrameHeader,
} from '../../src/codecs/FrameDescriptor.js';
import { FrameKind } from '../../src/codecs/FrameKind.js';
import { Status } from '../../src/codecs/Status.js';

test('offsets match the normative layout', () => {
  assert.equal(
    [
      FRAME_KIND_OFFSET,
      FRAME_FLAGS_OFFSET,
      FRAME_STATUS_OFFSET,
      FRAME_CORRELATION_OFFSET,
      FRAME_METHOD_OFFSET,
      FRAME_RESERVED_OFFSET,
    ],
    [0, 1, 2, 4, 8, 12],
  );
  assert.is(FRAME_HEADER_LENGTH, 16);
  assert.is(FRAME_HEADER_LENGTH % FRAME_PAYLOAD_ALIGNMENT, 0);
});

test('writeFrameHeader writes little-endian bytes at byteOffset and zeroes reserved', () => {
  const buffer = new ArrayBuffer(40);
  new Uint8Array(buffer).fill(0xff);
  const view = new DataView(buffer, 4);
  writeFrameHeader(view, 8, FrameKind.Error, 0x80, Status.Timeout, 0x01020304, 0);
  assert.equal(Array.from(new Uint8Array(buffer, 12, 16)), [4, 0x80, 5, 0, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(new Uint8Array(buffer)[11], 0xff);
  assert.is(new Uint8Array(buffer)[28], 0xff);
});

test('read* return what writeFrameHeader wrote, full u32/u16 ranges', () => {
  const view = new DataView(new ArrayBuffer(32));
  writeFrameHeader(view, 16, FrameKind.Request, 0xff, 0xffff, 0xffffffff, 0xfffffffe);
  assert.is(readFrameKind(view, 16), FrameKind.Request);
  assert.is(readFrameFlags(view, 16), 0xff);
  assert.is(readFrameStatus(view, 16), 0xffff);
  assert.is(readFrameCorrelation(view, 16), 0xffffffff);
  assert.is(readFrameMethod(view, 16), 0xfffffffe);
});

test.run();
