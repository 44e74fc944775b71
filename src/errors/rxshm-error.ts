/**
 * The one base class of every rxshm error. A leaf module: it imports nothing, so every layer (native, layout,
 * codecs, streams) can extend it without importing upwards or forming a cycle.
 *
 * Cross-process invariants relied on: none. An error describes this process's view of one call; only its `code`
 * and message may travel to a peer (e.g. as a status and text), never the object itself.
 */

/**
 * The base of every error rxshm throws or reports, so that they all read the same way and
 * `e instanceof RxshmError` catches any of them. The convention, enforced here once instead of in each class:
 *
 * - `name` is the class's own name (`ConnectError`), set from `new.target`: subclasses never set it, and the stack's
 *   first line reads `ConnectError: <message>`.
 * - `code` is a short PascalCase string that says what went wrong, stable across versions: switch on it, not on the
 *   message. A class with one failure has one code (`RingFull`); a class with several has a union of codes
 *   (`ConnectErrorCode`), given as the type argument so `e.code` narrows.
 * - `message` states the facts (names, numbers, `key=value`), not only a category.
 * - `cause` is what was caught, handed to `Error` through the standard ES2022 option (`super(message, { cause })`).
 *   When there is none (`undefined`), no `cause` property is created, so `'cause' in e` tells the two apart.
 *
 * It plays the part of RxJS's `createErrorClass`, as a plain class: ES2022 subclasses `Error` natively, so
 * `instanceof` works for each class and every parent, with no prototype patching.
 *
 * @example
 * ```ts
 * export class RingFullError extends RxshmError<'RingFull'> {
 *   constructor(readonly channel: string, cause?: unknown) {
 *     super('RingFull', `Ring full on channel "${channel}"`, { cause });
 *   }
 * }
 * catchError((e) => (e instanceof RxshmError && e.code === 'RingFull' ? EMPTY : throwError(() => e)));
 * ```
 */
export abstract class RxshmError<Code extends string = string> extends Error {
  /** What went wrong, for code to switch on; the class's TSDoc lists its values. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}
