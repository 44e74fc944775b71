/**
 * rxshm: shared-memory IPC with RxJS observables as the public face.
 * Names are exported explicitly; native and layout internals stay internal except what interop needs.
 */
export * from './streams/index.js';
export type { OverflowPolicy } from './layout/index.js';
export { RingCorruptError, SegmentHeaderError } from './layout/index.js';
