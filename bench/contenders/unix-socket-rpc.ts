/**
 * Baseline of the calls section (issue 12): a hand-written RPC over a Unix domain socket, as users write one with
 * `net` — length-prefixed frames carrying a correlation id per call (rpc-frames.ts), a Map of pending Promises,
 * one socket.write per call. The harness listens and calls; the peer connects and answers (an async echo).
 */
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { concurrentCalls } from '../lib/calls.js';
import type { Contender, Session } from '../lib/contender.js';
import { FrameReader } from '../lib/frames.js';
import { acceptNodePeer } from '../lib/socket-peer.js';
import { decodeCall, encodeCall } from '../lib/rpc-frames.js';

const PEER = new URL('../peers/unix-socket-rpc-peer.ts', import.meta.url).pathname;

interface Pending {
  readonly resolve: (answer: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/** The client half: ids wrap at 2^32 and are never reused while pending (fewer than 2^32 calls outstanding). */
class RpcClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly socket: Socket) {
    const reader = new FrameReader((body) => {
      const { id, payload } = decodeCall(body);
      const caller = this.pending.get(id);
      if (!caller) return socket.destroy(new Error(`rpc: answer for unknown call ${id}`));
      this.pending.delete(id);
      caller.resolve(payload);
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined); // 'close' follows and fails what is pending
    socket.on('close', () => this.failAll(new Error('rpc: socket closed')));
  }

  call(payload: Uint8Array): Promise<Buffer> {
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(encodeCall(id, payload));
    });
  }

  private failAll(error: Error): void {
    for (const caller of this.pending.values()) caller.reject(error);
    this.pending.clear();
  }
}

export const contenders: Contender[] = [
  {
    name: 'unix-socket-rpc',
    label: 'Unix-socket RPC (hand-written)',
    order: 61,
    async open(ctx): Promise<Session> {
      const { path, socket, peer } = await acceptNodePeer(ctx.tmpDir, 'rpc.sock', PEER);
      const client = new RpcClient(socket);
      return {
        calls: (payload, inFlight, operations) =>
          concurrentCalls('unix-socket-rpc', payload, inFlight, operations, () => client.call(payload)),
        resources: peer,
        async close() {
          socket.destroy();
          await peer.kill();
          await rm(path, { force: true });
        },
      };
    },
  },
];
