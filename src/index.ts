/**
 * rxshm: shared-memory IPC with RxJS observables as the public face.
 * Names are exported explicitly; native and layout internals stay internal except what users and C peers need.
 */
export * from './streams/index.js';
export {
  // payload codecs and their building blocks
  json,
  utf8,
  bytes,
  struct,
  u8,
  u16,
  u32,
  i8,
  i16,
  i32,
  f32,
  f64,
  u64,
  i64,
  bool,
  fixedUtf8,
  fixedBytes,
  array,
  optional,
  DecodeError,
  EncodeError,
  decodeOrThrow,
  // the wire frame, for peers and tools
  FrameC,
  FrameHeaderC,
  FrameKind,
  Status,
  FRAME_HEADER_LENGTH,
  USER_STATUS_MIN,
  type Frame,
  type FrameHeader,
  type FieldC,
  type StructC,
  type StructOf,
  type JsonC,
} from './codecs/index.js';
export {
  RingCorruptError,
  SegmentHeaderError,
  SEGMENT_MAGIC,
  LAYOUT_VERSION,
  SEGMENT_HEADER_LENGTH,
  RING_HEADER_LENGTH,
  RECORD_HEADER_LENGTH,
  type OverflowPolicy,
} from './layout/index.js';
export { SegmentError, SegmentClosedError, CreateSegmentError, OpenSegmentError } from './native/index.js';
export { RxshmError } from './errors/rxshm-error.js';
