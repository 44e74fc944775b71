/**
 * Wire format of the hand-written Unix-socket RPC (issue 12's baseline: what users write by hand over `net`): a
 * length frame as in frames.ts whose body is `[correlation id u32 LE | payload]`. The server answers a call with a
 * frame carrying the call's id, so answers may come in any order and still reach their caller.
 */

/** Bytes of the correlation id at the start of a body. */
export const CALL_ID_BYTES = 4;

/** One frame, length prefix included, ready for socket.write. */
export function encodeCall(id: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + CALL_ID_BYTES + payload.byteLength);
  frame.writeUInt32LE(CALL_ID_BYTES + payload.byteLength, 0);
  frame.writeUInt32LE(id, 4);
  frame.set(payload, 4 + CALL_ID_BYTES);
  return frame;
}

/** The id and payload of a frame body (as FrameReader hands it over); the payload is a view, not a copy. */
export function decodeCall(body: Buffer): { readonly id: number; readonly payload: Buffer } {
  if (body.length < CALL_ID_BYTES) throw new Error(`rpc frame: body of ${body.length} bytes has no correlation id`);
  return { id: body.readUInt32LE(0), payload: body.subarray(CALL_ID_BYTES) };
}
