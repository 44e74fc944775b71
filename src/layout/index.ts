/**
 * The binary layout of rxshm segments: pure TypeScript over any ArrayBuffer (no koffi, no rxjs). Normative spec and
 * the cross-process invariants every module here relies on: docs/LAYOUT.md.
 */
export * from './errors.js';
export * from './segment-descriptor.js';
export * from './ring-descriptor.js';
export { RingWriter, RING_FULL, type OverflowPolicy } from './ring-writer.js';
export { RingReader } from './ring-reader.js';
export {
  channelSegmentLength,
  checkChannelGeometry,
  initChannelSegment,
  isSegmentUnpublished,
  loadSegmentMagic,
  readChannelSegment,
  resetRing,
  type ChannelGeometry,
  type ChannelLayout,
} from './channel-segment.js';
export { ChannelSession } from './session.js';
