/**
 * Client side of the handshake on a connected doorbell socket: send the hello with the segment's token, read
 * one status byte. Bytes after it are bells for the engine.
 *
 * Cross-process invariants: the server answers exactly one status byte and, on anything but ACCEPTED, closes the
 * socket; the client touches no ring before ACCEPTED (docs/LAYOUT.md 5).
 */
import type { Socket } from 'node:net';
import { encodeHello } from './handshake.js';

/** Outcome of a client handshake: the server's status byte, or 'closed' if the socket ended first. */
export type HandshakeOutcome = { readonly status: number } | { readonly closed: true; readonly error?: Error };

/** Sends the hello and calls back once with the outcome. Returns a function that cancels the wait. */
export function clientHandshake(socket: Socket, token: bigint, done: (outcome: HandshakeOutcome) => void): () => void {
  let settled = false;
  const finish = (outcome: HandshakeOutcome): void => {
    if (settled) return;
    settled = true;
    cleanup();
    done(outcome);
  };
  const onData = (chunk: Buffer): void => {
    if (chunk.length > 0) finish({ status: chunk[0]! });
  };
  const onClose = (): void => finish({ closed: true });
  const onError = (error: Error): void => finish({ closed: true, error });
  const cleanup = (): void => {
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('error', onError);
  };
  socket.on('data', onData);
  socket.on('close', onClose);
  socket.on('error', onError);
  socket.write(encodeHello(process.pid, token));
  return () => {
    settled = true;
    cleanup();
  };
}
