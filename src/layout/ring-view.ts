/**
 * Typed views over one ring region, shared by RingWriter and RingReader, plus the checks on positions read
 * from shared memory. Atomics need a typed array, which uses the platform's byte order: rxshm supports
 * little-endian platforms only, and says so at load time rather than corrupting a peer's view.
 *
 * Cross-process invariants relied on: the ring region lies inside the buffer (checked here) and its shared words are
 * only ever accessed with Atomics; positions come from the peer and are checked at each use (`used`), never trusted.
 */
import { LayoutConfigError, RingCorruptError } from './errors.js';
import {
  CONSUMER_FLAGS_OFFSET,
  CONSUMER_PARKED_OFFSET,
  PRODUCER_FLAGS_OFFSET,
  PRODUCER_PARKED_OFFSET,
  READ_POSITION_OFFSET,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
  isValidCapacity,
  ringRegionLength,
  RECORD_ALIGNMENT,
} from './ring-descriptor.js';
import { ParkedFlag } from './parked-flag.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('rxshm supports little-endian platforms only');
}

/** Typed views of a ring at `ringOffset` in `buffer`, with `capacity` data bytes. */
export class RingView {
  /** Int32 view of the whole buffer, for Atomics on the ring's header words. */
  readonly words: Int32Array;
  /** Byte view of the whole buffer, for payload copies. */
  readonly bytes: Uint8Array;
  /** Little-endian record headers. */
  readonly data: DataView;
  /** Absolute byte offset of the data area. */
  readonly dataStart: number;
  /** `capacity - 1`: positions map to offsets with `position & mask`. */
  readonly mask: number;
  readonly writeIndex: number;
  readonly readIndex: number;
  /** PRODUCER_PARKED: the writer parks on it, the reader takes it. */
  readonly producerParked: ParkedFlag;
  /** CONSUMER_PARKED: the reader parks on it, the writer takes it. */
  readonly consumerParked: ParkedFlag;
  readonly producerFlagsIndex: number;
  readonly consumerFlagsIndex: number;

  constructor(
    readonly buffer: ArrayBufferLike,
    readonly ringOffset: number,
    readonly capacity: number,
  ) {
    if (!isValidCapacity(capacity)) {
      throw new LayoutConfigError(
        'InvalidCapacity',
        `ring capacity must be a power of two in range: capacity=${capacity}`,
      );
    }
    if (ringOffset % 64 !== 0 || ringOffset + ringRegionLength(capacity) > buffer.byteLength) {
      throw new LayoutConfigError(
        'BufferTooSmall',
        `ring does not fit: ringOffset=${ringOffset}, capacity=${capacity}, bufferLength=${buffer.byteLength}`,
      );
    }
    // Only whole words: a segment whose size is not a multiple of 4 would make `new Int32Array(buffer)` throw.
    this.words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    this.bytes = new Uint8Array(buffer);
    this.data = new DataView(buffer);
    this.dataStart = ringOffset + RING_HEADER_LENGTH;
    this.mask = capacity - 1;
    this.writeIndex = (ringOffset + WRITE_POSITION_OFFSET) >> 2;
    this.readIndex = (ringOffset + READ_POSITION_OFFSET) >> 2;
    this.producerParked = new ParkedFlag(this.words, (ringOffset + PRODUCER_PARKED_OFFSET) >> 2);
    this.consumerParked = new ParkedFlag(this.words, (ringOffset + CONSUMER_PARKED_OFFSET) >> 2);
    this.producerFlagsIndex = (ringOffset + PRODUCER_FLAGS_OFFSET) >> 2;
    this.consumerFlagsIndex = (ringOffset + CONSUMER_FLAGS_OFFSET) >> 2;
  }

  loadWrite(): number {
    return Atomics.load(this.words, this.writeIndex) >>> 0;
  }

  loadRead(): number {
    return Atomics.load(this.words, this.readIndex) >>> 0;
  }

  /** Used bytes between two positions, checked: corrupt positions throw instead of being trusted. */
  used(write: number, read: number): number {
    const used = (write - read) >>> 0;
    if (used > this.capacity) throw positionsOutOfRange(write, read, this.capacity);
    if ((write | read) % RECORD_ALIGNMENT !== 0) throw misalignedPosition(write, read);
    return used;
  }
}

// The messages are built in functions of their own: a template literal inside a hot function had V8 convert its
// numbers to strings on every call, thrown or not (measured: ~35 % of an idle look at the ring).

function positionsOutOfRange(write: number, read: number, capacity: number): RingCorruptError {
  const message = `ring positions out of range: write=${write}, read=${read}, capacity=${capacity}`;
  return new RingCorruptError('PositionOutOfRange', message);
}

function misalignedPosition(write: number, read: number): RingCorruptError {
  return new RingCorruptError('MisalignedPosition', `ring position not 8-aligned: write=${write}, read=${read}`);
}
