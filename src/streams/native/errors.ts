/**
 * The error of the native-resource observables (`segment`, `wakeups`, `wake`) for arguments they cannot use. OS
 * failures keep the native layer's own classes (`CreateSegmentError`, `OpenSegmentError`: `SegmentError`s with a
 * code and errno), and a handle used after its subscription ended is a `SegmentClosedError`.
 *
 * Cross-process invariants relied on: none; it describes this process's call.
 */
import { RxshmError } from '../../errors/rxshm-error.js';

/**
 * Why an argument was refused: `InvalidOption` (an option of `segment()` such as `mode`), `InvalidOffset` (a word
 * offset that is not a multiple of 4 inside the segment), `NotASegment` (not a handle `segment()` emitted).
 */
export type SegmentArgumentCode = 'InvalidOption' | 'InvalidOffset' | 'NotASegment';

/**
 * An argument of `segment`, `wakeups` or `wake` cannot be used; thrown at the call, before anything is mapped or
 * waited on. The message names the argument and its value.
 * @example
 * ```ts
 * try { wakeups(handle, 6); } catch (e) { if (e instanceof SegmentArgumentError) console.log(e.code); } // InvalidOffset
 * ```
 */
export class SegmentArgumentError extends RxshmError<SegmentArgumentCode> {
  constructor(code: SegmentArgumentCode, message: string) {
    super(code, message);
  }
}
