/**
 * rxshm itself, five ways: spin (both sides busy-poll for 50 µs after activity), default (poll once per event-loop
 * turn for 2 ms, then park), and parked (the peer parks after every message, so every ping takes the doorbell wake
 * path); zero-copy (default waiting, claim/commit to send, borrowed views to receive); and batched (default waiting,
 * next() to send, the peer receiving with `connection.batches()`; one-way throughput only); and pooled (the same with
 * `receive: 'pooled'` and `recycle()` after each message; one-way throughput only). The harness listens;
 * the peer connects and echoes, counts or serves. The calls section (issue 12) runs for default and spin only: each
 * call is `firstValueFrom(connection.request(payload))`, answered by the peer's `serve`, default request options.
 */
import { filter, firstValueFrom, lastValueFrom, take } from 'rxjs';
import { concurrentCalls } from '../lib/calls.js';
import type { Contender, Session } from '../lib/contender.js';
import { measureIdle } from '../lib/idle.js';
import { isPayload } from '../lib/payload.js';
import { startNodePeer } from '../lib/peer.js';
import { summarizeNs } from '../lib/stats.js';
import { rxshm } from '../lib/library.js';
import type { ChannelOptions, Connection } from '../../src/index.js';
import { ECHO_METHOD, JsonEcho, StructEcho, sample } from '../peers/rxshm-methods.js';

const { call, listen } = rxshm;
const PEER = new URL('../peers/rxshm-peer.ts', import.meta.url).pathname;
type Mode = 'spin' | 'default' | 'parked' | 'zerocopy' | 'batched' | 'pooled';
const WAIT: Record<Mode, ChannelOptions['wait']> = {
  spin: { spinMicros: 50 },
  default: {},
  parked: {},
  zerocopy: {},
  batched: {},
  pooled: {},
};
/** The modes the calls section measures (issue 12: default options, and the spin wait). */
const CALLS: readonly Mode[] = ['default', 'spin'];
let serial = 0;

function contender(mode: Mode, label: string, order: number): Contender {
  return {
    name: `rxshm-${mode}`,
    label,
    order,
    async open(ctx): Promise<Session> {
      const name = `bench-${process.pid}-${serial++}`;
      let resolveConnection!: (c: Connection) => void;
      const connected = new Promise<Connection>((resolve) => (resolveConnection = resolve));
      const zeroCopy = mode === 'zerocopy';
      // take(1) hands the connection to us (await style): it stays open between sections, when nothing subscribes,
      // until close() completes it. A listen subscription owning it would close it after the first section.
      const server = listen(name, { wait: WAIT[mode], receive: zeroCopy ? 'borrow' : 'copy' })
        .pipe(take(1))
        .subscribe({ next: (c) => resolveConnection(c) });
      const peer = await startNodePeer(PEER, [name, mode]).catch((e: unknown) => {
        server.unsubscribe();
        throw e;
      });
      const connection = await connected;
      if (mode === 'parked')
        ctx.note(
          'rxshm (parked peer): the peer parks after every message, so each ping wakes it through the doorbell.',
        );
      if (zeroCopy) {
        ctx.note(
          "rxshm (zero-copy): sends write in place with claim()/commit(); receives are borrowed views (receive: 'borrow') that the receiver reads once into a reused buffer, so every byte still crosses the cores; the other rxshm rows use next() and fresh copies.",
        );
      }

      if (mode === 'batched')
        ctx.note(
          'rxshm (batched): one-way throughput only; the peer receives with connection.batches() (every Data message of one ring drain in one array, copies) and counts messages, not batches.',
        );
      if (mode === 'pooled')
        ctx.note(
          "rxshm (pooled receive): one-way throughput only; next() to send, the peer receives with receive: 'pooled' (copies of 1 KiB and more in buffers it gives back) and calls recycle(message) after counting each one.",
        );

      const session: Session = {
        // Each echo sends the next ping synchronously from the receive callback, as a latency-minded user would,
        // so a spinning receiver never leaves its spin loop between round trips.
        roundTrip: (payload, iterations) =>
          new Promise((resolve, reject) => {
            const samples = new Float64Array(iterations);
            let i = 0;
            let t0 = process.hrtime.bigint();
            const subscription = connection.subscribe({
              next: (echoed) => {
                samples[i] = Number(process.hrtime.bigint() - t0);
                if (i === 0 && !isPayload(echoed)) return reject(new Error('rxshm: echoed payload differs'));
                if (++i === iterations) {
                  subscription.unsubscribe();
                  return resolve({ iterations, ...summarizeNs(samples) });
                }
                t0 = process.hrtime.bigint();
                connection.next(payload);
              },
              error: reject,
            });
            connection.next(payload);
          }),
        async throughput(payload, messages) {
          await peer.request({ cmd: 'expect', count: messages });
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < messages; i++) {
            if (zeroCopy) {
              // Write in place while the ring has room; when it is full, send() queues one copy and completes once
              // it is written (no await on the fast path).
              const claim = connection.claim(payload.length);
              if (claim) {
                claim.bytes.set(payload);
                claim.commit();
              } else await lastValueFrom(connection.send(payload), { defaultValue: undefined });
              continue;
            }
            if (!connection.writable) await firstValueFrom(connection.writable$.pipe(filter(Boolean)));
            connection.next(payload);
          }
          await peer.request({ cmd: 'wait' });
          return { messages, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
        async requestResponse(codec, operations) {
          const method = codec === 'struct' ? StructEcho : JsonEcho;
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < operations; i++) {
            const answer = await firstValueFrom(call(connection, method as typeof JsonEcho, sample(i)));
            if (answer.seq !== i) throw new Error(`rxshm: response ${answer.seq} for request ${i}`);
          }
          return { operations, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
        ...(CALLS.includes(mode) && {
          calls: (payload: Uint8Array, inFlight: number, operations: number) =>
            concurrentCalls(`rxshm-${mode}`, payload, inFlight, operations, () =>
              firstValueFrom(connection.request(payload, { method: ECHO_METHOD })),
            ),
        }),
        idle: (ms) => measureIdle(ms, () => peer.cpuSeconds()),
        resources: peer,
        async close() {
          server.unsubscribe();
          connection.complete();
          await peer.kill();
        },
      };
      // The batched and pooled receives are throughput paths: their other sections would measure the default again.
      const throughputOnly = mode === 'batched' || mode === 'pooled';
      return throughputOnly ? { throughput: session.throughput!, resources: peer, close: session.close } : session;
    },
  };
}

export const contenders: Contender[] = [
  contender('spin', 'rxshm (spin)', 10),
  contender('default', 'rxshm (default)', 11),
  contender('parked', 'rxshm (parked peer)', 12),
  contender('zerocopy', 'rxshm (zero-copy)', 13),
  contender('batched', 'rxshm (batched receive)', 14),
  contender('pooled', 'rxshm (pooled receive)', 15),
];
