/**
 * Channel names: checked at creation so a bad name fails with ChannelOptionsError before anything is mapped.
 *
 * Cross-process invariant: a name that passes here works end to end. It becomes the segment `rxshm.<name>` (at most
 * 206 bytes, within the native layer's MAX_NAME_BYTES) and the doorbell address (`\0rxshm.<name>`, or a hash of
 * the name when that exceeds sun_path's 108 bytes), so the native layer's rules apply to it unchanged: the same
 * characters are refused here and there, and only the length limit is this layer's own.
 */
import { nameProblem } from '../../native/names.js';
import { ChannelOptionsError } from '../errors.js';

/** Longest channel name in UTF-8 bytes; with the `rxshm.` prefix the segment name stays within MAX_NAME_BYTES. */
export const MAX_CHANNEL_NAME_BYTES = 200;

/**
 * The shared-memory name of a channel's segment (docs/LAYOUT.md, "Names"): `rxshm.<name>`.
 * @example
 * segmentName('prices'); // 'rxshm.prices', i.e. /dev/shm/rxshm.prices
 */
export const segmentName = (channel: string): string => `rxshm.${channel}`;

/** Names longer than this are cut in messages, which must state facts, not echo kilobytes. */
const SHOWN_CHARS = 64;

/**
 * Throws ChannelOptionsError unless `name` is a non-empty string of at most MAX_CHANNEL_NAME_BYTES UTF-8 bytes,
 * without `/`, NUL, C0 or C1 control characters, DEL or lone surrogates, and other than `.` and `..`.
 * @example
 * validateChannelName('prices');  // ok
 * validateChannelName('a/b');     // throws ChannelOptionsError: invalid channel name "a/b": it contains '/'
 */
export function validateChannelName(name: string): void {
  const problem = nameProblem(name);
  if (problem !== null && problem.code === 'InvalidName')
    throw new ChannelOptionsError(`invalid channel name${show(name)}: ${problem.detail}`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_CHANNEL_NAME_BYTES) {
    throw new ChannelOptionsError(
      `invalid channel name${show(name)}: ${bytes} UTF-8 bytes, at most ${MAX_CHANNEL_NAME_BYTES}`,
    );
  }
}

/** ` "name"` as JSON (control characters and lone surrogates escaped), cut to SHOWN_CHARS; `''` for a non-string. */
function show(name: unknown): string {
  if (typeof name !== 'string') return '';
  return ` ${name.length > SHOWN_CHARS ? `${JSON.stringify(name.slice(0, SHOWN_CHARS))}…` : JSON.stringify(name)}`;
}
