/** Channel names: checked at creation so a bad name fails with a clear error before anything is mapped. */
import { ChannelOptionsError } from './errors.js';

/** Longest channel name in UTF-8 bytes: the segment name adds `rxshm.` and must stay under NAME_MAX. */
export const MAX_CHANNEL_NAME_BYTES = 200;

/** Throws ChannelOptionsError unless `name` is a non-empty printable name without `/` or NUL. */
export function validateChannelName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new ChannelOptionsError('invalid channel name: must be a non-empty string');
  if (/[\/\u0000-\u001f\u007f]/.test(name)) {
    throw new ChannelOptionsError(`invalid channel name ${JSON.stringify(name)}: no '/', NUL or control characters`);
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_CHANNEL_NAME_BYTES) {
    throw new ChannelOptionsError(`invalid channel name: ${bytes} bytes, at most ${MAX_CHANNEL_NAME_BYTES}`);
  }
}
