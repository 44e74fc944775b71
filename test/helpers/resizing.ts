/**
 * What the sealed-segment specs (anonymous-sealed, named-sealed) share with their hostile peer,
 * test/fixtures/resizing-child.ts: the messages they exchange, the peer's marker, and what every resize it tries
 * must meet while the seals hold.
 */

/** The message after which the peer tries its resizes again, both sides having the segment mapped. */
export const MARKER_AT = 300;
/** How many messages each spec exchanges (enough to lap both rings). */
export const MESSAGES = 600;
/** The message that makes the peer try its resizes: first byte 0xff, which `resizeMessage` never starts with. */
export const MARKER = Uint8Array.of(0xff, 1, 2, 3);
/** The four resizes the peer tries, each refused by the seals. */
export const REFUSED_RESIZES = {
  'held-grow': 'EPERM',
  'held-shrink': 'EPERM',
  'proc-grow': 'EPERM',
  'proc-shrink': 'EPERM',
};

/** Message i (the marker at MARKER_AT): 1..1500 bytes derived from i and `salt`, first byte never 0xff. */
export function resizeMessage(i: number, salt: number): Uint8Array {
  if (i === MARKER_AT) return MARKER;
  const bytes = new Uint8Array(1 + ((i * 37) % 1500));
  for (let j = 0; j < bytes.length; j++) bytes[j] = (i * salt + j) & 0xff;
  bytes[0] = i % 251;
  return bytes;
}
