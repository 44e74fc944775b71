/**
 * Client process of the many-clients bench (issue 13); one process serves both transports, so rxshm and the Unix
 * socket are measured with the very same processes. Commands (control channel, lib/peer-side.ts):
 * - `connect {transport, address}`: connect (rxshm channel name, or socket path); one connection per transport, kept
 *   until `disconnect`; every message received on it is checked (numbered.ts): none is expected until `expect`.
 * - `send {transport, count, size}`: send `count` numbered messages as fast as the transport accepts (rxshm:
 *   `writable`; socket: `write() === false` waits for 'drain'), each socket message framed on its own (frames.ts).
 * - `expect {transport, count, size}` then `wait {transport}`: count what arrives; `wait` answers
 *   `{ received, problem }` once `count` arrived.
 * - `disconnect {transport}`: close, wait until closed, answer the check's problem (null: nothing unexpected).
 * - `setup {transport, address, connects, size}`: `connects` times, connect, take the server's greeting, close;
 *   answers each connect's time from the connect call to the greeting, µs.
 */
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, switchMap, take, tap } from 'rxjs';
import type { Connection } from '../../src/index.js';
import { encodeFrame, FrameReader } from '../lib/frames.js';
import { rxshm } from '../lib/library.js';
import { NumberedCheck, numbered } from '../lib/numbered.js';
import { serveControl } from '../lib/peer-side.js';

type Transport = 'rxshm' | 'socket';
const { connect } = rxshm;
const CONNECT_TIMEOUT_MS = 10_000;

/** One open connection of this client: how it sends, what checks what it receives, how it closes. */
interface Link {
  readonly check: NumberedCheck;
  send(count: number, size: number): Promise<void>;
  close(): Promise<void>;
}
const links = new Map<Transport, Link>();

async function rxshmLink(address: string): Promise<Link> {
  const check = new NumberedCheck();
  const c: Connection = await firstValueFrom(connect(address, { timeout: CONNECT_TIMEOUT_MS }));
  c.subscribe({ next: (bytes) => check.add(bytes), error: (e: Error) => check.fail(`receive: ${e.message}`) });
  return {
    check,
    async send(count, size) {
      const bytes = new Uint8Array(size); // next() copies: one buffer serves every message
      for (let seq = 0; seq < count; seq++) {
        if (!c.writable) await firstValueFrom(c.writable$.pipe(filter(Boolean)));
        c.next(numbered(bytes, seq));
      }
    },
    async close() {
      const ended = firstValueFrom(c.end$);
      c.complete();
      await ended;
    },
  };
}

async function socketLink(address: string): Promise<Link> {
  const check = new NumberedCheck();
  const s = netConnect(address);
  const reader = new FrameReader((frame) => check.add(frame));
  s.on('data', (chunk: Buffer) => reader.push(chunk));
  s.on('error', (e) => check.fail(`socket: ${e.message}`));
  await once(s, 'connect');
  return {
    check,
    async send(count, size) {
      const bytes = new Uint8Array(size);
      for (let seq = 0; seq < count; seq++) {
        if (!s.write(encodeFrame(numbered(bytes, seq)))) await once(s, 'drain');
      }
    },
    async close() {
      const closed = once(s, 'close');
      s.end();
      await closed;
    },
  };
}

function link(c: Record<string, unknown>): Link {
  const found = links.get(c['transport'] as Transport);
  if (!found) throw new Error(`not connected: transport=${String(c['transport'])}`);
  return found;
}

/** One connect: the time from the connect call to the server's greeting (checked), µs; resolves once closed. */
async function setupOnce(transport: Transport, address: string, size: number): Promise<number> {
  let greeting: Uint8Array | undefined;
  let t1 = 0n;
  const got = (bytes: Uint8Array): void => {
    t1 = process.hrtime.bigint();
    greeting = bytes;
  };
  const t0 = process.hrtime.bigint();
  if (transport === 'rxshm') {
    // Pipe style: take(1) ends the receive side, so this side closes and connect() completes.
    await lastValueFrom(
      connect(address, { timeout: CONNECT_TIMEOUT_MS }).pipe(
        switchMap((c) => c.pipe(take(1))),
        tap(got),
      ),
      { defaultValue: undefined },
    );
  } else {
    await new Promise<void>((resolve, reject) => {
      const s = netConnect(address);
      const reader = new FrameReader((frame) => {
        got(frame);
        s.end();
      });
      s.on('data', (chunk: Buffer) => reader.push(chunk));
      s.on('error', reject);
      s.on('close', () => resolve());
    });
  }
  const problem = greeting ? new NumberedCheck().reset(1, size).add(greeting) : 'no greeting';
  if (problem) throw new Error(`setup ${transport}: ${problem}`);
  return Number(t1 - t0) / 1e3;
}

const control = serveControl({
  async connect(c) {
    const transport = c['transport'] as Transport;
    if (links.has(transport)) throw new Error(`already connected: transport=${transport}`);
    links.set(transport, await (transport === 'rxshm' ? rxshmLink : socketLink)(String(c['address'])));
  },
  send: (c) => link(c).send(Number(c['count']), Number(c['size'])),
  expect: (c) => void link(c).check.reset(Number(c['count']), Number(c['size'])),
  wait: (c) => link(c).check.done(),
  // A message after the last `wait` (a repeat, a stray) shows here.
  async disconnect(c) {
    const closing = link(c);
    links.delete(c['transport'] as Transport);
    await closing.close();
    return closing.check.problem;
  },
  async setup(c) {
    const samples: number[] = [];
    for (let i = 0; i < Number(c['connects']); i++)
      samples.push(await setupOnce(c['transport'] as Transport, String(c['address']), Number(c['size'])));
    return samples;
  },
});
control.ready();
