/**
 * The library users pick for fast local messaging (issue 12): zeromq 6 (a dev dependency), DEALER in the harness and
 * ROUTER in the peer over `ipc://`. A call is the two-part message `[correlation id u32 LE, payload]`; the receive
 * loop hands each answer to its caller through a Map of pending Promises. At most 64 calls are outstanding, far
 * below the DEALER's send high-water mark (1000), so `send` never blocks and sends may overlap. Skipped with a note
 * when zeromq's native addon does not load here.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dealer } from 'zeromq';
import { concurrentCalls } from '../lib/calls.js';
import { SkipContender, type Contender, type Session } from '../lib/contender.js';
import { startNodePeer } from '../lib/peer.js';

const PEER = new URL('../peers/zeromq-peer.ts', import.meta.url).pathname;

interface Pending {
  readonly resolve: (answer: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/** The client half over a connected DEALER; one receive loop for every answer. */
class ZmqClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly dealer: Dealer) {
    void this.receive();
  }

  call(payload: Uint8Array): Promise<Buffer> {
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(id, 0);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.dealer.send([header, payload]).catch((e: unknown) => this.fail(id, e));
    });
  }

  private async receive(): Promise<void> {
    try {
      for await (const [header, payload] of this.dealer) {
        if (!header || header.length !== 4 || !payload) throw new Error('zeromq: an answer has 2 parts: id, payload');
        const id = header.readUInt32LE(0);
        const caller = this.pending.get(id);
        if (!caller) throw new Error(`zeromq: answer for unknown call ${id}`);
        this.pending.delete(id);
        caller.resolve(payload);
      }
      this.failAll(new Error('zeromq: socket closed'));
    } catch (e) {
      this.failAll(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(id: number, e: unknown): void {
    this.pending.get(id)?.reject(e instanceof Error ? e : new Error(String(e)));
    this.pending.delete(id);
  }

  private failAll(error: Error): void {
    for (const caller of this.pending.values()) caller.reject(error);
    this.pending.clear();
  }
}

export const contenders: Contender[] = [
  {
    name: 'zeromq',
    label: 'zeromq 6 (DEALER/ROUTER, ipc)',
    order: 62,
    async open(ctx): Promise<Session> {
      const zmq = await import('zeromq').catch((e: unknown) => {
        throw new SkipContender(`zeromq does not load here: ${e instanceof Error ? e.message : String(e)}`);
      });
      const path = join(ctx.tmpDir, 'zmq.sock');
      const endpoint = `ipc://${path}`;
      const peer = await startNodePeer(PEER, [endpoint]);
      const dealer = new zmq.Dealer({ linger: 0 });
      dealer.connect(endpoint);
      const client = new ZmqClient(dealer);
      ctx.note(`zeromq ${zmq.version}: the peer's ROUTER answers in a receive-then-send loop; ids in a first frame.`);
      return {
        calls: (payload, inFlight, operations) =>
          concurrentCalls('zeromq', payload, inFlight, operations, () => client.call(payload)),
        resources: peer,
        async close() {
          dealer.close();
          await peer.kill();
          await rm(path, { force: true });
        },
      };
    },
  },
];
