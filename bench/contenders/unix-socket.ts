/**
 * Baseline: a Unix domain socket through `net`, length-framed. The harness listens, the peer connects and
 * echoes (round trip) or counts (throughput). Every send builds its frame, as a real sender would.
 */
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import type { Contender, Session } from '../lib/contender.js';
import { encodeFrame, FrameReader } from '../lib/frames.js';
import { measureIdle } from '../lib/idle.js';
import { isPayload } from '../lib/payload.js';
import { acceptNodePeer } from '../lib/socket-peer.js';
import { awaitedRoundTrips } from '../lib/stats.js';

const PEER = new URL('../peers/unix-socket-peer.ts', import.meta.url).pathname;

export const contenders: Contender[] = [
  {
    name: 'unix-socket',
    label: 'Unix socket (net)',
    order: 60,
    async open(ctx): Promise<Session> {
      const { path, socket, peer } = await acceptNodePeer(ctx.tmpDir, 'bench.sock', PEER);

      let onFrame: (frame: Buffer) => void = () => undefined;
      const reader = new FrameReader((frame) => onFrame(frame));
      socket.on('data', (chunk: Buffer) => reader.push(chunk));
      socket.on('error', () => {
        /* the peer going away is reported through its control channel */
      });
      const nextFrame = () =>
        new Promise<Buffer>((resolve) => {
          onFrame = resolve;
        });

      return {
        roundTrip: (payload, iterations) =>
          awaitedRoundTrips(
            'unix-socket',
            iterations,
            async () => {
              const reply = nextFrame();
              socket.write(encodeFrame(payload));
              return reply;
            },
            isPayload,
          ),
        async throughput(payload, messages) {
          await peer.request({ cmd: 'expect', count: messages });
          const t0 = process.hrtime.bigint();
          // Write as fast as the socket accepts; `false` means the kernel buffer is full: wait for 'drain'.
          for (let i = 0; i < messages; i++) {
            if (!socket.write(encodeFrame(payload))) await once(socket, 'drain');
          }
          await peer.request({ cmd: 'wait' });
          return { messages, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
        idle: (ms) => measureIdle(ms, () => peer.cpuSeconds()),
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
