/**
 * Doorbell addresses: the local socket a channel's receiver listens on so a sender can wake it with one byte.
 *
 * Cross-process invariant: both peers compute the same address from the same channel name, with no shared state.
 * Linux uses the abstract socket namespace (a leading NUL): no file to clean up, gone when the listener dies.
 */
import { createHash } from 'node:crypto';
import { validateName } from './names.js';

/** sun_path holds 108 bytes on Linux; an abstract address uses all of them, the leading NUL included. */
const MAX_ABSTRACT_BYTES = 107;

/**
 * The Linux doorbell address of a channel: `'\0rxshm.' + name`, or, when that exceeds sun_path,
 * `'\0rxshm.#' + sha256(name)` truncated to 32 hex digits (still the same on both sides).
 * @example
 * net.createServer().listen(linuxDoorbellPath('chat')); // listens on "\0rxshm.chat"
 */
export function linuxDoorbellPath(name: string, prefix = 'rxshm.'): string {
  validateName(name, 'open');
  const plain = `${prefix}${name}`;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_ABSTRACT_BYTES - 1) return `\0${plain}`;
  return `\0${prefix}#${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32)}`;
}
