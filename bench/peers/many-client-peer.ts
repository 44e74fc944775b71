/**
 * Client process of the many-clients bench (issue 13); one process serves both transports, so rxshm and the Unix
 * socket are measured with the very same processes. Commands (control channel, lib/peer-side.ts):
 * - `connect {transport, address}`: connect (rxshm channel name, or socket path); every message received from then
 *   on is checked (numbered.ts) while counting, and counted as stray otherwise.
 * - `send {count, size}`: send `count` numbered messages as fast as the transport accepts (rxshm: `writable`; socket:
 *   `write() === false` waits for 'drain'), each socket message framed on its own (frames.ts).
 * - `expect {count, size}` then `wait`: count what arrives; `wait` answers `{ received, problem }` once `count`
 *   arrived.
 * - `disconnect`: close, wait until closed, answer the check's problem (null: nothing unexpected arrived).
 * - `setup {transport, address, connects, size}`: `connects` times, connect, take the server's greeting, close;
 *   answers each connect's time from the connect call to the greeting, µs.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, switchMap, take, tap } from 'rxjs';
import type { Connection } from '../../src/index.js';
import { encodeFrame, FrameReader } from '../lib/frames.js';
import { rxshm } from '../lib/library.js';
import { NumberedCheck, numbered } from '../lib/numbered.js';
import { serveControl } from '../lib/peer-side.js';

type Transport = 'rxshm' | 'socket';
const { connect } = rxshm;
const CONNECT_TIMEOUT_MS = 10_000;
const check = new NumberedCheck();
let rxshmConnection: Connection | undefined;
let socket: Socket | undefined;

async function open(transport: Transport, address: string): Promise<number | null> {
  check.reset(0);
  if (transport === 'rxshm') {
    const c = await firstValueFrom(connect(address, { timeout: CONNECT_TIMEOUT_MS }));
    c.subscribe({ next: (bytes) => check.add(bytes), error: (e: Error) => check.fail(`receive: ${e.message}`) });
    rxshmConnection = c;
    return c.clientId;
  }
  const s = netConnect(address);
  const reader = new FrameReader((frame) => check.add(frame));
  s.on('data', (chunk: Buffer) => reader.push(chunk));
  s.on('error', (e) => check.fail(`socket: ${e.message}`));
  await once(s, 'connect');
  socket = s;
  return null;
}

async function send(count: number, size: number): Promise<number> {
  const c = rxshmConnection;
  if (c) {
    const bytes = new Uint8Array(size); // next() copies: one buffer serves every message
    for (let seq = 0; seq < count; seq++) {
      if (!c.writable) await firstValueFrom(c.writable$.pipe(filter(Boolean)));
      c.next(numbered(bytes, seq));
    }
    return count;
  }
  const s = socket!;
  const bytes = new Uint8Array(size);
  for (let seq = 0; seq < count; seq++) {
    if (!s.write(encodeFrame(numbered(bytes, seq)))) await once(s, 'drain');
  }
  return count;
}

async function close(): Promise<void> {
  const [c, s] = [rxshmConnection, socket];
  [rxshmConnection, socket] = [undefined, undefined];
  if (c) {
    const ended = firstValueFrom(c.end$);
    c.complete();
    await ended;
  }
  if (s) {
    const closed = once(s, 'close');
    s.end();
    await closed;
  }
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
  connect: (c) => open(c['transport'] as Transport, String(c['address'])),
  send: (c) => send(Number(c['count']), Number(c['size'])),
  expect: (c) => void check.reset(Number(c['count']), Number(c['size'])),
  wait: () => check.done(),
  // A message after the last `wait` (a repeat, a stray) shows here.
  disconnect: () => close().then(() => check.problem),
  async setup(c) {
    const samples: number[] = [];
    for (let i = 0; i < Number(c['connects']); i++)
      samples.push(await setupOnce(c['transport'] as Transport, String(c['address']), Number(c['size'])));
    return samples;
  },
});
control.ready();
