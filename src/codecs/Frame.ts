/**
 * A whole frame (header + payload) as an io-ts codec, with the payload rules of docs/LAYOUT.md section 6: LivenessCheck,
 * Alive, Close and Cancel carry no payload; an Error payload is a valid UTF-8 message; a Batch payload is well-formed
 * entries (FrameBatch.ts).
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { batchViolation } from './FrameBatch.js';
import { FRAME_HEADER_LENGTH, writeFrameHeader } from './FrameDescriptor.js';
import { headerViolation, isFrameHeader, validateFrameHeader, type FrameHeader } from './FrameHeader.js';
import { FrameKind, frameKindName } from './FrameKind.js';
import { failAt } from './internal/context.js';
import { utf8ErrorOffset } from './internal/utf8.js';

/** A decoded frame; `payload` is a zero-copy view of the input after the header. */
export interface Frame extends FrameHeader {
  readonly payload: Uint8Array;
}

const isEmptyKind = (kind: FrameKind): boolean =>
  kind === FrameKind.LivenessCheck || kind === FrameKind.Alive || kind === FrameKind.Close || kind === FrameKind.Cancel;

/** The payload rule `kind` and `payload` break, or `undefined`. */
function payloadViolation(kind: FrameKind, payload: Uint8Array): string | undefined {
  if (isEmptyKind(kind) && payload.length !== 0) {
    return `${frameKindName(kind)} frame must have an empty payload, got ${payload.length} bytes`;
  }
  if (kind === FrameKind.Error) {
    const at = utf8ErrorOffset(payload);
    if (at !== -1) return `Error frame message: invalid UTF-8 at byte ${FRAME_HEADER_LENGTH + at}`;
  }
  if (kind === FrameKind.Batch) {
    return batchViolation(new DataView(payload.buffer, payload.byteOffset, payload.byteLength), 0, payload.length);
  }
  return undefined;
}

/**
 * The first rule of docs/LAYOUT.md section 6 ("Validation") a frame of a known kind breaks, or `undefined`: for a
 * receiver that reads the fields itself (the engine's ring drain) instead of decoding with `FrameC`.
 *
 * @example
 * ```ts
 * frameViolation(FrameKind.Close, 0, 7, 0, new Uint8Array(0)); // 'Close frame must have correlation 0, got 7'
 * ```
 */
export function frameViolation(
  kind: FrameKind,
  status: number,
  correlation: number,
  method: number,
  payload: Uint8Array,
): string | undefined {
  return headerViolation(kind, status, correlation, method)?.[1] ?? payloadViolation(kind, payload);
}

/**
 * Codec of a whole frame. Decoding honours the input's `byteOffset` and returns the payload as a subarray (no copy);
 * encoding allocates `16 + payload.length` bytes.
 *
 * @example
 * ```ts
 * const bytes = FrameC.encode({ kind: FrameKind.Data, flags: 0, status: 0, correlation: 0, method: 0, payload });
 * FrameC.decode(bytes); // Right({ kind: 1, ..., payload })
 * FrameC.decode(new Uint8Array(3)); // Left: "<root>: expected at least 16 bytes for a frame header, got 3"
 * ```
 */
export const FrameC: t.Type<Frame, Uint8Array, Uint8Array> = new t.Type<Frame, Uint8Array, Uint8Array>(
  'Frame',
  (u): u is Frame =>
    isFrameHeader(u) &&
    (u as { payload?: unknown }).payload instanceof Uint8Array &&
    payloadViolation(u.kind, (u as Frame).payload) === undefined,
  (input, context) => {
    const header = validateFrameHeader(input, context);
    if (!isRight(header)) return header;
    const payload = input.subarray(FRAME_HEADER_LENGTH);
    const violation = payloadViolation(header.right.kind, payload);
    if (violation !== undefined) return failAt(input, context, violation);
    const h = header.right;
    return t.success({
      kind: h.kind,
      flags: h.flags,
      status: h.status,
      correlation: h.correlation,
      method: h.method,
      payload,
    });
  },
  (f) => {
    const out = new Uint8Array(FRAME_HEADER_LENGTH + f.payload.length);
    writeFrameHeader(new DataView(out.buffer), 0, f.kind, f.flags, f.status, f.correlation, f.method);
    out.set(f.payload, FRAME_HEADER_LENGTH);
    return out;
  },
);
