/**
 * Segment header descriptor: byte offsets of every field of the 256-byte header at the start of a segment, and the
 * values of its session words. Normative spec: docs/LAYOUT.md. Everything is little-endian and fixed-width; no
 * pointers.
 *
 * Cross-process invariants:
 * - Line 0 (identity) and the ring table are written once by the creator, MAGIC last with an atomic store, and never
 *   change after: an opener that loads a valid MAGIC reads the whole header.
 * - Line 1 (session) holds u32 words read and written only with sequentially consistent atomics; see session.ts for
 *   who writes which.
 *
 * ```
 *  0               4       6       8               12              16
 *  +---------------+-------+-------+---------------+---------------+
 *  | MAGIC "RXSH"  |VERSION| KIND  | HEADER_LENGTH |  RING_COUNT   |   line 0: identity,
 *  +---------------+-------+-------+---------------+---------------+   written once by the creator,
 *  | SEGMENT_SIZE (u64)            |  MAX_MESSAGE  |  CREATOR_PID  |   MAGIC last
 *  +-------------------------------+---------------+---------------+
 *  | TOKEN (u64)                   |  reserved to 64                |
 *  +===============================+================================+
 *  | GENERATION | SERVER_STATE | CLIENT_STATE | SERVER_PID | CLIENT_PID | CLOSE_FLAGS | reserved  line 1 (64)
 *  +==================================================================+
 *  | ring table: RING_COUNT entries of 16 bytes (OFFSET u32, CAPACITY u32, reserved u64)   lines 2-3 (128)
 *  +------------------------------------------------------------------+
 * ```
 */

/** "RXSH" read as a little-endian u32: bytes 0x52 0x58 0x53 0x48. */
export const SEGMENT_MAGIC = 0x48535852;
/** Layout version this code writes and reads. */
export const LAYOUT_VERSION = 1;
/** Segment kind: a duplex channel (two SPSC rings). */
export const KIND_CHANNEL = 1;

/** Cache line size the layout aligns shared hot fields to. */
export const CACHE_LINE = 64;

/** u32: SEGMENT_MAGIC once the creator has finished initialising the header. */
export const MAGIC_OFFSET = 0;
/** u16: LAYOUT_VERSION. */
export const VERSION_OFFSET = MAGIC_OFFSET + 4;
/** u16: segment kind (KIND_CHANNEL). */
export const KIND_OFFSET = VERSION_OFFSET + 2;
/** u32: length of this header in bytes (SEGMENT_HEADER_LENGTH). */
export const HEADER_LENGTH_OFFSET = KIND_OFFSET + 2;
/** u32: number of entries in the ring table. */
export const RING_COUNT_OFFSET = HEADER_LENGTH_OFFSET + 4;
/** u64: total size of the segment in bytes. */
export const SEGMENT_SIZE_OFFSET = RING_COUNT_OFFSET + 4;
/** u32: largest message payload a producer may write, in bytes. */
export const MAX_MESSAGE_OFFSET = SEGMENT_SIZE_OFFSET + 8;
/** u32: pid of the process that created the segment. */
export const CREATOR_PID_OFFSET = MAX_MESSAGE_OFFSET + 4;
/** u64: random token a client proves it read the segment with (the segment is 0600, the doorbell is not). */
export const TOKEN_OFFSET = CREATOR_PID_OFFSET + 4;

/** u32: bumped by the server each time it accepts a client; the rings are reset before the bump. */
export const GENERATION_OFFSET = CACHE_LINE;
/** u32: SERVER_STATE_* value, written by the server; advisory (for tools: nothing in the protocol reads it). */
export const SERVER_STATE_OFFSET = GENERATION_OFFSET + 4;
/** u32: CLIENT_STATE_* value, written by the server for its client; advisory like SERVER_STATE. */
export const CLIENT_STATE_OFFSET = SERVER_STATE_OFFSET + 4;
/** u32: pid of the serving process. */
export const SERVER_PID_OFFSET = CLIENT_STATE_OFFSET + 4;
/** u32: pid of the connected client, 0 when none. */
export const CLIENT_PID_OFFSET = SERVER_PID_OFFSET + 4;
/** u32: CLOSE_FLAG_* bits, each set by its side with an atomic OR; cleared by the server for a new generation. */
export const CLOSE_FLAGS_OFFSET = CLIENT_PID_OFFSET + 4;

/** Start of the ring table. */
export const RING_TABLE_OFFSET = 2 * CACHE_LINE;
/** Bytes per ring-table entry. */
export const RING_ENTRY_LENGTH = 16;
/** u32 within an entry: byte offset of the ring header from the start of the segment. */
export const RING_ENTRY_OFFSET_OFFSET = 0;
/** u32 within an entry: data capacity of the ring in bytes (a power of two). */
export const RING_ENTRY_CAPACITY_OFFSET = 4;
/** Most ring-table entries that fit in the header. */
export const MAX_RING_COUNT = (2 * CACHE_LINE) / RING_ENTRY_LENGTH;

/** Total length of the segment header; the first ring starts here. */
export const SEGMENT_HEADER_LENGTH = 4 * CACHE_LINE;

/** SERVER_STATE: not set yet (the creator is initialising; an anonymous channel before its accept). */
export const SERVER_STATE_NONE = 0;
/** SERVER_STATE: listening on the doorbell, no client; set when serving starts and each time a client's slot frees. */
export const SERVER_STATE_LISTENING = 1;
/** SERVER_STATE: a client is accepted; set after GENERATION is bumped. */
export const SERVER_STATE_CONNECTED = 2;
/** SERVER_STATE: the server stopped serving; set before it unlinks the name. */
export const SERVER_STATE_CLOSED = 3;
/** CLIENT_STATE: no client was accepted yet. */
export const CLIENT_STATE_NONE = 0;
/** CLIENT_STATE: the server accepted a client (set with CLIENT_PID, before GENERATION is bumped). */
export const CLIENT_STATE_CONNECTED = 1;
/** CLIENT_STATE: the accepted client's doorbell closed, or the server dropped it; set when its slot frees. */
export const CLIENT_STATE_CLOSED = 2;

/** CLOSE_FLAGS bit 0: the server left cleanly (every frame it sent is in the ring; a Close frame, if any, last). */
export const CLOSE_FLAG_SERVER_CLOSED = 1;
/** CLOSE_FLAGS bit 1: the client left cleanly. */
export const CLOSE_FLAG_CLIENT_CLOSED = 2;
/** CLOSE_FLAGS bit 2: the server aborted: it discarded frames it never wrote, or found the channel corrupt. */
export const CLOSE_FLAG_SERVER_ABORTED = 4;
/** CLOSE_FLAGS bit 3: the client aborted. */
export const CLOSE_FLAG_CLIENT_ABORTED = 8;

/** Ring index of the server-to-client ring in a channel. */
export const SERVER_TO_CLIENT_RING = 0;
/** Ring index of the client-to-server ring in a channel. */
export const CLIENT_TO_SERVER_RING = 1;

/** Byte offset of ring-table entry `index`. */
export function ringEntryOffset(index: number): number {
  return RING_TABLE_OFFSET + index * RING_ENTRY_LENGTH;
}
