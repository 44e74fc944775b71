/** What the native suites need beyond the API under test: the fd behind a connected net.Socket. */
import type { Socket } from 'node:net';

/** The fd of a connected net.Socket (Node keeps it on the libuv handle). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the socket has no fd');
  return fd;
}
