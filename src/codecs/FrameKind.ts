/**
 * The frame kinds: the command/response vocabulary of an rxshm channel (docs/LAYOUT.md section 6).
 */
import * as t from 'io-ts';

/**
 * Frame kinds by name; the value is the kind byte on the wire.
 *
 * @example
 * ```ts
 * writeFrameHeader(view, offset, FrameKind.Data, 0, 0, 0, 0);
 * ```
 */
export const FrameKind = {
  /** A one-way user message. */
  Data: 1,
  /** A call of `method`, answered by a Response or an Error with the same correlation id. */
  Request: 2,
  /** The successful answer to a Request. */
  Response: 3,
  /** The failed answer to a Request: `status` says why, the payload is a UTF-8 message. */
  Error: 4,
  /** "Are you there?"; the peer answers Alive with the same correlation id. */
  LivenessCheck: 5,
  /** The answer to a LivenessCheck. */
  Alive: 6,
  /** The sender will send nothing more on this channel. */
  Close: 7,
  /** The requester gave up on a correlation id; the server may stop working on it. */
  Cancel: 8,
  /**
   * Several Data messages packed in one record (LAYOUT.md 6, "Batch"): written only to a consumer that announced it
   * reads them (CONSUMER_FLAG_READS_BATCHES); the receiver delivers each message as if it came in a Data frame.
   */
  Batch: 9,
} as const;

/** A known frame kind byte. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The name of each kind byte, for messages. */
const NAMES: readonly string[] = [
  '',
  'Data',
  'Request',
  'Response',
  'Error',
  'LivenessCheck',
  'Alive',
  'Close',
  'Cancel',
  'Batch',
];

/**
 * True when `n` is a known kind byte. Cheap enough for the hot path (no allocation, no lookup).
 *
 * @example
 * ```ts
 * const kind = readFrameKind(view, offset);
 * if (!isFrameKind(kind)) return protocolError(kind);
 * ```
 */
export function isFrameKind(n: unknown): n is FrameKind {
  return typeof n === 'number' && Number.isInteger(n) && n >= FrameKind.Data && n <= FrameKind.Batch;
}

/**
 * The name of a kind byte (`'Request'`), or `'unknown(10)'`.
 *
 * @example
 * ```ts
 * frameKindName(FrameKind.Alive); // 'Alive'
 * ```
 */
export function frameKindName(kind: number): string {
  return isFrameKind(kind) ? NAMES[kind]! : `unknown(${kind})`;
}

/**
 * The io-ts codec of a kind (unknown -> FrameKind), for validating configuration and decoded objects.
 *
 * @example
 * ```ts
 * FrameKindC.is(3); // true
 * ```
 */
export const FrameKindC = t.union(
  [
    t.literal(FrameKind.Data),
    t.literal(FrameKind.Request),
    t.literal(FrameKind.Response),
    t.literal(FrameKind.Error),
    t.literal(FrameKind.LivenessCheck),
    t.literal(FrameKind.Alive),
    t.literal(FrameKind.Close),
    t.literal(FrameKind.Cancel),
    t.literal(FrameKind.Batch),
  ],
  'FrameKind',
);
