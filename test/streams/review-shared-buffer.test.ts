/**
 * Review of issue 12's batches: with the default receive (copy) a per-message subscriber owns each message's buffer
 * (README: "the default receive gives each message its own"); while a batch subscriber exists too, the receiver
 * switches to `batch` mode and per-message subscribers get messages carved out of the batch's shared chunk, so code
 * that uses or transfers `m.buffer` (postMessage) reads or detaches its neighbours. In-process pair, fake backend.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withInProcessChannel } from '../helpers/in-process-channel.js';

const test = suite('review: per-message buffers next to batches');

test('a per-message subscriber next to a batch subscriber still owns each message buffer (default receive)', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const owned: boolean[] = [];
    const perMessage = server.subscribe((m) => owned.push(m.byteOffset === 0 && m.buffer.byteLength === m.length));
    const batches = server.batches().subscribe();
    client.next(new Uint8Array(100).fill(1));
    client.next(new Uint8Array(100).fill(2));
    await settle();
    perMessage.unsubscribe();
    batches.unsubscribe();
    assert.equal(owned, [true, true], 'per-message copies share a buffer once a batch subscriber exists');
  }));

test.run();
