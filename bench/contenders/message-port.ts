/**
 * In-process reference: a worker_threads MessagePort (structured clone of a Uint8Array each way). Not a
 * cross-process transport, so it bounds what "message passing in Node" costs without a kernel in the path.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Contender, Session } from '../lib/contender.js';
import { measureIdle } from '../lib/idle.js';
import { isPayload } from '../lib/payload.js';
import { awaitedRoundTrips } from '../lib/stats.js';

/** The worker acknowledges every ACK_EVERY messages in counting mode. */
const ACK_EVERY = 256;

// Plain JS evaluated in the worker: it needs no TypeScript loader, so the worker starts the same on every setup.
// It echoes bytes, or in counting mode acknowledges every ACK_EVERY messages (the window that bounds memory).
const WORKER = `
const { parentPort } = require('node:worker_threads');
let counting = 0, received = 0;
parentPort.on('message', (m) => {
  if (m && m.expect !== undefined) { counting = m.expect; received = 0; return; }
  if (counting) {
    received++;
    if (received % ${ACK_EVERY} === 0 || received === counting) parentPort.postMessage({ ack: received });
    if (received === counting) counting = 0;
  } else parentPort.postMessage(m);
});`;
/** Bytes allowed in flight: MessagePort has no backpressure, so the sender bounds its own queue. */
const WINDOW_BYTES = 16 << 20;

export const contenders: Contender[] = [
  {
    name: 'message-port',
    label: 'MessagePort (in-process)',
    order: 80,
    async open(ctx): Promise<Session> {
      ctx.note('MessagePort is in-process (a worker thread): its idle CPU is all in the harness column.');
      const worker = new Worker(WORKER, { eval: true });
      await once(worker, 'online');
      let onMessage: (m: unknown) => void = () => undefined;
      worker.on('message', (m) => onMessage(m));
      const next = () =>
        new Promise<unknown>((resolve) => {
          onMessage = resolve;
        });
      return {
        roundTrip: (payload, iterations) =>
          awaitedRoundTrips(
            'message-port',
            iterations,
            async () => {
              const reply = next();
              worker.postMessage(payload);
              return (await reply) as Uint8Array;
            },
            isPayload,
          ),
        async throughput(payload, messages) {
          const window = Math.max(ACK_EVERY * 2, Math.floor(WINDOW_BYTES / payload.byteLength));
          let acked = 0;
          let wake: (() => void) | undefined;
          onMessage = (m) => {
            acked = (m as { ack: number }).ack;
            wake?.();
          };
          worker.postMessage({ expect: messages });
          const t0 = process.hrtime.bigint();
          for (let sent = 0; sent < messages; sent++) {
            while (sent - acked >= window)
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
            worker.postMessage(payload);
          }
          while (acked < messages)
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          return { messages, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
        idle: (ms) => measureIdle(ms, () => 0),
        async close() {
          await worker.terminate();
        },
      };
    },
  },
];
