/**
 * The doorbell socket's handshake, then its bells. Normative spec: docs/LAYOUT.md, "Doorbell and handshake".
 *
 * Client -> server, once: HELLO (16 bytes LE): u32 HELLO_MAGIC, u32 client pid, u64 the segment's TOKEN.
 * Server -> client, once: one status byte (HANDSHAKE_*); on anything but ACCEPTED the server closes the socket.
 * After that, every byte either way is a bell: "re-check your rings" (its value is ignored; rxshm sends 1).
 * Knowing TOKEN proves the client could read the segment (mode 0600); the socket itself has no permissions.
 */

/** "RXHI" as a little-endian u32. */
export const HELLO_MAGIC = 0x49485852;
/** Length of the client's hello. */
export const HELLO_LENGTH = 16;

/** The server accepted the client: the rings are reset and the generation bumped. */
export const HANDSHAKE_ACCEPTED = 0;
/** Another client is connected. */
export const HANDSHAKE_BUSY = 1;
/** The token did not match the segment's. */
export const HANDSHAKE_BAD_TOKEN = 2;
/** The hello was malformed. */
export const HANDSHAKE_BAD_HELLO = 3;
/** The server is closing. */
export const HANDSHAKE_CLOSING = 4;

/** The byte a bell carries. */
export const BELL = Buffer.from([1]);

/** A parsed hello. */
export interface Hello {
  readonly pid: number;
  readonly token: bigint;
}

/** Encodes the client's hello. */
export function encodeHello(pid: number, token: bigint): Buffer {
  const hello = Buffer.alloc(HELLO_LENGTH);
  hello.writeUInt32LE(HELLO_MAGIC, 0);
  hello.writeUInt32LE(pid >>> 0, 4);
  hello.writeBigUInt64LE(token, 8);
  return hello;
}

/** Decodes a hello; null when it is not one. */
export function decodeHello(bytes: Buffer): Hello | null {
  if (bytes.length !== HELLO_LENGTH || bytes.readUInt32LE(0) !== HELLO_MAGIC) return null;
  return { pid: bytes.readUInt32LE(4), token: bytes.readBigUInt64LE(8) };
}

/** Words for a handshake status, for error messages. */
export function handshakeStatusText(status: number): string {
  switch (status) {
    case HANDSHAKE_BUSY:
      return 'another client is connected';
    case HANDSHAKE_BAD_TOKEN:
      return 'the server refused the token';
    case HANDSHAKE_BAD_HELLO:
      return 'the server refused the hello';
    case HANDSHAKE_CLOSING:
      return 'the server is closing';
    default:
      return `unknown handshake status ${status}`;
  }
}
