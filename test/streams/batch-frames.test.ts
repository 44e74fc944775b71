/**
 * Batch frames across two real processes: a child (test/fixtures/batch-sender.ts) sends numbered messages of 0 B to
 * 5000 B (batch-payload.ts) in synchronous bursts, so the small ones after each burst's first are packed into Batch
 * frames (the child counts the frames it committed, and each test requires some), with requests served by this
 * process in the middle of and after every burst. Whatever way this process receives (subscribe, `batches()`,
 * `receive: 'borrow'`, `receive: 'pooled'` with recycle, or a late subscriber after a burst far bigger than the
 * ring), every message arrives exactly once, in order, byte for byte; `stats` count messages on both sides; every
 * request is answered right. Each test runs under a watchdog, so a hang fails.
 */
import { of } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listen, recycle, serve, type ChannelOptions, type Connection } from '../../src/index.js';
import { MIXED_SIZES, answerOf, checkMessage, sizeAt } from '../fixtures/batch-payload.js';
import type { BatchSenderSpec } from '../fixtures/batch-sender.js';
import { Opened } from '../helpers/connections.js';
import { channelName } from '../helpers/names.js';
import type { Child } from '../helpers/processes.js';
import { sleep } from '../helpers/waiting.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('Batch frames between two processes');

/** ~30,000 messages (~16 MB) in bursts of 1..1500, two requests per burst. */
const MIXED: Omit<BatchSenderSpec, 'name'> = {
  seed: 0x5eed,
  total: 30_000,
  maxBurst: 1500,
  sizes: MIXED_SIZES,
  requests: true,
};

interface Run {
  readonly connection: Connection;
  readonly child: Child;
  readonly spec: BatchSenderSpec;
  /** Requests this process answered. */
  served(): number;
}

/** Listens with `options`, starts the child with `spec`, serves its requests (answerOf). */
async function start(watch: Watch, options: ChannelOptions, spec: Omit<BatchSenderSpec, 'name'>): Promise<Run> {
  const name = channelName();
  const server = new Opened(listen(name, { ringCapacity: 262_144, ...options }));
  watch.defer(() => server.close());
  const full: BatchSenderSpec = { ...spec, name };
  const child = watch.child(['test/fixtures/batch-sender.ts', JSON.stringify(full)]);
  const connection = await server.connection();
  let served = 0;
  const serving = serve(connection, (payload) => (served++, of(answerOf(payload)))).subscribe();
  watch.defer(() => serving.unsubscribe());
  return { connection, child, spec: full, served: () => served };
}

/** The child's report and this side's counters agree with what was sent; both sides close; the child exits 0. */
async function finish(run: Run, received: number): Promise<void> {
  const { connection, child, spec } = run;
  const done = await child.next('done');
  assert.equal(done.problems, [], 'every request answered right');
  assert.is(done.sent, spec.total);
  const { batchFrames, packed } = done;
  assert.ok(batchFrames > 0 && packed > batchFrames, `Batch frames were sent (${packed} messages in ${batchFrames})`);
  assert.is(received, spec.total, 'every message delivered once');
  assert.is(connection.stats.received, spec.total, 'the receiver counts messages, not frames');
  let bytes = 0;
  for (let seq = 0; seq < spec.total; seq++) bytes += sizeAt(spec.seed, seq, spec.sizes);
  assert.is(connection.stats.bytesReceived, bytes, 'bytesReceived counts payload bytes');
  assert.is(run.served(), done.requests, 'every request reached the server');
  connection.complete();
  const ended = await child.next('ended');
  assert.ok(ended.clean, `the child's connection ended cleanly (by ${ended.by})`);
  assert.is(ended.stats.sent, spec.total, 'the sender counts messages, not frames');
  assert.is(ended.stats.bytesSent, bytes, 'bytesSent counts payload bytes');
  const exit = await child.exited;
  assert.equal([exit.code, exit.signal], [0, null], `child exit; stderr: ${child.stderr}`);
}

/** Subscribes per message; `check(message, seq)` returns a problem or null. Resolves with the count at the end. */
function perMessage(
  connection: Connection,
  check: (message: Uint8Array, seq: number) => string | null,
): Promise<{ count: number; bad: string[] }> {
  const bad: string[] = [];
  let count = 0;
  return new Promise((resolve, reject) =>
    connection.subscribe({
      next: (message) => {
        const problem = check(message, count++);
        if (problem !== null && bad.length < 5) bad.push(problem);
      },
      error: reject,
      complete: () => resolve({ count, bad }),
    }),
  );
}

test('subscribe: every message once, in order, intact; stats count messages; requests answered', () =>
  watched(120_000, async (watch) => {
    const run = await start(watch, {}, MIXED);
    const buffers = new Set<ArrayBufferLike>();
    const { count, bad } = await perMessage(run.connection, (m, seq) => {
      buffers.add(m.buffer);
      return checkMessage(m, MIXED.seed, seq, MIXED.sizes);
    });
    assert.equal(bad, []);
    assert.ok(buffers.size > count / 2, `default receive gives each message its own copy (${buffers.size} buffers)`);
    await finish(run, count);
  }));

test('batches(): in order and intact, no message in two batches nor two messages in one place, totals match', () =>
  watched(120_000, async (watch) => {
    const run = await start(watch, {}, MIXED);
    const kept: Uint8Array[] = [];
    const bad: string[] = [];
    let batches = 0;
    await new Promise<void>((resolve, reject) =>
      run.connection.batches().subscribe({
        next: (batch) => {
          batches++;
          if (batch.length === 0) bad.push(`batch ${batches} is empty`);
          for (const m of batch) {
            const problem = checkMessage(m, MIXED.seed, kept.length, MIXED.sizes);
            if (problem !== null && bad.length < 5) bad.push(`batch ${batches}: ${problem}`);
            kept.push(m);
          }
        },
        error: reject,
        complete: resolve,
      }),
    );
    assert.equal(bad, []);
    assert.ok(batches < kept.length, `messages came several to a batch (${kept.length} in ${batches})`);
    // Kept batches are the caller's: no later batch was written over an earlier one, no bytes handed out twice.
    const changed = kept.map((m, seq) => checkMessage(m, MIXED.seed, seq, MIXED.sizes)).filter((p) => p !== null);
    assert.equal(changed.slice(0, 5), [], 'kept messages never change afterwards');
    const byBuffer = new Map<ArrayBufferLike, Uint8Array[]>();
    for (const m of kept) if (m.length > 0) byBuffer.set(m.buffer, [...(byBuffer.get(m.buffer) ?? []), m]);
    const overlaps: string[] = [];
    let shared = 0;
    for (const views of byBuffer.values()) {
      if (views.length > 1) shared += views.length;
      views.sort((a, b) => a.byteOffset - b.byteOffset);
      for (let i = 1; i < views.length; i++) {
        const [a, b] = [views[i - 1]!, views[i]!];
        if (a.byteOffset + a.length > b.byteOffset) overlaps.push(`${a.byteOffset}+${a.length} > ${b.byteOffset}`);
      }
    }
    assert.equal(overlaps.slice(0, 5), [], 'no two messages share bytes');
    assert.ok(shared > 0, 'messages of a Batch frame are views of one copy');
    await finish(run, kept.length);
  }));

test("receive: 'borrow': views checked and copied inside the callback, the copies intact afterwards", () =>
  watched(120_000, async (watch) => {
    const run = await start(watch, { receive: 'borrow' }, MIXED);
    const copies: Uint8Array[] = [];
    const buffers = new Map<ArrayBufferLike, number>();
    const { count, bad } = await perMessage(run.connection, (m, seq) => {
      buffers.set(m.buffer, (buffers.get(m.buffer) ?? 0) + 1);
      copies.push(m.slice());
      return checkMessage(m, MIXED.seed, seq, MIXED.sizes);
    });
    assert.equal(bad, []);
    const changed = copies.map((m, seq) => checkMessage(m, MIXED.seed, seq, MIXED.sizes)).filter((p) => p !== null);
    assert.equal(changed.slice(0, 5), []);
    const inRing = Math.max(...buffers.values());
    assert.ok(inRing > count * 0.9, `borrowed messages are views of the ring (${inRing} of ${count} in one buffer)`);
    await finish(run, count);
  }));

test("receive: 'pooled': intact and in order, 1 KiB and up recycled, kept ones untouched", () =>
  watched(120_000, async (watch) => {
    const run = await start(watch, { receive: 'pooled' }, MIXED);
    const kept = new Map<number, Uint8Array>();
    const keptBuffers = new Set<ArrayBufferLike>();
    const wrongRecycle: string[] = [];
    let recycled = 0;
    const { count, bad } = await perMessage(run.connection, (m, seq) => {
      const problem = checkMessage(m, MIXED.seed, seq, MIXED.sizes);
      if (keptBuffers.has(m.buffer)) return `seq=${seq}: handed out a kept message's buffer`;
      if (seq % 10 === 0) {
        kept.set(seq, m);
        keptBuffers.add(m.buffer);
      } else {
        const back = recycle(m);
        if (back) recycled++;
        if (back !== m.length >= 1024 && wrongRecycle.length < 5)
          wrongRecycle.push(`seq=${seq} (${m.length} B): recycle ${back}`);
      }
      return problem;
    });
    assert.equal(bad, []);
    assert.equal(wrongRecycle, [], 'recycle() takes back exactly the messages of 1 KiB and more');
    assert.ok(recycled > 0, `some buffers went back (${recycled})`);
    const changed = [...kept].map(([seq, m]) => checkMessage(m, MIXED.seed, seq, MIXED.sizes)).filter(Boolean);
    assert.equal(changed.slice(0, 5), [], 'kept messages never change afterwards');
    await finish(run, count);
  }));

test('a late subscriber after a burst 50x the ring gets all 200,000 messages in order', () =>
  watched(180_000, async (watch) => {
    const spec = { seed: 77, total: 200_000, maxBurst: 200_000, sizes: [8], requests: false };
    const run = await start(watch, { ringCapacity: 65_536 }, spec);
    const sent = await run.child.next('sent');
    assert.is(sent.sent, spec.total, 'one synchronous burst');
    assert.ok(sent.queued > 0, `the burst overflowed the ring into the sender's queue (${sent.queued} queued)`);
    await sleep(300);
    assert.is(run.connection.stats.received, 0, 'nothing delivered without a subscriber');
    const { count, bad } = await perMessage(run.connection, (m, seq) => checkMessage(m, spec.seed, seq, spec.sizes));
    assert.equal(bad, []);
    await finish(run, count);
  }));

test('a late batches() subscriber after a burst 50x the ring: every message once, in order', () =>
  watched(180_000, async (watch) => {
    const spec = {
      seed: 78,
      total: 200_000,
      maxBurst: 200_000,
      sizes: [8, 8, 8, 1, 0, 63, 1024, 1025],
      requests: false,
    };
    const run = await start(watch, { ringCapacity: 65_536 }, spec);
    await run.child.next('sent');
    await sleep(300);
    assert.is(run.connection.stats.received, 0, 'nothing delivered without a subscriber');
    const bad: string[] = [];
    let count = 0;
    let batches = 0;
    await new Promise<void>((resolve, reject) =>
      run.connection.batches().subscribe({
        next: (batch) => {
          batches++;
          for (const m of batch) {
            const problem = checkMessage(m, spec.seed, count++, spec.sizes);
            if (problem !== null && bad.length < 5) bad.push(`batch ${batches}: ${problem}`);
          }
        },
        error: reject,
        complete: resolve,
      }),
    );
    assert.equal(bad, []);
    await finish(run, count);
  }));

test.run();
