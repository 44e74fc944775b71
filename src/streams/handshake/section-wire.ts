/**
 * The server's reply in the setup of a named channel on a backend that passes no descriptors (Windows): the client
 * says HELLO2 (setup-wire.ts), the server answers this SECTION REPLY, which names the client's own segment instead
 * of carrying its descriptor (docs/SETUP-DESIGN.md, "Windows").
 *
 * Server -> client, once: SECTION REPLY (32 bytes LE): u32 SECTION_REPLY_MAGIC, u8 status (SETUP_*), 3 bytes
 * reserved, u32 clientId (the slot), u32 reserved, 16 bytes: the 128 random bits of the segment's name
 * (`rxshm.client.<32 hex digits>`; all zero unless accepted). With any status but accepted the server closes.
 * After it, every byte either way is a bell.
 *
 * Cross-process invariant relied on: a client only ever opens a name of the form built here, so a server cannot
 * make it open any other segment; the name's 128 random bits are sent to this one client only.
 */
import { SETUP_ACCEPTED } from './setup-wire.js';

/** "RXNM" as a little-endian u32. */
export const SECTION_REPLY_MAGIC = 0x4d4e5852;
/** Length of a SECTION REPLY. */
export const SECTION_REPLY_LENGTH = 32;
/** How many random bytes name a client's segment. */
export const SECTION_NONCE_BYTES = 16;

const NONCE_OFFSET = 16;

/** The segment name a nonce stands for: `rxshm.client.` and the nonce in hex. */
export function clientSectionName(nonce: Uint8Array): string {
  return `rxshm.client.${Buffer.from(nonce.subarray(0, SECTION_NONCE_BYTES)).toString('hex')}`;
}

/** The server's answer: the status, the slot and, when accepted, the name of the client's segment. */
export interface SectionReply {
  readonly status: number;
  readonly clientId: number;
  readonly section: string | null;
}

/** Encodes a SECTION REPLY; `nonce` (16 bytes) only with SETUP_ACCEPTED. */
export function encodeSectionReply(status: number, clientId = 0, nonce?: Uint8Array): Buffer {
  const reply = Buffer.alloc(SECTION_REPLY_LENGTH);
  reply.writeUInt32LE(SECTION_REPLY_MAGIC, 0);
  reply.writeUInt8(status, 4);
  reply.writeUInt32LE(clientId >>> 0, 8);
  if (nonce !== undefined) reply.set(nonce.subarray(0, SECTION_NONCE_BYTES), NONCE_OFFSET);
  return reply;
}

/** Decodes a SECTION REPLY; null when `bytes` is not one (wrong length or magic). */
export function decodeSectionReply(bytes: Uint8Array): SectionReply | null {
  if (bytes.length !== SECTION_REPLY_LENGTH) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.readUInt32LE(0) !== SECTION_REPLY_MAGIC) return null;
  const status = view.readUInt8(4);
  const section = status === SETUP_ACCEPTED ? clientSectionName(view.subarray(NONCE_OFFSET)) : null;
  return { status, clientId: view.readUInt32LE(8), section };
}
