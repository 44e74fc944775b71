/**
 * The frame header as an io-ts codec, with the per-kind rules of docs/LAYOUT.md section 6. For the per-message hot path use
 * the plain accessors of `FrameDescriptor` instead; this codec is for tools, tests and peers you do not trust yet.
 */
import * as t from 'io-ts';
import {
  FRAME_CORRELATION_OFFSET,
  FRAME_HEADER_LENGTH,
  FRAME_METHOD_OFFSET,
  FRAME_STATUS_OFFSET,
  readFrameCorrelation,
  readFrameFlags,
  readFrameKind,
  readFrameMethod,
  readFrameStatus,
  writeFrameHeader,
} from './FrameDescriptor.js';
import { FrameKind, frameKindName, isFrameKind } from './FrameKind.js';
import { failAt, notBytes } from './internal/context.js';
import type { Status } from './Status.js';

/** The decoded fields of a frame header (the reserved word is not exposed: written 0, ignored on read). */
export interface FrameHeader {
  readonly kind: FrameKind;
  /** Reserved bits; 0 for now. */
  readonly flags: number;
  /** Error frames: why; 0 otherwise. */
  readonly status: Status;
  /** Pairs Request/Response/Error/Cancel and LivenessCheck/Alive; 0 for Data and Close. */
  readonly correlation: number;
  /** Request frames: the method id; 0 otherwise. */
  readonly method: number;
}

/**
 * The first per-kind rule `kind` and the fields break, as `[field offset, message]`, or `undefined` if none.
 * Shared by `FrameHeaderC` and `FrameC` for both `is` and `validate`.
 */
export function headerViolation(
  kind: FrameKind,
  status: number,
  correlation: number,
  method: number,
): [number, string] | undefined {
  const name = frameKindName(kind);
  if ((kind === FrameKind.Data || kind === FrameKind.Close || kind === FrameKind.Batch) && correlation !== 0) {
    return [FRAME_CORRELATION_OFFSET, `${name} frame must have correlation 0, got ${correlation}`];
  }
  if (kind !== FrameKind.Request && method !== 0)
    return [FRAME_METHOD_OFFSET, `${name} frame must have method 0, got ${method}`];
  if (kind !== FrameKind.Error && status !== 0)
    return [FRAME_STATUS_OFFSET, `${name} frame must have status 0, got ${status}`];
  if (kind === FrameKind.Error && status === 0) return [FRAME_STATUS_OFFSET, 'Error frame must have a non-zero status'];
  return undefined;
}

const isUint = (u: unknown, max: number): u is number =>
  typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= max;

/** `is` of `FrameHeaderC`: field types, widths and per-kind rules. */
export function isFrameHeader(u: unknown): u is FrameHeader {
  if (typeof u !== 'object' || u === null) return false;
  const h = u as Record<string, unknown>;
  return (
    isFrameKind(h.kind) &&
    isUint(h.flags, 0xff) &&
    isUint(h.status, 0xffff) &&
    isUint(h.correlation, 0xffffffff) &&
    isUint(h.method, 0xffffffff) &&
    headerViolation(h.kind, h.status, h.correlation, h.method) === undefined
  );
}

/** Validates the header at the start of `input` (at least 16 bytes; the rest is not looked at). */
export function validateFrameHeader(input: Uint8Array, context: t.Context): t.Validation<FrameHeader> {
  if (!(input instanceof Uint8Array)) return notBytes(input, context);
  if (input.byteLength < FRAME_HEADER_LENGTH) {
    return failAt(
      input,
      context,
      `expected at least ${FRAME_HEADER_LENGTH} bytes for a frame header, got ${input.byteLength}`,
    );
  }
  const view = new DataView(input.buffer, input.byteOffset, FRAME_HEADER_LENGTH);
  const kind = readFrameKind(view, 0);
  if (!isFrameKind(kind)) return failAt(input, context, `unknown frame kind ${kind} at offset 0`);
  const status = readFrameStatus(view, 0);
  const correlation = readFrameCorrelation(view, 0);
  const method = readFrameMethod(view, 0);
  const violation = headerViolation(kind, status, correlation, method);
  if (violation !== undefined) return failAt(input, context, `${violation[1]} at offset ${violation[0]}`);
  return t.success({ kind, flags: readFrameFlags(view, 0), status, correlation, method });
}

/**
 * Codec of a 16-byte frame header. Decoding reads the first 16 bytes of a longer input too (a whole frame), and
 * honours the view's `byteOffset`; encoding writes exactly 16 bytes.
 *
 * @example
 * ```ts
 * const bytes = FrameHeaderC.encode({ kind: FrameKind.Request, flags: 0, status: 0, correlation: 7, method: 2 });
 * FrameHeaderC.decode(bytes); // Right({ kind: 2, flags: 0, status: 0, correlation: 7, method: 2 })
 * ```
 */
export const FrameHeaderC: t.Type<FrameHeader, Uint8Array, Uint8Array> = new t.Type<
  FrameHeader,
  Uint8Array,
  Uint8Array
>('FrameHeader', isFrameHeader, validateFrameHeader, (h) => {
  const out = new Uint8Array(FRAME_HEADER_LENGTH);
  writeFrameHeader(new DataView(out.buffer), 0, h.kind, h.flags, h.status, h.correlation, h.method);
  return out;
});
