/**
 * Errors of the layout layer. Two tiers, as in agrona: configuration mistakes throw `LayoutConfigError` at
 * creation; bytes read from shared memory that break the layout throw `SegmentHeaderError` (when a segment is
 * opened) or `RingCorruptError` (while a ring is used). Messages carry the facts as `key=value`. Each extends
 * `RxshmError`, which sets `name` and `code`.
 *
 * Cross-process invariants relied on: none; they report what this process read from shared memory and are never
 * written back to it.
 */
import { RxshmError } from '../errors/rxshm-error.js';

/** What was wrong with a geometry asked for. */
export type LayoutConfigErrorCode = 'InvalidCapacity' | 'InvalidMaxMessage' | 'BufferTooSmall';

/** A caller asked for a geometry the layout cannot have (checked before anything is written). */
export class LayoutConfigError extends RxshmError<LayoutConfigErrorCode> {
  constructor(code: LayoutConfigErrorCode, message: string) {
    super(code, message);
  }
}

/** What was wrong with a segment header read from shared memory. */
export type SegmentHeaderErrorCode =
  | 'BadMagic'
  | 'UnsupportedVersion'
  | 'WrongKind'
  | 'BadHeaderLength'
  | 'SizeMismatch'
  | 'BadRingTable'
  | 'BadMaxMessage';

/** The segment's header is not one this version of rxshm can use: never a partial read past it. */
export class SegmentHeaderError extends RxshmError<SegmentHeaderErrorCode> {
  constructor(code: SegmentHeaderErrorCode, message: string) {
    super(code, message);
  }
}

/** What was wrong with a ring's positions or records. */
export type RingCorruptCode =
  | 'PositionOutOfRange'
  | 'MisalignedPosition'
  | 'LengthOutOfRange'
  | 'RecordCrossesEnd'
  | 'BadPadding'
  | 'UnknownRecordType'
  | 'MessageTooLarge';

/** A ring's shared state contradicts the layout: the peer is broken or hostile. The ring must not be used again. */
export class RingCorruptError extends RxshmError<RingCorruptCode> {
  constructor(code: RingCorruptCode, message: string) {
    super(code, message);
  }
}
