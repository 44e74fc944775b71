/**
 * Golden vectors of bytes a reader must refuse (or, for `frame-decode`, must accept despite bits it does not know):
 * a valid vector's bytes with one field changed. Each names the error a reader reports, as docs/LAYOUT.md does
 * (SegmentHeaderError and RingCorruptError codes; for frames the rule of section 6 "Validation" that is broken).
 *
 * Cross-process invariant pinned: "Untrusted input" (docs/LAYOUT.md 1, 3.3, 4.5, 6): every one of these is a typed
 * error, never an out-of-range read.
 */
import { FrameC } from '../../src/codecs/index.js';
import { SEGMENT_HEADER_LENGTH, channelSegmentLength } from '../../src/layout/index.js';
import { buildRing, buildSegment } from './build.js';
import { DEFINITIONS } from './definitions.js';
import { Fields, type Vector } from './format.js';

/** A malformed vector: its inputs (bytes included) and the error a reader must report. */
export interface Malformed {
  readonly name: string;
  readonly about: readonly string[];
  readonly fields: readonly (readonly [string, string | number])[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex') || '-';

/** The Fields of a built definition, for reusing its builder. */
function fieldsOf(name: string): Fields {
  const definition = DEFINITIONS.find((d) => d.name === name)!;
  const vector: Vector = { name, comments: [], fields: definition.inputs.map(([k, v]) => [k, String(v)] as const) };
  return new Fields(vector);
}

const S33 = 'pins docs/LAYOUT.md 3.3 (opening and validating): the first failed check, in its order, is the error';
const S45 = 'pins docs/LAYOUT.md 4.4 step 2 and 4.5 (record checks): the consumer polling at READ_POSITION must fail';
const S6V = 'pins docs/LAYOUT.md section 6 "Validation": a receiver must reject this frame';

/** The fresh header (capacity 1024, segment 2560 bytes) with `change` applied to a copy. */
function badHeader(name: string, why: string, code: string, change: (d: DataView) => void, size?: number): Malformed {
  const bytes = new Uint8Array(buildSegment(fieldsOf('segment-header-fresh')).slice(0, SEGMENT_HEADER_LENGTH));
  change(new DataView(bytes.buffer));
  const fields = [
    ['type', 'segment-header-invalid'],
    ['segment_size', size ?? channelSegmentLength(1024)],
    ['bytes', hex(bytes)],
    ['expect_error', code],
  ] as const;
  return { name, about: [S33, why], fields };
}

/** A ring region from `base` (a built ring vector) with `change` applied. */
function badRing(name: string, why: string, code: string, base: string, change: (d: DataView) => void): Malformed {
  const bytes = buildRing(fieldsOf(base));
  change(new DataView(bytes.buffer));
  const fields = [
    ['type', 'ring-invalid'],
    ['capacity', 1024],
    ['max_message', 1016],
    ['bytes', hex(bytes)],
    ['expect_error', code],
  ] as const;
  return { name, about: [S45, why], fields };
}

/** A frame's bytes with `change` applied; `rule` names the broken rule (README.md lists them). */
function badFrame(name: string, why: string, rule: string, bytes: Uint8Array): Malformed {
  return {
    name,
    about: [S6V, why],
    fields: [
      ['type', 'frame-invalid'],
      ['bytes', hex(bytes)],
      ['expect_error', rule],
    ],
  };
}

const frame = (kind: number, status: number, correlation: number, method: number, payload: number[] = []) =>
  FrameC.encode({ kind: kind as never, flags: 0, status, correlation, method, payload: Uint8Array.from(payload) });

/** The record at data offset 0 of ring-data-record: byte 128 of the region. */
const RECORD = 128;

/** Every malformed vector, in the order generate.ts writes them. */
export const MALFORMED: readonly Malformed[] = [
  badHeader('header-bad-magic', 'MAGIC "RXSI" instead of "RXSH"', 'BadMagic', (d) => d.setUint8(3, 0x49)),
  badHeader('header-unpublished', 'MAGIC still 0: not published yet (an opener MAY retry)', 'BadMagic', (d) =>
    d.setUint32(0, 0, true),
  ),
  badHeader('header-version-2', 'VERSION 2', 'UnsupportedVersion', (d) => d.setUint16(4, 2, true)),
  badHeader('header-wrong-kind', 'KIND 2', 'WrongKind', (d) => d.setUint16(6, 2, true)),
  badHeader('header-bad-header-length', 'HEADER_LENGTH 512', 'BadHeaderLength', (d) => d.setUint32(8, 512, true)),
  badHeader('header-size-mismatch', 'SEGMENT_SIZE 2560 but the mapping is 4096 bytes', 'SizeMismatch', () => {}, 4096),
  badHeader('header-ring-count-3', 'RING_COUNT 3', 'BadRingTable', (d) => d.setUint32(12, 3, true)),
  badHeader('header-capacity-not-power-of-two', 'ring 0 CAPACITY 1000', 'BadRingTable', (d) =>
    d.setUint32(132, 1000, true),
  ),
  badHeader('header-ring-misaligned', 'ring 1 OFFSET 1416, not a multiple of 64', 'BadRingTable', (d) =>
    d.setUint32(144, 1416, true),
  ),
  badHeader('header-ring-outside', 'ring 1 OFFSET 1472: 1472 + 128 + 1024 > 2560', 'BadRingTable', (d) =>
    d.setUint32(144, 1472, true),
  ),
  badHeader('header-rings-overlap', 'ring 1 OFFSET 320 overlaps ring 0 (256 + 1152 > 320)', 'BadRingTable', (d) =>
    d.setUint32(144, 320, true),
  ),
  badHeader('header-max-message-0', 'MAX_MESSAGE 0', 'BadMaxMessage', (d) => d.setUint32(24, 0, true)),
  badHeader('header-max-message-too-large', 'MAX_MESSAGE 1017 > CAPACITY - 8', 'BadMaxMessage', (d) =>
    d.setUint32(24, 1017, true),
  ),
  badRing(
    'ring-position-out-of-range',
    'WRITE_POSITION 2048 with READ_POSITION 0: used > C',
    'PositionOutOfRange',
    'ring-data-record',
    (d) => d.setUint32(0, 2048, true),
  ),
  badRing(
    'ring-position-misaligned',
    'WRITE_POSITION 12: not a multiple of 8',
    'MisalignedPosition',
    'ring-data-record',
    (d) => d.setUint32(0, 12, true),
  ),
  badRing('ring-unknown-record-type', 'record TYPE 2', 'UnknownRecordType', 'ring-data-record', (d) =>
    d.setUint16(RECORD + 4, 2, true),
  ),
  badRing(
    'ring-message-too-large',
    'record LENGTH 1017 > MAX_MESSAGE 1016',
    'MessageTooLarge',
    'ring-data-record',
    (d) => d.setUint32(RECORD, 1017, true),
  ),
  badRing(
    'ring-length-out-of-range',
    'record LENGTH 33: size 48 > used 32',
    'LengthOutOfRange',
    'ring-data-record',
    (d) => d.setUint32(RECORD, 33, true),
  ),
  badRing(
    'ring-record-crosses-end',
    'a message record of LENGTH 8 at offset 1016 (READ 1016, WRITE 1040)',
    'RecordCrossesEnd',
    'ring-data-record',
    (d) => {
      d.setUint32(0, 1040, true);
      d.setUint32(64, 1016, true);
      d.setUint32(RECORD + 1016, 8, true);
      d.setUint16(RECORD + 1016 + 4, 1, true);
    },
  ),
  badRing(
    'ring-padding-wrong-length',
    'padding at offset 1000 with LENGTH 8 instead of 16',
    'BadPadding',
    'ring-padding-at-wrap',
    (d) => d.setUint32(RECORD + 1000, 8, true),
  ),
  badRing(
    'ring-padding-beyond-write',
    'padding at offset 1000 (24 bytes) but WRITE_POSITION 1016: only 16 bytes used',
    'BadPadding',
    'ring-padding-at-wrap',
    (d) => d.setUint32(0, 1016, true),
  ),
  badFrame('frame-invalid-short', '15 bytes: shorter than the header', 'short', frame(1, 0, 0, 0).subarray(0, 15)),
  badFrame('frame-invalid-kind-0', 'kind 0', 'unknown-kind', Uint8Array.from([0, ...frame(1, 0, 0, 0).subarray(1)])),
  badFrame(
    'frame-invalid-kind-10',
    'kind 10, the first unknown one (9 is Batch)',
    'unknown-kind',
    Uint8Array.from([10, ...frame(1, 0, 0, 0).subarray(1)]),
  ),
  badFrame(
    'frame-invalid-data-correlation',
    'a Data frame with correlation 1',
    'correlation-not-zero',
    Uint8Array.from([1, 0, 0, 0, 1, ...new Array<number>(11).fill(0)]),
  ),
  badFrame(
    'frame-invalid-close-correlation',
    'a Close frame with correlation 1',
    'correlation-not-zero',
    Uint8Array.from([7, 0, 0, 0, 1, ...new Array<number>(11).fill(0)]),
  ),
  badFrame(
    'frame-invalid-response-method',
    'a Response with method 1',
    'method-not-request',
    Uint8Array.from([3, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
  ),
  badFrame(
    'frame-invalid-data-status',
    'a Data frame with status 1',
    'status-not-error',
    Uint8Array.from([1, 0, 1, ...new Array<number>(13).fill(0)]),
  ),
  badFrame(
    'frame-invalid-error-status-0',
    'an Error frame with status 0',
    'error-status-zero',
    Uint8Array.from([4, 0, 0, 0, 7, ...new Array<number>(11).fill(0)]),
  ),
  badFrame(
    'frame-invalid-alive-payload',
    'an Alive frame with a 1-byte payload',
    'payload-not-empty',
    Uint8Array.from([...frame(6, 0, 1, 0), 0x2a]),
  ),
  badFrame(
    'frame-invalid-cancel-payload',
    'a Cancel frame with a 1-byte payload',
    'payload-not-empty',
    Uint8Array.from([...frame(8, 0, 7, 0), 0x2a]),
  ),
  badFrame(
    'frame-invalid-error-utf8',
    'an Error frame whose message is the byte 0xff (not UTF-8)',
    'error-bad-utf8',
    frame(4, 2, 7, 0, [0xff]),
  ),
  badFrame('frame-invalid-batch-empty', 'a Batch frame without entries', 'batch-empty', frame(9, 0, 0, 0)),
  badFrame(
    'frame-invalid-batch-entry-cut',
    'a Batch frame whose second entry header is cut short: 4 bytes after a 16-byte entry',
    'batch-entry-cut',
    frame(9, 0, 0, 0, [2, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x69, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  ),
  badFrame(
    'frame-invalid-batch-entry-too-long',
    'a Batch frame whose only entry says LENGTH 9 with room for 8 bytes after its header',
    'batch-entry-too-long',
    frame(9, 0, 0, 0, [9, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
  ),
  badFrame(
    'frame-invalid-batch-padding-cut',
    'a Batch frame whose last entry (LENGTH 3) lacks its padding: the payload ends at byte 11 of 16',
    'batch-padding-cut',
    frame(9, 0, 0, 0, [3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]),
  ),
  badFrame(
    'frame-invalid-batch-correlation',
    'a well-formed Batch frame with correlation 1',
    'correlation-not-zero',
    frame(9, 0, 1, 0, [1, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0, 0, 0, 0, 0, 0, 0]),
  ),
  {
    name: 'frame-decode-ignored-bits',
    about: [
      'pins docs/LAYOUT.md section 6: unknown flag bits and the reserved word are ignored on read',
      'a Data frame with flags 0x80 and reserved 0xdeadbeef decodes as these fields',
    ],
    fields: [
      ['type', 'frame-decode'],
      ['bytes', hex(Uint8Array.from([1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0x68, 0x69]))],
      ['kind', 1],
      ['flags', 128],
      ['status', 0],
      ['correlation', 0],
      ['method', 0],
      ['payload', '6869'],
    ],
  },
];
