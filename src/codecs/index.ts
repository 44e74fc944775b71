/**
 * rxshm codecs: the frame format every channel speaks, and io-ts codecs for user payloads
 * (`t.Type<A, Uint8Array, Uint8Array>`). No rxjs here; the `decode`/`encode` operators live in src/streams.
 */
export {
  FRAME_KIND_OFFSET,
  FRAME_FLAGS_OFFSET,
  FRAME_STATUS_OFFSET,
  FRAME_CORRELATION_OFFSET,
  FRAME_METHOD_OFFSET,
  FRAME_RESERVED_OFFSET,
  FRAME_HEADER_LENGTH,
  FRAME_PAYLOAD_ALIGNMENT,
  writeFrameHeader,
  readFrameKind,
  readFrameFlags,
  readFrameStatus,
  readFrameCorrelation,
  readFrameMethod,
} from './FrameDescriptor.js';
export { FrameKind, FrameKindC, isFrameKind, frameKindName } from './FrameKind.js';
export { Status, StatusC, USER_STATUS_MIN, STATUS_MAX } from './Status.js';
export { FrameHeaderC, type FrameHeader } from './FrameHeader.js';
export { FrameC, frameViolation, type Frame } from './Frame.js';
export { BATCH_ENTRY_HEADER_LENGTH, BATCH_MAX_ENTRIES, batchEntryLength, batchViolation } from './FrameBatch.js';
export { DecodeError, toDecodeError, decodeOrThrow } from './DecodeError.js';
export { EncodeError } from './EncodeError.js';
export { json, type JsonC } from './json.js';
export { utf8, type Utf8C } from './utf8.js';
export { bytes, type BytesC } from './bytes.js';
export { INVALID, fieldType, type FieldC, type FieldSpec } from './FieldC.js';
export { u8, u16, u32, i8, i16, i32, f32, f64, u64, i64, bool } from './fields.js';
export { fixedUtf8 } from './fixedUtf8.js';
export { fixedBytes } from './fixedBytes.js';
export { array, type ArrayC } from './array.js';
export { optional, type OptionalC } from './optional.js';
export { struct, type StructC, type StructOf, type Props } from './struct.js';
