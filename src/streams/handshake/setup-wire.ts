/**
 * The setup handshake of a named channel on Linux (docs/LAYOUT.md 5): the client's HELLO2 and the server's REPLY,
 * exchanged on the raw doorbell socket before Node's `net` takes it over.
 *
 * Client -> server, once: HELLO2 (16 bytes LE): u32 SETUP_HELLO_MAGIC, u32 client pid, u64 reserved (0).
 * Server -> client, once: REPLY (16 bytes LE): u32 SETUP_REPLY_MAGIC, u8 status (SETUP_*), 3 bytes reserved,
 * u32 clientId (the slot), u32 reserved. With SETUP_ACCEPTED exactly one descriptor (the client's sealed segment)
 * travels with the reply's first byte (SCM_RIGHTS); with any other status none, and the server closes the socket.
 * After the reply every byte either way is a bell. The pids here are informative: SO_PEERCRED is authoritative.
 */

/** "RXH2" as a little-endian u32. */
export const SETUP_HELLO_MAGIC = 0x32485852;
/** "RXOK" as a little-endian u32. */
export const SETUP_REPLY_MAGIC = 0x4b4f5852;
/** Length of HELLO2 and of REPLY. */
export const SETUP_MESSAGE_LENGTH = 16;

/** Accepted: the segment's descriptor comes with the reply. */
export const SETUP_ACCEPTED = 0;
/** Every slot is taken (maxClients): retry later. */
export const SETUP_BUSY = 1;
/** The hello was malformed. */
export const SETUP_BAD_HELLO = 3;
/** The server is closing. */
export const SETUP_CLOSING = 4;
/** The server could not set the client up (e.g. no memory for its segment). */
export const SETUP_REFUSED = 5;

/** The server's answer. */
export interface SetupReply {
  readonly status: number;
  readonly clientId: number;
}

/** Encodes HELLO2 for this process. */
export function encodeSetupHello(pid: number): Buffer {
  const hello = Buffer.alloc(SETUP_MESSAGE_LENGTH);
  hello.writeUInt32LE(SETUP_HELLO_MAGIC, 0);
  hello.writeUInt32LE(pid >>> 0, 4);
  return hello;
}

/** The pid a HELLO2 states, or null when `bytes` is not a HELLO2. */
export function decodeSetupHello(bytes: Uint8Array): number | null {
  if (bytes.length !== SETUP_MESSAGE_LENGTH) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return view.readUInt32LE(0) === SETUP_HELLO_MAGIC ? view.readUInt32LE(4) : null;
}

/** Encodes a REPLY. */
export function encodeSetupReply(status: number, clientId = 0): Buffer {
  const reply = Buffer.alloc(SETUP_MESSAGE_LENGTH);
  reply.writeUInt32LE(SETUP_REPLY_MAGIC, 0);
  reply.writeUInt8(status, 4);
  reply.writeUInt32LE(clientId >>> 0, 8);
  return reply;
}

/** Decodes a REPLY; null when `bytes` is not one. */
export function decodeSetupReply(bytes: Uint8Array): SetupReply | null {
  if (bytes.length !== SETUP_MESSAGE_LENGTH) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.readUInt32LE(0) !== SETUP_REPLY_MAGIC) return null;
  return { status: view.readUInt8(4), clientId: view.readUInt32LE(8) };
}

/** Words for a reply's status, for error messages. */
export function setupStatusText(status: number): string {
  switch (status) {
    case SETUP_BUSY:
      return 'every client slot is taken';
    case SETUP_BAD_HELLO:
      return 'the server refused the hello';
    case SETUP_CLOSING:
      return 'the server is closing';
    case SETUP_REFUSED:
      return 'the server could not set this client up';
    default:
      return `unknown setup status ${status}`;
  }
}
