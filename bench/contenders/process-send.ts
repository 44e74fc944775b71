/**
 * Baseline: child_process IPC (`process.send`), once with json serialization and once with 'advanced'
 * (the V8 serializer). JSON cannot carry bytes, so the json variant sends base64 strings and both sides
 * decode them back to bytes (the cost a user of json IPC pays); the advanced variant sends the Uint8Array.
 */
import type { Contender, Session } from '../lib/contender.js';
import { measureIdle } from '../lib/idle.js';
import { isPayload } from '../lib/payload.js';
import { startNodePeer } from '../lib/peer.js';
import { awaitedRoundTrips } from '../lib/stats.js';

const PEER = new URL('../peers/process-send-peer.ts', import.meta.url).pathname;
type Mode = 'json' | 'advanced';

function encode(mode: Mode, payload: Uint8Array): string | Uint8Array {
  return mode === 'json'
    ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64')
    : payload;
}

function decode(message: unknown): Uint8Array {
  return typeof message === 'string' ? Buffer.from(message, 'base64') : (message as Uint8Array);
}

function processSend(mode: Mode, order: number): Contender {
  return {
    name: `process-send-${mode}`,
    label: `process.send (${mode})`,
    order,
    async open(ctx): Promise<Session> {
      if (mode === 'json')
        ctx.note('process.send (json): payloads travel as base64 strings, decoded to bytes on receipt.');
      const peer = await startNodePeer(PEER, [mode], { ipc: true, serialization: mode });
      const child = peer.child;
      let onMessage: (message: unknown) => void = () => undefined;
      child.on('message', (m) => onMessage(m));
      const next = () =>
        new Promise<unknown>((resolve) => {
          onMessage = resolve;
        });
      return {
        roundTrip: (payload, iterations) =>
          awaitedRoundTrips(
            `process-send-${mode}`,
            iterations,
            async () => {
              const reply = next();
              child.send(encode(mode, payload));
              return decode(await reply);
            },
            isPayload,
          ),
        async throughput(payload, messages) {
          await peer.request({ cmd: 'expect', count: messages });
          let written = 0;
          let drained: (() => void) | undefined;
          const onWritten = (): void => {
            if (++written === sent && drained) drained();
          };
          let sent = 0;
          const t0 = process.hrtime.bigint();
          while (sent < messages) {
            sent++;
            // send() returns false once the channel's write queue is long: wait until everything queued is written.
            if (!child.send(encode(mode, payload), undefined, undefined, onWritten) && written < sent) {
              await new Promise<void>((resolve) => {
                drained = resolve;
              });
              drained = undefined;
            }
          }
          await peer.request({ cmd: 'wait' });
          return { messages, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
        idle: (ms) => measureIdle(ms, () => peer.cpuSeconds()),
        resources: peer,
        close: () => peer.kill(),
      };
    },
  };
}

export const contenders: Contender[] = [processSend('json', 70), processSend('advanced', 71)];
