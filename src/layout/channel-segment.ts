/**
 * A channel segment: the 256-byte header, then two rings (server-to-client, client-to-server).
 *
 * Cross-process invariants:
 * - The creator writes every identity field and the ring table before MAGIC (an atomic store), so an opener that
 *   reads a valid MAGIC reads a complete header. Openers validate the whole header against the segment's size
 *   before touching a ring: a hostile header yields SegmentHeaderError, never an out-of-range view.
 * - Only the server resets rings, and only while no client is attached (before GENERATION is bumped).
 */
import { LayoutConfigError, SegmentHeaderError, type SegmentHeaderErrorCode } from './errors.js';
import {
  CLIENT_TO_SERVER_RING,
  CREATOR_PID_OFFSET,
  HEADER_LENGTH_OFFSET,
  KIND_CHANNEL,
  KIND_OFFSET,
  LAYOUT_VERSION,
  MAGIC_OFFSET,
  MAX_MESSAGE_OFFSET,
  RING_COUNT_OFFSET,
  RING_ENTRY_CAPACITY_OFFSET,
  RING_ENTRY_OFFSET_OFFSET,
  SEGMENT_HEADER_LENGTH,
  SEGMENT_MAGIC,
  SEGMENT_SIZE_OFFSET,
  SERVER_TO_CLIENT_RING,
  TOKEN_OFFSET,
  VERSION_OFFSET,
  ringEntryOffset,
} from './segment-descriptor.js';
import { RING_HEADER_LENGTH, isValidCapacity, maxPayloadFor, ringRegionLength } from './ring-descriptor.js';

/** Geometry of a channel, as chosen by its creator. */
export interface ChannelGeometry {
  /** Data bytes of each ring: a power of two. */
  readonly ringCapacity: number;
  /** Largest message payload, at most `ringCapacity - 8`. */
  readonly maxMessage: number;
}

/** Where everything of a validated channel segment is. */
export interface ChannelLayout extends ChannelGeometry {
  readonly segmentSize: number;
  readonly token: bigint;
  readonly creatorPid: number;
  /** Byte offsets of the two ring regions. */
  readonly serverToClient: number;
  readonly clientToServer: number;
}

/** Bytes a channel segment with this ring capacity occupies. */
export function channelSegmentLength(ringCapacity: number): number {
  return SEGMENT_HEADER_LENGTH + 2 * ringRegionLength(ringCapacity);
}

/** Throws LayoutConfigError unless the geometry is one a channel can have. */
export function checkChannelGeometry({ ringCapacity, maxMessage }: ChannelGeometry): void {
  if (!isValidCapacity(ringCapacity)) {
    throw new LayoutConfigError(
      'InvalidCapacity',
      `ringCapacity must be a power of two from 1024 to 2^30: ringCapacity=${ringCapacity}`,
    );
  }
  if (!Number.isInteger(maxMessage) || maxMessage < 1 || maxMessage > maxPayloadFor(ringCapacity)) {
    throw new LayoutConfigError(
      'InvalidMaxMessage',
      'maxMessage must be an integer from 1 to ringCapacity - 8: ' +
        `maxMessage=${maxMessage}, ringCapacity=${ringCapacity}`,
    );
  }
}

/** Writes a fresh channel header into zero-filled `buffer` (MAGIC last) and returns its layout. */
export function initChannelSegment(
  buffer: ArrayBufferLike,
  geometry: ChannelGeometry & { readonly token: bigint; readonly creatorPid: number },
): ChannelLayout {
  checkChannelGeometry(geometry);
  const size = channelSegmentLength(geometry.ringCapacity);
  if (buffer.byteLength < size) {
    throw new LayoutConfigError(
      'BufferTooSmall',
      `segment too small: needed=${size}, bufferLength=${buffer.byteLength}`,
    );
  }
  const data = new DataView(buffer);
  data.setUint16(VERSION_OFFSET, LAYOUT_VERSION, true);
  data.setUint16(KIND_OFFSET, KIND_CHANNEL, true);
  data.setUint32(HEADER_LENGTH_OFFSET, SEGMENT_HEADER_LENGTH, true);
  data.setUint32(RING_COUNT_OFFSET, 2, true);
  // The whole mapping, not just what the rings need: openers check SEGMENT_SIZE against the size they map.
  data.setBigUint64(SEGMENT_SIZE_OFFSET, BigInt(buffer.byteLength), true);
  data.setUint32(MAX_MESSAGE_OFFSET, geometry.maxMessage, true);
  data.setUint32(CREATOR_PID_OFFSET, geometry.creatorPid, true);
  data.setBigUint64(TOKEN_OFFSET, geometry.token, true);
  for (const ring of [SERVER_TO_CLIENT_RING, CLIENT_TO_SERVER_RING]) {
    const entry = ringEntryOffset(ring);
    data.setUint32(
      entry + RING_ENTRY_OFFSET_OFFSET,
      SEGMENT_HEADER_LENGTH + ring * ringRegionLength(geometry.ringCapacity),
      true,
    );
    data.setUint32(entry + RING_ENTRY_CAPACITY_OFFSET, geometry.ringCapacity, true);
  }
  Atomics.store(new Int32Array(buffer, MAGIC_OFFSET, 1), 0, SEGMENT_MAGIC | 0);
  return readChannelSegment(buffer);
}

/** A ring-table entry as read: where the ring region starts and its data capacity. */
interface RingEntry {
  readonly offset: number;
  readonly capacity: number;
}

/** Throws SegmentHeaderError `code` with `message`: every check below fails this way. */
function fail(code: SegmentHeaderErrorCode, message: string): never {
  throw new SegmentHeaderError(code, message);
}

/**
 * Validates the header of a channel segment read from shared memory and returns its layout. The checks run in the
 * order of docs/LAYOUT.md 3.3; the first failure is the SegmentHeaderError thrown.
 */
export function readChannelSegment(buffer: ArrayBufferLike): ChannelLayout {
  const length = buffer.byteLength;
  if (length < SEGMENT_HEADER_LENGTH) fail('SizeMismatch', `segment shorter than its header: size=${length}`);
  const data = new DataView(buffer);
  const magic = loadSegmentMagic(buffer);
  if (magic !== SEGMENT_MAGIC) fail('BadMagic', `not an rxshm segment: magic=0x${magic.toString(16)}`);
  const version = data.getUint16(VERSION_OFFSET, true);
  if (version !== LAYOUT_VERSION) fail('UnsupportedVersion', `layout version=${version}, supported=${LAYOUT_VERSION}`);
  const kind = data.getUint16(KIND_OFFSET, true);
  if (kind !== KIND_CHANNEL) fail('WrongKind', `segment kind=${kind}, expected=${KIND_CHANNEL} (channel)`);
  const headerLength = data.getUint32(HEADER_LENGTH_OFFSET, true);
  if (headerLength !== SEGMENT_HEADER_LENGTH) {
    fail('BadHeaderLength', `headerLength=${headerLength}, expected=${SEGMENT_HEADER_LENGTH}`);
  }
  const declared = data.getBigUint64(SEGMENT_SIZE_OFFSET, true);
  if (declared !== BigInt(length)) fail('SizeMismatch', `declared size=${declared}, mapped size=${length}`);
  const ringCount = data.getUint32(RING_COUNT_OFFSET, true);
  if (ringCount !== 2) fail('BadRingTable', `a channel has 2 rings: ringCount=${ringCount}`);
  const serverToClient = readRingEntry(data, SERVER_TO_CLIENT_RING);
  const clientToServer = readRingEntry(data, CLIENT_TO_SERVER_RING);
  const capacity = serverToClient.capacity;
  if (capacity !== clientToServer.capacity) {
    fail('BadRingTable', `rings differ in capacity: ${capacity} != ${clientToServer.capacity}`);
  }
  const lower = Math.min(serverToClient.offset, clientToServer.offset);
  const higher = Math.max(serverToClient.offset, clientToServer.offset);
  if (lower + ringRegionLength(capacity) > higher) {
    fail('BadRingTable', `rings overlap: offsets=${serverToClient.offset},${clientToServer.offset}`);
  }
  const maxMessage = data.getUint32(MAX_MESSAGE_OFFSET, true);
  if (maxMessage < 1 || maxMessage > maxPayloadFor(capacity)) {
    fail('BadMaxMessage', `maxMessage=${maxMessage} out of range for capacity=${capacity}`);
  }
  return {
    segmentSize: length,
    ringCapacity: capacity,
    maxMessage,
    token: data.getBigUint64(TOKEN_OFFSET, true),
    creatorPid: data.getUint32(CREATOR_PID_OFFSET, true),
    serverToClient: serverToClient.offset,
    clientToServer: clientToServer.offset,
  };
}

/** Reads ring-table entry `ring` and checks that its region lies inside the segment (LAYOUT.md 3.3, step 8). */
function readRingEntry(data: DataView, ring: number): RingEntry {
  const length = data.byteLength;
  const entry = ringEntryOffset(ring);
  const offset = data.getUint32(entry + RING_ENTRY_OFFSET_OFFSET, true);
  const capacity = data.getUint32(entry + RING_ENTRY_CAPACITY_OFFSET, true);
  const facts = `ring=${ring}, offset=${offset}, capacity=${capacity}, size=${length}`;
  if (!isValidCapacity(capacity)) fail('BadRingTable', `ring capacity invalid: ${facts}`);
  if (offset % 64 !== 0 || offset < SEGMENT_HEADER_LENGTH || offset + RING_HEADER_LENGTH + capacity > length) {
    fail('BadRingTable', `ring outside the segment: ${facts}`);
  }
  return { offset, capacity };
}

/**
 * MAGIC as an opener must read it (an atomic load, which orders every header read after it): SEGMENT_MAGIC once the
 * creator has published the header, 0 before; 0 for a buffer too short to hold it.
 */
export function loadSegmentMagic(buffer: ArrayBufferLike): number {
  if (buffer.byteLength < MAGIC_OFFSET + 4) return 0;
  return Atomics.load(new Int32Array(buffer, MAGIC_OFFSET, 1), 0) >>> 0;
}

/**
 * True for a segment its creator has not finished (docs/LAYOUT.md 3.3 and 5: an opener may retry it): shorter than
 * its header (created, not sized yet) or with MAGIC still 0 (the creator stores it last).
 */
export function isSegmentUnpublished(buffer: ArrayBufferLike): boolean {
  return buffer.byteLength < SEGMENT_HEADER_LENGTH || loadSegmentMagic(buffer) === 0;
}

/** Resets a ring's positions, parked flags and counters. Only while neither side uses the ring. */
export function resetRing(buffer: ArrayBufferLike, ringOffset: number): void {
  new Uint8Array(buffer, ringOffset, RING_HEADER_LENGTH).fill(0);
}
