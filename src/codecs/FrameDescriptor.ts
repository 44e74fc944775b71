/**
 * Frame header layout and the hot-path accessors the channel engine calls once per message.
 *
 * Every message on an rxshm channel is one frame: a fixed 16-byte little-endian header, then the payload.
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |     kind      |     flags     |            status             |  0
 *  +---------------+---------------+-------------------------------+
 *  |                          correlation                          |  4
 *  +---------------------------------------------------------------+
 *  |                            method                             |  8
 *  +---------------------------------------------------------------+
 *  |                           reserved                            | 12
 *  +---------------------------------------------------------------+
 *  |                         payload ...                           | 16
 * ```
 *
 * Cross-process invariants: the layout is normative (docs/LAYOUT.md section 6) and read by C peers; 16 bytes keep the payload
 * 8-byte aligned inside an 8-aligned ring record. These functions never check or throw: the caller bounds-checks
 * `byteOffset + FRAME_HEADER_LENGTH <= view.byteLength` once per record, and validates `kind` with `isFrameKind`.
 */

/** Offset of the kind byte (u8, a `FrameKind`). */
export const FRAME_KIND_OFFSET = 0;
/** Offset of the flags byte (u8; 0 for now, readers ignore unknown bits). */
export const FRAME_FLAGS_OFFSET = FRAME_KIND_OFFSET + 1;
/** Offset of the status (u16 LE; an Error frame's `Status`, 0 otherwise). */
export const FRAME_STATUS_OFFSET = FRAME_FLAGS_OFFSET + 1;
/** Offset of the correlation id (u32 LE; pairs Request/Response/Error/Cancel and LivenessCheck/Alive). */
export const FRAME_CORRELATION_OFFSET = FRAME_STATUS_OFFSET + 2;
/** Offset of the method id (u32 LE; Request frames only, 0 otherwise). */
export const FRAME_METHOD_OFFSET = FRAME_CORRELATION_OFFSET + 4;
/** Offset of the reserved word (u32 LE; written 0, ignored on read). */
export const FRAME_RESERVED_OFFSET = FRAME_METHOD_OFFSET + 4;
/** Length of the frame header in bytes; the payload starts here. */
export const FRAME_HEADER_LENGTH = FRAME_RESERVED_OFFSET + 4;
/** Alignment the header length preserves for the payload, so typed arrays can be laid over received views. */
export const FRAME_PAYLOAD_ALIGNMENT = 8;

/**
 * Writes a complete frame header (reserved word included) at `byteOffset`. No checks: values are truncated to
 * their field widths like any `DataView` setter.
 *
 * @example
 * ```ts
 * writeFrameHeader(view, recordOffset, FrameKind.Request, 0, Status.Ok, 42, 7);
 * ```
 */
export function writeFrameHeader(
  view: DataView,
  byteOffset: number,
  kind: number,
  flags: number,
  status: number,
  correlation: number,
  method: number,
): void {
  view.setUint8(byteOffset + FRAME_KIND_OFFSET, kind);
  view.setUint8(byteOffset + FRAME_FLAGS_OFFSET, flags);
  view.setUint16(byteOffset + FRAME_STATUS_OFFSET, status, true);
  view.setUint32(byteOffset + FRAME_CORRELATION_OFFSET, correlation, true);
  view.setUint32(byteOffset + FRAME_METHOD_OFFSET, method, true);
  view.setUint32(byteOffset + FRAME_RESERVED_OFFSET, 0, true);
}

/**
 * Reads the raw kind byte; check it with `isFrameKind` before trusting it.
 *
 * @example
 * ```ts
 * if (readFrameKind(view, offset) === FrameKind.Close) complete();
 * ```
 */
export function readFrameKind(view: DataView, byteOffset: number): number {
  return view.getUint8(byteOffset + FRAME_KIND_OFFSET);
}

/**
 * Reads the flags byte (mask off bits you do not know).
 *
 * @example
 * ```ts
 * const flags = readFrameFlags(view, offset);
 * ```
 */
export function readFrameFlags(view: DataView, byteOffset: number): number {
  return view.getUint8(byteOffset + FRAME_FLAGS_OFFSET);
}

/**
 * Reads the status (u16).
 *
 * @example
 * ```ts
 * if (readFrameStatus(view, offset) === Status.NoSuchMethod) ...
 * ```
 */
export function readFrameStatus(view: DataView, byteOffset: number): number {
  return view.getUint16(byteOffset + FRAME_STATUS_OFFSET, true);
}

/**
 * Reads the correlation id (u32).
 *
 * @example
 * ```ts
 * pending.get(readFrameCorrelation(view, offset))?.next(payload);
 * ```
 */
export function readFrameCorrelation(view: DataView, byteOffset: number): number {
  return view.getUint32(byteOffset + FRAME_CORRELATION_OFFSET, true);
}

/**
 * Reads the method id (u32).
 *
 * @example
 * ```ts
 * const handler = handlers[readFrameMethod(view, offset)];
 * ```
 */
export function readFrameMethod(view: DataView, byteOffset: number): number {
  return view.getUint32(byteOffset + FRAME_METHOD_OFFSET, true);
}
