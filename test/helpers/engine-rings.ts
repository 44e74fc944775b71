/**
 * Rings for the engine unit specs: one real ring (src/layout, built by test/helpers/layout.ts) over a
 * SharedArrayBuffer in this process, so the sender writes what the receiver reads, record for record, with no second
 * process; and frames read and written at the byte level, to check what the sender wrote or to forge what a peer
 * might write.
 */
import {
  BATCH_ENTRY_HEADER_LENGTH,
  FRAME_HEADER_LENGTH,
  FrameKind,
  batchEntryLength,
  batchViolation,
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

/** One message as read back: the kind of the frame it came in (Batch for a packed one), its record's index. */
export interface ReadMessage {
  readonly kind: number;
  readonly record: number;
  readonly payload: number[];
}

/**
 * Reads and releases every visible record like readFrames, but unpacks each Batch frame into its messages (checked
 * as a consumer must: header fields 0, reserved words 0, entries exactly filling the payload; else it throws).
 * Control frames come out as one message each, with their own kind and payload.
 */
export function readMessages(reader: RingReader, startRecord = 0): ReadMessage[] {
  const out: ReadMessage[] = [];
  readFrames(reader).forEach((frame, i) => {
    const record = startRecord + i;
    if (frame.kind !== FrameKind.Batch) return void out.push({ kind: frame.kind, record, payload: frame.payload });
    if ((frame.status | frame.correlation | frame.method) !== 0) throw new Error(`Batch ${record}: header fields`);
    const bytes = Uint8Array.from(frame.payload);
    const view = new DataView(bytes.buffer);
    const violation = batchViolation(view, 0, bytes.length);
    if (violation !== undefined) throw new Error(`Batch ${record}: ${violation}`);
    for (let at = 0; at < bytes.length;) {
      const size = view.getUint32(at, true);
      if (view.getUint32(at + 4, true) !== 0) throw new Error(`Batch ${record}: reserved word at ${at} not 0`);
      const start = at + BATCH_ENTRY_HEADER_LENGTH;
      out.push({ kind: FrameKind.Batch, record, payload: [...bytes.subarray(start, start + size)] });
      at += batchEntryLength(size);
    }
  });
  return out;
}

/** The payload of a Batch frame packing `messages` (entries: length, reserved 0, bytes, padding to 8). */
export function batchPayload(messages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.reduce((sum, m) => sum + batchEntryLength(m.length), 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const m of messages) {
    view.setUint32(at, m.length, true);
    out.set(m, at + BATCH_ENTRY_HEADER_LENGTH);
    at += batchEntryLength(m.length);
  }
  return out;
}

/** Writes one Batch frame packing `messages` as a peer would (header fields may be forged non-zero). */
export function writeBatchFrame(
  writer: RingWriter,
  messages: Uint8Array[],
  fields: { status?: number; correlation?: number; method?: number } = {},
): void {
  writeRawFrame(writer, { kind: FrameKind.Batch, ...fields }, batchPayload(messages));
}
