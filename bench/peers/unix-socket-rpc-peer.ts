/**
 * Peer of the unix-socket-rpc contender, the server of a hand-written RPC: connect to argv[2], decode each call
 * (rpc-frames.ts), run the handler (an async echo, as a user writes one) and answer with the call's id.
 */
import { connect } from 'node:net';
import { FrameReader } from '../lib/frames.js';
import { serveControl } from '../lib/peer-side.js';
import { decodeCall, encodeCall } from '../lib/rpc-frames.js';

const handler = async (payload: Buffer): Promise<Uint8Array> => payload;

const socket = connect(process.argv[2]!);
const reader = new FrameReader((body) => {
  const { id, payload } = decodeCall(body);
  handler(payload).then(
    (answer) => socket.write(encodeCall(id, answer)),
    (e: unknown) => socket.destroy(e instanceof Error ? e : new Error(String(e))),
  );
});
socket.on('data', (chunk: Buffer) => reader.push(chunk));
socket.on('close', () => process.exit(0));
const control = serveControl({});
socket.on('connect', () => control.ready());
