/**
 * Status codes of Error frames (u16 on the wire; docs/LAYOUT.md section 6).
 */
import * as t from 'io-ts';

/**
 * Statuses defined by rxshm; applications define their own from `USER_STATUS_MIN` up.
 *
 * @example
 * ```ts
 * writeFrameHeader(view, offset, FrameKind.Error, 0, Status.NoSuchMethod, correlation, 0);
 * ```
 */
export const Status = {
  /** Success; never carried by an Error frame. */
  Ok: 0,
  /** The server has no handler for the requested method id. */
  NoSuchMethod: 1,
  /** The handler threw or its observable errored. */
  HandlerError: 2,
  /** The request payload failed to decode or validate. */
  BadRequest: 3,
  /** The request was cancelled (the requester sent Cancel, or the server shut down the call). */
  Cancelled: 4,
  /** The server gave up waiting on something the call needed. */
  Timeout: 5,
  /** The server cannot serve now (closing, overloaded). */
  Unavailable: 6,
} as const;

/** A status code: one of `Status` or a user-defined value in [256, 65535]. */
export type Status = number;

/** The first status number free for applications. Values 7..255 are reserved for rxshm. */
export const USER_STATUS_MIN = 256;

/** The largest status number (the field is a u16). */
export const STATUS_MAX = 0xffff;

/**
 * The io-ts codec of a status: an integer in [0, 65535].
 *
 * @example
 * ```ts
 * StatusC.is(300); // true
 * StatusC.is(70000); // false
 * ```
 */
export const StatusC: t.Type<Status, number, unknown> = new t.Type<Status, number, unknown>(
  'Status',
  (u): u is Status => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= STATUS_MAX,
  (u, c) =>
    StatusC.is(u)
      ? t.success(u)
      : t.failure(u, c, `expected a status (integer in [0, ${STATUS_MAX}]), got ${String(u)}`),
  t.identity,
);
