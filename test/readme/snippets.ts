/**
 * How each ```ts snippet of README.md is run: its id (the `<!-- snippet: <id> -->` marker before the block) → its
 * spec (see SnippetSpec in runner.ts). A prelude defines the snippet's free variables for real: over a real channel,
 * against a real peer. Peers that are not README snippets are fixtures in test/readme/peers/ (.mts, so that uvu
 * does not take them for tests). Channel names are the README's own.
 */
import type { SnippetSpec } from './runner.js';

export const snippets: Record<string, SnippetSpec> = {
  // The echo server (process A) and its client (process B), as two processes.
  'quick-start': { split: '// process B', expect: ['hello'] },

  // The await-style client of the same echo server (test/readme/peers/echo.mts is the quick start's process A).
  'quick-start-await': { peer: 'peers/echo.mts', expect: ['hello'] },

  'listen-jobs': {
    prelude: `
// A job is { id, size }; handle() does it and replies { id, ok }.
const Job = struct({ id: u32, size: u32 });
const Reply = struct({ id: u32, ok: bool });
const handle = (bytes: Uint8Array): Uint8Array => Reply.encode({ id: decodeOrThrow(Job, bytes).id, ok: true });`,
    serves: true,
    probe: 'connect-jobs',
  },

  'connect-jobs': {
    prelude: `
const Job = struct({ id: u32, size: u32 });
const job = { id: 7, size: 1024 };
const encodeJob = (value: typeof job): Uint8Array => Job.encode(value);`,
    peer: 'listen-jobs',
    expect: ['Uint8Array(5) [ 7, 0, 0, 0, 1 ]'],
  },

  // The chat room serves; its probe is one member, which hears its own line back from the broadcast.
  'chat-server': { serves: true, probe: 'chat-client' },
  'chat-client': { peer: 'chat-server', expect: ['hello, room (client 0)'] },

  // The parent; its worker.js is the connect-parent snippet.
  'spawn-connected': {
    prelude: `const task = new TextEncoder().encode('resize 7');`,
    files: { 'worker.js': 'connect-parent' },
    expect: [`Uint8Array(8) [\n  82, 69, 83, 73,\n  90, 69, 32, 55\n]`.split('\n')].flat(),
  },

  // nativeChannel's descriptors handed to `node worker.js` (the connect-parent snippet) as its fds 3 and 4.
  'native-channel': {
    prelude: `
const [command, args] = [process.execPath, ['worker.js']];
const task = new TextEncoder().encode('resize 7');`,
    files: { 'worker.js': 'connect-parent' },
    expect: [`Uint8Array(8) [\n  82, 69, 83, 73,\n  90, 69, 32, 55\n]`.split('\n')].flat(),
  },

  // worker.js of spawn-connected: plain JavaScript, run by node without tsx.
  'connect-parent': {
    prelude: `const work = (bytes) => new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase());`,
    runBy: 'spawn-connected',
  },

  // The peer takes the tick, prints it and closes; the stats line is printed at once: 1 sent.
  'connection-claim': { peer: 'peers/ticks.mts', expect: /^1 \d+$/m },

  // The peer sends 1000 readings and closes; however they are split into batches, all 1000 arrive.
  batches: { peer: 'peers/readings.mts', expect: ['received 1000'] },

  // The peer sends 200 frames of 64 KiB and closes; each one is recycled after it was read.
  recycle: { peer: 'peers/frames.mts', expect: ['200 frames, 200 recycled'] },

  request: {
    prelude: `
// connection: a client of the 'ping' server (test/readme/peers/ping.mts), which answers method 7 with 'pong'.
const connection = await firstValueFrom(connect('ping'));`,
    peer: 'peers/ping.mts',
    expect: ['pong'],
  },

  'serve-calc': { serves: true, probe: 'peers/calc-client.mts' },

  // segment() creates, a second mapping reads the same bytes; take(1) unmaps both and removes the name.
  'segment-table': { expect: ['false 21.5'] },

  // wake() after a write; the one wake-up is seen, then take(1) ends it all and the process exits by itself.
  'wakeups-readings': { expect: ['wake-up 1: 21.5'] },

  'typed-methods': {
    prelude: `
// server and client: the two ends of one real channel, made in this process. server is the first client's
// connection (listen stops accepting after it); client stays owned by its connect() subscription, as in the pipe
// style, so it closes its side once its last use (here the call) ended, and then serve completes.
const accepted = firstValueFrom(listen('math'));
const client = await new Promise<Connection>((resolve, reject) => connect('math').subscribe({ next: resolve, error: reject }));
const server = await accepted;`,
    expect: ['3'],
  },

  liveness: {
    prelude: `
// connection: a client of the 'heartbeat' server (test/readme/peers/heartbeat.mts), which crashes after 1 s.
const connection = await firstValueFrom(connect('heartbeat'));`,
    peer: 'peers/heartbeat.mts',
    expect: ['peer is alive', 'peer is exited'],
  },

  'typed-price': { peer: 'peers/prices.mts', expect: ['1.0841', '1.0842', '1.084'] },

  'typed-connection': { serves: true, probe: 'peers/orders-client.mts' },
};
