/**
 * Rings for the engine unit specs: one real ring (src/layout, built by test/helpers/layout.ts) over a
 * SharedArrayBuffer in this process, so the sender writes what the receiver reads, record for record, with no second
 * process; and frames read and written at the byte level, to check what the sender wrote or to forge what a peer
 * might write.
 */
import {
  FRAME_HEADER_LENGTH,
  readFrameCorrelation,
  readFrameKind,
  readFrameMethod,
  readFrameStatus,
  writeFrameHeader,
} from '../../src/codecs/index.js';
import type { RingReader } from '../../src/layout/ring-reader.js';
import type { RingWriter } from '../../src/layout/ring-writer.js';
import { TEST_RING_OFFSET, makeRing } from './layout.js';

/** A ring's writer and reader, its buffer and where its data area starts (see makeRing). */
export type TestRing = ReturnType<typeof makeRing> & {
  /** Int32 word of the ring header field at `offset` (READ_POSITION_OFFSET, ...), for forging positions. */
  readonly wordIndex: (offset: number) => number;
};

/** A ring of `capacity` data bytes; `maxMessage` is the largest record payload the reader accepts. */
export function testRing(capacity: number, options: { dropOldest?: boolean; maxMessage?: number } = {}): TestRing {
  return { ...makeRing(capacity, options), wordIndex: (offset) => (TEST_RING_OFFSET + offset) >> 2 };
}

/** A frame as read back: header fields and payload bytes. */
export interface ReadFrame {
  readonly kind: number;
  readonly status: number;
  readonly correlation: number;
  readonly method: number;
  readonly payload: number[];
}

/** Reads and releases every visible record as a frame. */
export function readFrames(reader: RingReader): ReadFrame[] {
  const view = new DataView(reader.bytes.buffer);
  const frames: ReadFrame[] = [];
  while (reader.poll()) {
    const at = reader.payloadOffset;
    frames.push({
      kind: readFrameKind(view, at),
      status: readFrameStatus(view, at),
      correlation: readFrameCorrelation(view, at),
      method: readFrameMethod(view, at),
      payload: [...reader.bytes.subarray(at + FRAME_HEADER_LENGTH, at + reader.payloadLength)],
    });
    reader.release();
  }
  return frames;
}

/** Writes one record holding a frame straight into the ring, as a peer would (no checks: it may be malformed). */
export function writeRawFrame(
  writer: RingWriter,
  fields: { kind: number; status?: number; correlation?: number; method?: number },
  payload: Uint8Array = new Uint8Array(0),
): void {
  const at = writer.tryClaim(FRAME_HEADER_LENGTH + payload.length);
  if (at < 0) throw new Error('writeRawFrame: ring full');
  const view = new DataView(writer.bytes.buffer);
  writeFrameHeader(view, at, fields.kind, 0, fields.status ?? 0, fields.correlation ?? 0, fields.method ?? 0);
  writer.bytes.set(payload, at + FRAME_HEADER_LENGTH);
  writer.commit();
}
