/**
 * Server side of the handshake on one doorbell socket: read the 16-byte hello, check the token, then either
 * refuse with a status byte or reset the rings, bump the generation and answer ACCEPTED.
 *
 * Cross-process invariants: the rings are reset only here, while no client uses them (the previous client's doorbell
 * has closed, or there was none), and everything a client reads after ACCEPTED (reset rings, cleared CLOSE_FLAGS,
 * CLIENT_PID, CLIENT_STATE, GENERATION) is stored before that byte is written (docs/LAYOUT.md 3.2 and 5).
 */
import type { Socket } from 'node:net';
import {
  ChannelSession,
  CLIENT_STATE_CONNECTED,
  SERVER_STATE_CONNECTED,
  resetRing,
  type ChannelLayout,
} from '../../layout/index.js';
import {
  HANDSHAKE_ACCEPTED,
  HANDSHAKE_BAD_HELLO,
  HANDSHAKE_BAD_TOKEN,
  HELLO_LENGTH,
  decodeHello,
  type Hello,
} from './handshake.js';

/** How long a client that connected to a named channel's doorbell may take to say hello. */
export const HELLO_TIMEOUT_MS = 2000;

/**
 * Reads the hello from `socket`; calls back with it, or refuses and destroys the socket. `onGone` hears of a
 * socket that closed, timed out or was refused before a valid hello.
 */
export function readHello(
  socket: Socket,
  token: bigint,
  onHello: (hello: Hello) => void,
  timeoutMs = HELLO_TIMEOUT_MS,
  onGone?: (why: string) => void,
): void {
  let received = Buffer.alloc(0);
  let settled = false;
  const gone = (why: string): void => {
    if (settled) return;
    settled = true;
    onGone?.(why);
  };
  const timer = setTimeout(() => {
    gone(`no hello within ${timeoutMs} ms`);
    socket.destroy();
  }, timeoutMs);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    if (received.length < HELLO_LENGTH) return;
    socket.off('data', onData);
    clearTimeout(timer);
    const hello = decodeHello(received.subarray(0, HELLO_LENGTH));
    if (!hello) {
      gone('a malformed hello');
      return refuse(socket, HANDSHAKE_BAD_HELLO);
    }
    if (hello.token !== token) {
      gone('a hello with the wrong token');
      return refuse(socket, HANDSHAKE_BAD_TOKEN);
    }
    settled = true;
    onHello(hello);
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearTimeout(timer);
    gone('the doorbell closed before the hello');
  });
}

/** Answers `status` and closes. */
export function refuse(socket: Socket, status: number): void {
  socket.end(Buffer.from([status]));
}

/** Resets both rings for a new client and returns the new generation; then answers ACCEPTED. */
export function accept(socket: Socket, buffer: ArrayBuffer, layout: ChannelLayout, hello: Hello): number {
  const session = new ChannelSession(buffer);
  resetRing(buffer, layout.serverToClient);
  resetRing(buffer, layout.clientToServer);
  session.clearClosed();
  session.clientPid = hello.pid;
  session.clientState = CLIENT_STATE_CONNECTED;
  const generation = session.bumpGeneration();
  session.serverState = SERVER_STATE_CONNECTED;
  socket.write(Buffer.from([HANDSHAKE_ACCEPTED]));
  return generation;
}
