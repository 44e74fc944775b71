/**
 * batches() while a drain runs user code: the batchTarget fast path (FrameSink.batchTarget / ReceivePath.batched, Receiver.appendBatch): a whole
 * Batch frame goes to batch subscribers as views of one copy, appended to the drain's batch without a call per
 * message. User code may still run in the middle of that drain (a Request's serve handler, a Close), and may
 * subscribe or unsubscribe there: every message must reach every subscriber that was there for it exactly once, in
 * order; a message collected for a batch subscriber that left goes back to the backlog exactly once, uncounted; and
 * `stats.received` counts every message delivered once. In-process pairs over the fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, of } from 'rxjs';
import { serve, type Connection } from '../../src/index.js';
import { ReceivePath } from '../../src/streams/connection/receive-path.js';
import { withInProcessChannel } from '../helpers/in-process-channel.js';

const test = suite('batches() mid-drain (whole Batch frames for batch subscribers)');

const send = (connection: Connection, ...tagged: number[]): void => {
  for (const tag of tagged) connection.next(Uint8Array.of(tag, tag, tag));
};

/** Tags the receive side still holds for a subscriber, taken synchronously (the backlog's flush is synchronous). */
function drainBacklog(connection: Connection): number[] {
  const got: number[] = [];
  connection.subscribe((m) => got.push(m[0]!)).unsubscribe();
  return got;
}

/** Counts the Batch frames ReceivePath.batched was told of (the fast path ran), while `body` runs. */
async function countingBatched<T>(body: () => Promise<T>): Promise<[T, number]> {
  const original = Object.getOwnPropertyDescriptor(ReceivePath.prototype, 'batched')!.value as (
    this: ReceivePath,
    messages: number,
    bytes: number,
  ) => void;
  let calls = 0;
  ReceivePath.prototype.batched = function (this: ReceivePath, messages: number, bytes: number): void {
    calls++;
    original.call(this, messages, bytes);
  };
  try {
    return [await body(), calls];
  } finally {
    ReceivePath.prototype.batched = original;
  }
}

/**
 * One drain on the server: the burst `before` (a Batch frame), a Request whose handler runs `inHandler`, the burst
 * `after`. Resolves once the request is answered and the channel settled.
 */
async function drainWithRequest(
  server: Connection,
  client: Connection,
  settle: () => Promise<void>,
  before: number[],
  after: number[],
  inHandler: () => void,
): Promise<void> {
  const serving = serve(server, () => {
    inHandler();
    return of(new Uint8Array(0));
  }).subscribe();
  send(client, ...before);
  const answered = firstValueFrom(client.request(new Uint8Array(0)));
  send(client, ...after);
  await answered;
  await settle();
  serving.unsubscribe();
}

test('the last batch subscriber leaves mid-drain: appended messages go back to the backlog once, uncounted', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const [, fast] = await countingBatched(async () => {
      const batches: number[][] = [];
      const b = server.batches().subscribe((batch) => batches.push(batch.map((m) => m[0]!)));
      await drainWithRequest(server, client, settle, [1, 2, 3, 4], [5, 6, 7], () => b.unsubscribe());
      const delivered = batches.flat();
      assert.is(server.stats.received, delivered.length, `stats count what was delivered: ${delivered.join(',')}`);
      const kept = drainBacklog(server);
      assert.equal([...delivered, ...kept], [1, 2, 3, 4, 5, 6, 7], `batches ${JSON.stringify(batches)}, kept ${kept}`);
      assert.is(server.stats.received, 7, 'each message counted once');
    });
    assert.ok(fast > 0, 'the burst came as a Batch frame appended whole (batched() ran)');
  }));

test('a per-message subscriber joins mid-drain: it gets only what came after; the batch subscriber gets all once', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const [, fast] = await countingBatched(async () => {
      const batches: number[][] = [];
      const single: number[] = [];
      const b = server.batches().subscribe((batch) => batches.push(batch.map((m) => m[0]!)));
      let s = { unsubscribe: () => undefined } as { unsubscribe(): void };
      await drainWithRequest(server, client, settle, [1, 2, 3], [4, 5, 6], () => {
        s = server.subscribe((m) => single.push(m[0]!));
      });
      assert.equal(batches.flat(), [1, 2, 3, 4, 5, 6], `batches ${JSON.stringify(batches)}`);
      assert.equal(single, [4, 5, 6], 'the late per-message subscriber');
      assert.is(server.stats.received, 6);
      b.unsubscribe();
      s.unsubscribe();
    });
    assert.ok(fast > 0, 'the fast path ran');
  }));

test('a second batch subscriber joins mid-drain: it gets only what came after it subscribed, as a per-message one', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const first: number[][] = [];
    const second: number[][] = [];
    const b1 = server.batches().subscribe((batch) => first.push(batch.map((m) => m[0]!)));
    let b2 = { unsubscribe: () => undefined } as { unsubscribe(): void };
    await drainWithRequest(server, client, settle, [1, 2, 3], [4, 5, 6], () => {
      b2 = server.batches().subscribe((batch) => second.push(batch.map((m) => m[0]!)));
    });
    assert.equal(first.flat(), [1, 2, 3, 4, 5, 6], `first ${JSON.stringify(first)}`);
    assert.equal(second.flat(), [4, 5, 6], `second ${JSON.stringify(second)}: 1..3 came before it subscribed`);
    b1.unsubscribe();
    b2.unsubscribe();
  }));

test('a per-message subscriber joins and the batch subscriber leaves in one handler: nothing lost, nothing twice', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const batches: number[][] = [];
    const single: number[] = [];
    const b = server.batches().subscribe((batch) => batches.push(batch.map((m) => m[0]!)));
    let s = { unsubscribe: () => undefined } as { unsubscribe(): void };
    await drainWithRequest(server, client, settle, [1, 2, 3], [4, 5, 6], () => {
      b.unsubscribe();
      s = server.subscribe((m) => single.push(m[0]!));
    });
    const all = [...batches.flat(), ...single];
    assert.equal(all, [1, 2, 3, 4, 5, 6], `batches ${JSON.stringify(batches)}, single ${single}`);
    assert.is(server.stats.received, 6);
    s.unsubscribe();
  }));

test('the connection is errored mid-drain: what was appended before is emitted before the error', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const batches: number[][] = [];
    const end: string[] = [];
    server.batches().subscribe({
      next: (batch) => batches.push(batch.map((m) => m[0]!)),
      error: (e: Error) => end.push(`error ${e.message}`),
      complete: () => end.push('complete'),
    });
    const serving = serve(server, () => {
      server.error(new Error('stop'));
      return of(new Uint8Array(0));
    }).subscribe();
    send(client, 1, 2, 3);
    void firstValueFrom(client.request(new Uint8Array(0))).catch(() => undefined);
    send(client, 4);
    await settle().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    serving.unsubscribe();
    assert.equal(batches.flat(), [1, 2, 3], `batches ${JSON.stringify(batches)}, end ${end}`);
    assert.equal(end.length, 1, `ended once: ${end}`);
    assert.is(server.stats.received, 3);
  }));

test('a Batch frame then Close in one drain: the batch subscriber gets every message, then completes', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const batches: number[][] = [];
    const end: string[] = [];
    server.batches().subscribe({
      next: (batch) => batches.push(batch.map((m) => m[0]!)),
      error: (e: Error) => end.push(`error ${e.name}`),
      complete: () => end.push(`complete after ${batches.flat().length}`),
    });
    send(client, 1, 2, 3, 4);
    client.complete();
    await settle();
    assert.equal(batches.flat(), [1, 2, 3, 4]);
    assert.equal(end, ['complete after 4']);
    assert.is(server.stats.received, 4);
  }));

test.run();
