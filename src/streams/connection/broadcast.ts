/**
 * `broadcast(connections, bytes)`: one message to many connections, each through its own send path (its own rings,
 * its own overflow policy). Process-local only; what crosses processes is each connection's Data frame.
 */
import { MessageTooLargeError, RingFullError } from '../errors.js';
import { DATA_FRAME } from '../engine/frame-fields.js';
import type { Connection } from './connection.js';

/**
 * Sends `bytes` to each of `connections` once (a connection given twice still gets it once) and returns how many
 * accepted it: written into the ring or queued. Skipped and not counted: connections that are closed or ended,
 * and, under `overflow: 'reject'`, those whose ring is full (each reports a RingFullError on its `errors$`, as
 * `next()` does). Throws TypeError for anything but a Uint8Array, and MessageTooLargeError before sending anything
 * when `bytes` exceeds a connection's `maxMessage`.
 * @example
 * ```ts
 * listen('chat').pipe(clients()).subscribe((connected) => {
 *   const reached = broadcast(connected, new TextEncoder().encode('someone joined'));
 *   console.log(`told ${reached} of ${connected.size}`);
 * });
 * ```
 */
export function broadcast(connections: Iterable<Connection>, bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('broadcast expects a Uint8Array');
  const targets = connections instanceof Set ? (connections as ReadonlySet<Connection>) : new Set(connections);
  for (const connection of targets)
    if (!connection.ended && bytes.length > connection.maxMessage)
      throw new MessageTooLargeError(bytes.length, connection.maxMessage);
  let accepted = 0;
  for (const connection of targets) {
    if (connection.ended) continue;
    const result = connection.sendFrame(DATA_FRAME, bytes);
    if (result === 'written' || result === 'queued') accepted++;
    else if (result === 'rejected') connection.report(new RingFullError(connection.channel, bytes.length));
  }
  return accepted;
}
