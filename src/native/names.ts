/**
 * Segment names, checked BEFORE any system call so every backend rejects the same names with the same codes.
 *
 * Cross-process invariant: a name means the same segment in every process. The Linux backend maps name `x` to the
 * POSIX shm name `/x` (a file `/dev/shm/x`); the layer above adds its own `rxshm.` prefix, this layer adds none.
 */
import { segmentError, type SegmentOperation } from './errors.js';

/**
 * Longest accepted name, in UTF-8 bytes: what every glibc accepts. shm_open strips the leading `/`; older glibc
 * refuses a name whose length plus its NUL reaches NAME_MAX (255) with EINVAL, newer ones (2.36 measured) and the
 * file system allow 255, so 253 works everywhere. Longer names are refused here, before the call, as `NameTooLong`.
 * The layers above keep their own shorter limits (streams: 200-byte channel names plus the 6-byte `rxshm.` prefix).
 */
export const MAX_NAME_BYTES = 253;

// C0/C1 control characters, DEL, and lone UTF-16 surrogates (no UTF-8 encoding, so no file name). With the `u`
// flag a well-formed surrogate pair is one code point above U+FFFF, so the surrogate range matches lone halves only.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\uD800-\uDFFF]/u;

/** Why a name is refused, or null when it is acceptable. */
export function nameProblem(name: unknown): { code: 'InvalidName' | 'NameTooLong'; detail: string } | null {
  if (typeof name !== 'string') return { code: 'InvalidName', detail: `expected a string, got ${typeof name}` };
  if (name.length === 0) return { code: 'InvalidName', detail: 'it is empty' };
  if (name.includes('/')) return { code: 'InvalidName', detail: "it contains '/'" };
  if (name.includes('\0')) return { code: 'InvalidName', detail: 'it contains NUL' };
  if (UNPRINTABLE.test(name))
    return { code: 'InvalidName', detail: 'it contains a control character or a lone surrogate' };
  if (name === '.' || name === '..') return { code: 'InvalidName', detail: `"${name}" is a directory entry` };
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return { code: 'NameTooLong', detail: `${bytes} bytes, limit ${MAX_NAME_BYTES}` };
  return null;
}

/**
 * Throws the operation's error (`InvalidName` or `NameTooLong`) unless `name` is acceptable.
 * @example
 * validateName('rxshm.chat', 'create'); // ok
 * validateName('a/b', 'open');          // throws OpenSegmentError { code: 'InvalidName' }
 */
export function validateName(name: string, operation: SegmentOperation): void {
  const problem = nameProblem(name);
  if (problem === null) return;
  const shown = typeof name === 'string' ? JSON.stringify(name).slice(1, -1).slice(0, 64) : String(name);
  throw segmentError(operation, problem.code, {
    segment: typeof name === 'string' ? name : null,
    subject: `shared memory "${shown}"`,
    detail: problem.detail,
  });
}
