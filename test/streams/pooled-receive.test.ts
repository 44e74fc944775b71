/**
 * `receive: 'pooled'` across two real processes (test/fixtures/streams-peer.ts's writer): every message arrives
 * intact and in order whether it is recycled at once or kept; a kept message is never handed out again nor changed;
 * recycled buffers are reused (a stream of large messages needs few buffers); messages kept in the backlog for a
 * late subscriber are pooled too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listen, recycle, type Connection } from '../../src/index.js';
import { verify, type SizeSpec } from '../fixtures/streams-payload.js';
import { Opened } from '../helpers/connections.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { sleep } from '../helpers/waiting.js';

const test = suite('receive: pooled');

/** Receives `connection` to its end: verifies each message on arrival, keeps every `keepEvery`th, recycles the rest. */
function consume(
  connection: Connection,
  seed: number,
  sizes: SizeSpec,
  keepEvery: number,
): Promise<{ kept: Map<number, Uint8Array>; bad: string[]; recycled: number; buffers: number; count: number }> {
  const kept = new Map<number, Uint8Array>();
  const keptBuffers = new Set<ArrayBufferLike>();
  const buffers = new Set<ArrayBufferLike>();
  const bad: string[] = [];
  let recycled = 0;
  let count = 0;
  return new Promise((resolve, reject) =>
    connection.subscribe({
      next: (message) => {
        const seq = count++;
        const wrong = verify(message, seed, seq, sizes);
        if (wrong !== null) bad.push(wrong);
        if (keptBuffers.has(message.buffer)) bad.push(`seq=${seq}: handed out a kept message's buffer`);
        if (message.length >= 1024) buffers.add(message.buffer);
        if (seq % keepEvery === 0) {
          kept.set(seq, message);
          keptBuffers.add(message.buffer);
        } else if (recycle(message)) recycled++;
      },
      error: reject,
      complete: () => resolve({ kept, bad, recycled, buffers: buffers.size, count }),
    }),
  );
}

test('two processes: every message intact and in order, kept ones untouched, recycled buffers reused', async () => {
  await watched(60_000, async (scope) => {
    const name = channelName();
    const sizes: SizeSpec = [1024, 65536];
    const count = 4000; // ~130 MB through a 256 KiB ring while some messages are kept
    const server = new Opened(listen(name, { ringCapacity: 262144, receive: 'pooled' }));
    scope.defer(() => server.close());
    scope.peer({ role: 'client', name, script: 'writer', count, seed: 5, sizes });
    const connection = await server.connection();
    const { kept, bad, recycled, buffers, count: received } = await consume(connection, 5, sizes, 10);
    assert.is(received, count);
    assert.equal(bad, [], 'every message intact on arrival; no kept buffer handed out again');
    const changed = [...kept].map(([seq, m]) => verify(m, 5, seq, sizes)).filter((p) => p !== null);
    assert.equal(changed, [], 'kept messages never change afterwards');
    assert.ok(recycled > count / 2, `recycled messages were taken back (${recycled})`);
    assert.ok(buffers < count / 4, `buffers were reused: ${buffers} buffers for ${count} messages`);
    connection.complete();
  });
});

test('a late subscriber gets the backlog (pooled copies) first, then the rest, all recyclable', async () => {
  await watched(60_000, async (scope) => {
    const name = channelName();
    const sizes: SizeSpec = [2000, 3000];
    const count = 1500; // ~3.7 MB: the 1 MiB backlog fills, the rest waits in the ring and the writer's queue
    const server = new Opened(listen(name, { ringCapacity: 262144, receive: 'pooled' }));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'writer', count, seed: 9, sizes, backpressure: 'none' });
    const connection = await server.connection();
    await child.next('done');
    await sleep(300);
    assert.is(connection.stats.received, 0, 'nothing delivered without a subscriber');
    const { bad, recycled, count: received } = await consume(connection, 9, sizes, 1_000_000);
    assert.is(received, count);
    assert.equal(bad, []);
    assert.is(recycled, count - 1, 'every message but the kept first one went back to its pool');
    connection.complete();
  });
});

test.run();
