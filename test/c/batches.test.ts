/**
 * c/rxshm.h reads Batch frames (docs/LAYOUT.md 4.1 CONSUMER_FLAGS, section 6 "Batch frames"). A Node process sends
 * bursts of small messages mixed with Requests to a C client and to a C server (two processes, watchdog): the C side
 * checks every message byte for byte and in order, and counts the Batch frames it read, which must be many: a Node
 * sender packs only for a consumer that announced it reads them. Then test/fixtures/c-batch-judge.c gives
 * rxshm_recv valid and hostile Batch frames (each rule of section 6, a drop-oldest producer, LENGTHs rewritten after
 * the check): each malformed one is RXSHM_CORRUPT naming the rule, before any of its messages comes out, with the
 * peer told; each valid one comes out as Data frames, as TypeScript's FrameC decodes it. The C side is built
 * 64-bit, 32-bit and with ASan + UBSan.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRight } from 'fp-ts/lib/Either.js';
import { FrameC } from '../../src/codecs/index.js';
import { burstSize } from '../fixtures/bursts.js';
import { C_VARIANTS, SANITIZER_ENV, buildC, startC, startNode } from '../helpers/c-build.js';
import type { Child } from '../helpers/processes.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: c/rxshm.h reads Batch frames, and refuses malformed ones whole');
const COUNT = 20_000;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The Requests the Node side sends for COUNT messages: one before every fifth burst (bursts.ts, c-node-peer.ts). */
function requestCount(): number {
  let requests = 0;
  for (let burst = 0, sent = 0; sent < COUNT; burst++) {
    if (burst % 5 === 4) requests++;
    sent += burstSize(burst);
  }
  return requests;
}

for (const variant of C_VARIANTS) {
  for (const cRole of ['client', 'server'] as const) {
    const nodeRole = cRole === 'client' ? 'server' : 'client';
    test(`${variant}: a C ${cRole} receives ${COUNT} messages a Node ${nodeRole} sends in bursts, most in Batch frames`, () =>
      watched(120_000, async (watch) => {
        const program = buildC('c-peer.c', variant);
        if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
        const args = [channelName(), 'bursts', String(COUNT)];
        const first =
          cRole === 'server' ? startC(watch, program, [cRole, ...args]) : startNode(watch, [nodeRole, ...args]);
        await first.next('listening');
        const second =
          cRole === 'server' ? startNode(watch, [nodeRole, ...args]) : startC(watch, program, [cRole, ...args]);
        const [c, node] = cRole === 'server' ? [first, second] : [second, first];

        const [cDone, nodeDone] = await Promise.all([c.next('done'), node.next('done')]);
        const requests = requestCount();
        assert.equal(nodeDone, { ev: 'done', sent: COUNT, requests, problems: [] });
        assert.equal([cDone.received, cDone.requests], [COUNT, requests], 'every message and Request, in order');
        // About 1,000 bursts of 1 to 40 messages, split by the larger ones: some 2,000 Batch frames (at least 300).
        assert.ok(cDone.batches >= 300, `Batch frames reached the C side: ${cDone.batches}`);
        assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
        const [cExit, nodeExit] = await Promise.all([c.exited, node.exited]);
        assert.equal([cExit.code, cExit.signal], [0, null], `C exit; stderr: ${c.stderr}`);
        assert.equal([nodeExit.code, nodeExit.signal], [0, null], `Node exit; stderr: ${node.stderr}`);
        assert.is(c.stderr, '', 'no sanitizer report');
      }));
  }
}

/** A frame: the 16-byte header (reserved word `reserved`) and `payload`. */
function frame(kind: number, payload: Uint8Array, fields: Partial<Record<string, number>> = {}): Uint8Array {
  const bytes = new Uint8Array(16 + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = kind;
  bytes[1] = fields.flags ?? 0;
  view.setUint16(2, fields.status ?? 0, true);
  view.setUint32(4, fields.correlation ?? 0, true);
  view.setUint32(8, fields.method ?? 0, true);
  view.setUint32(12, fields.reserved ?? 0, true);
  bytes.set(payload, 16);
  return bytes;
}

/** Batch entries for `messages`: LENGTH, the reserved word (`reserved`), the message, zero padding to 8. */
function entries(messages: Uint8Array[], reserved = 0): Uint8Array {
  const parts = messages.map((m) => {
    const entry = new Uint8Array((8 + m.length + 7) & ~7);
    new DataView(entry.buffer).setUint32(0, m.length, true);
    new DataView(entry.buffer).setUint32(4, reserved, true);
    entry.set(m, 8);
    return entry;
  });
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const batch = (messages: Uint8Array[], fields: Partial<Record<string, number>> = {}): Uint8Array =>
  frame(9, entries(messages), fields);
const data = (s: string): Uint8Array => frame(1, text(s));
/** What rxshm_recv hands out for a Data frame of `message`: [kind, flags, status, correlation, method, hex]. */
const delivered = (message: Uint8Array): unknown[] => [1, 0, 0, 0, 0, hex(message)];
/** `bytes` with the u32 at `offset` set. */
function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value >>> 0, true);
  return copy;
}

interface Case {
  readonly name: string;
  readonly mode?: 'plain' | 'drop' | 'rewrite';
  readonly frames: Uint8Array[];
  /** What comes out, in order. */
  readonly got: unknown[];
  /** The rule a malformed Batch frame breaks (rxshm.h's `problem`), or undefined when everything is read. */
  readonly problem?: string;
  /** How rxshm_recv ends when it is not 'corrupt' or 'timeout' (rxshm_strerror's text, e.g. 'closed'). */
  readonly end?: string;
}

const three = [text('ab'), new Uint8Array(0), text('xyz')];
const long = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
const empties = (n: number): Uint8Array[] => Array.from({ length: n }, () => new Uint8Array(0));

const CASES: Case[] = [
  { name: 'three entries, one empty', frames: [batch(three)], got: three.map(delivered) },
  { name: 'one entry of 600 bytes', frames: [batch([long])], got: [delivered(long)] },
  { name: '4096 empty entries (the most)', frames: [batch(empties(4096))], got: empties(4096).map(delivered) },
  {
    name: 'Batch frames among Data, Request and Response frames, in order',
    frames: [data('a'), batch(three), frame(2, text('q'), { correlation: 5, method: 3 }), batch([long]), data('z')],
    got: [
      delivered(text('a')),
      ...three.map(delivered),
      [2, 0, 0, 5, 3, hex(text('q'))],
      delivered(long),
      delivered(text('z')),
    ],
  },
  {
    name: 'flag bits and the reserved words are ignored',
    frames: [frame(9, entries(three, 0xdeadbeef), { flags: 0x80, reserved: 0x12345678 })],
    got: three.map(delivered),
  },
  {
    name: 'LENGTHs rewritten after the check: the checked ones are used',
    mode: 'rewrite',
    frames: [batch([long, ...three, long]), data('after')],
    got: [long, ...three, long, text('after')].map(delivered),
  },
  { name: 'no entries', frames: [frame(9, new Uint8Array(0))], got: [], problem: 'batch-empty' },
  {
    name: '4097 entries',
    frames: [batch(empties(4097))],
    got: [],
    problem: 'batch-too-many-entries',
  },
  { name: 'an entry header cut short', frames: [frame(9, new Uint8Array(4))], got: [], problem: 'batch-entry-cut' },
  {
    name: 'an entry header past the end after a good entry',
    frames: [frame(9, Uint8Array.from([...entries([text('ok')]), 0, 0, 0, 0]))],
    got: [],
    problem: 'batch-entry-cut',
  },
  {
    name: 'a message past the end',
    frames: [withU32(batch([text('abcdefgh')]), 16, 9)],
    got: [],
    problem: 'batch-entry-too-long',
  },
  {
    name: 'a LENGTH of 2^32 - 1 in the second entry',
    frames: [withU32(batch([text('ok'), text('abc')]), 32, 0xffffffff)],
    got: [],
    problem: 'batch-entry-too-long',
  },
  {
    name: 'the last entry without its padding',
    frames: [frame(9, entries([text('ok'), text('abc')]).subarray(0, 28))],
    got: [],
    problem: 'batch-padding-cut',
  },
  { name: 'a correlation', frames: [batch(three, { correlation: 1 })], got: [], problem: 'correlation-not-zero' },
  { name: 'a status', frames: [batch(three, { status: 2 })], got: [], problem: 'status-not-error' },
  { name: 'a method', frames: [batch(three, { method: 3 })], got: [], problem: 'method-not-request' },
  {
    name: 'from a drop-oldest producer',
    mode: 'drop',
    frames: [data('first'), batch(three)],
    got: [delivered(text('first'))],
    problem: 'batch-from-drop-oldest',
  },
  {
    name: 'a Batch frame, a LivenessCheck (answered on the way), another Batch frame',
    frames: [batch(three), frame(5, new Uint8Array(0), { correlation: 7 }), batch([long])],
    got: [...three.map(delivered), delivered(long)],
  },
  {
    name: 'a Batch frame, then Close: every message, then RXSHM_CLOSED',
    frames: [batch(three), frame(7, new Uint8Array(0))],
    got: three.map(delivered),
    end: 'closed',
  },
  {
    name: 'a malformed Batch after good frames: they come out, none of its entries does',
    frames: [data('a'), batch(three), withU32(batch([text('ok'), text('abc')]), 32, 100)],
    got: [delivered(text('a')), ...three.map(delivered)],
    problem: 'batch-entry-too-long',
  },
];

/** One question to the judge, its answer. */
async function ask(judge: Child, line: string): Promise<Record<string, unknown>> {
  judge.send(line);
  return judge.next('a');
}

for (const variant of C_VARIANTS) {
  test(`${variant}: valid Batch frames come out as Data frames, malformed ones are RXSHM_CORRUPT whole`, () =>
    watched(60_000, async (watch) => {
      const program = buildC('c-batch-judge.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const env = { ...process.env, ...SANITIZER_ENV };
      const judge = watch.child(spawn(program, [], { stdio: ['pipe', 'pipe', 'pipe'], env }));
      for (const c of CASES) {
        const mode = c.mode ?? 'plain';
        if (mode !== 'drop') {
          const valid = c.frames.every((f) => isRight(FrameC.decode(f)));
          assert.is(valid, c.problem === undefined, `${c.name}: TypeScript's FrameC agrees`);
        }
        const answer = await ask(judge, `recv ${mode} ${c.frames.map(hex).join(',')}`);
        const corrupt = c.problem !== undefined;
        assert.equal(
          answer,
          {
            ev: 'a',
            got: c.got,
            end: c.end ?? (corrupt ? 'corrupt' : 'timeout'),
            problem: c.problem ?? '',
            aborted: corrupt, // the aborted bit, and the doorbell shut: the peer is told
            told: corrupt,
            readsBatches: 1, // CONSUMER_FLAGS bit 0, set when the channel attached
            released: true,
            batches: c.frames.filter((f, i) => f[0] === 9 && (!corrupt || i < c.frames.length - 1)).length,
            inside: true,
          },
          c.name,
        );
      }
      judge.process.stdin!.end();
      const exit = await judge.exited;
      assert.equal([exit.code, exit.signal], [0, null], `judge exit; stderr: ${judge.stderr}`);
      assert.is(judge.stderr, '', 'no sanitizer report');
    }));
}

test.run();
