/**
 * The header of a frame as the streams layer sends and routes it: one named object instead of four positional
 * numbers, so a status can never be passed where a correlation id belongs. Process-local only.
 *
 * Invariants relied on: rxshm always writes `flags` 0 (docs/LAYOUT.md section 6), so it is not carried here; a
 * FrameFields value is never mutated once built (a queued frame keeps the caller's object until it is written).
 */
import { FrameKind, type FrameHeader } from '../../codecs/index.js';

/** The fields of a frame header the streams layer sets: the codecs' FrameHeader without `flags` (always 0). */
export type FrameFields = Pick<FrameHeader, 'kind' | 'status' | 'correlation' | 'method'>;

/** The empty payload: Close, Cancel, Alive and LivenessCheck carry nothing; also an empty claim's bytes. */
export const EMPTY_PAYLOAD: Uint8Array = new Uint8Array(0);

/** The header of every Data frame (one shared object: sending a message allocates no header). */
export const DATA_FRAME: FrameFields = Object.freeze({ kind: FrameKind.Data, status: 0, correlation: 0, method: 0 });

/** The header of every Close frame. */
export const CLOSE_FRAME: FrameFields = Object.freeze({ kind: FrameKind.Close, status: 0, correlation: 0, method: 0 });
