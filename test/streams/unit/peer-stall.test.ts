/**
 * PeerStall and the poll phase's early park (issue 12): with records waiting unread, a peer whose read position stands
 * still for PEER_STALL_MS counts as stalled (not at first sight, not once it moves, never when everything was read);
 * a corrupt read position is a typed RingCorruptError; and a WaitLoop whose sent frame waits unread parks long before
 * pollMicros (the frame still there for the peer), while one whose peer reads at once keeps polling without a park.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingCorruptError } from '../../../src/layout/errors.js';
import { READ_POSITION_OFFSET } from '../../../src/layout/ring-descriptor.js';
import { resolveOptions } from '../../../src/streams/channel/options.js';
import { EngineStats } from '../../../src/streams/engine/engine-stats.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { PEER_STALL_MS, PeerStall } from '../../../src/streams/engine/peer-stall.js';
import { WaitLoop } from '../../../src/streams/engine/wait-loop.js';
import { expectError } from '../../helpers/assertions.js';
import { readFrames } from '../../helpers/engine-rings.js';
import { receiverOnRing } from '../../helpers/engine-receiver.js';
import { bytes, senderOnRing } from '../../helpers/engine-sender.js';
import { until } from '../../helpers/waiting.js';

const test = suite('PeerStall');

test('stalled only once unread records wait and the read position stood still for PEER_STALL_MS', () => {
  const { writer, reader } = senderOnRing();
  const stall = new PeerStall(writer);
  assert.not.ok(stall.stalled(0), 'nothing sent: nothing unread');
  assert.ok(writer.tryWrite(bytes(1, 2, 3)));
  assert.not.ok(stall.stalled(10), 'first sight of the unread record starts the clock');
  assert.not.ok(stall.stalled(10 + PEER_STALL_MS / 2), 'not yet');
  assert.ok(stall.stalled(10 + PEER_STALL_MS), 'stood still for PEER_STALL_MS');
  assert.ok(writer.tryWrite(bytes(4)));
  assert.ok(reader.poll());
  reader.release(); // the peer read one of two: it runs
  assert.not.ok(stall.stalled(20), 'the position moved: the clock starts again');
  assert.ok(stall.stalled(20 + PEER_STALL_MS));
  readFrames(reader);
  assert.not.ok(stall.stalled(30 + PEER_STALL_MS), 'everything was read');
});

test('a read position the peer corrupted is a RingCorruptError', () => {
  const { writer, buffer, wordIndex } = senderOnRing();
  assert.ok(writer.tryWrite(bytes(1)));
  Atomics.store(new Int32Array(buffer), wordIndex(READ_POSITION_OFFSET), 4);
  expectError(() => new PeerStall(writer).stalled(0), RingCorruptError, 'MisalignedPosition');
});

/** A WaitLoop with a 10 s poll phase over a fresh ring pair: only a stalled peer can make it park within seconds. */
function loopSetup() {
  const tx = senderOnRing();
  const stats = new EngineStats();
  let disposed = false;
  const failures: Error[] = [];
  const waitLoop = new WaitLoop(
    tx.sender,
    receiverOnRing().receiver,
    resolveOptions({ wait: { spinMicros: 0, pollMicros: 10_000_000 } }),
    stats,
    {
      disposed: () => disposed,
      settle: () => false,
      endIfClosed: () => false,
      fail: (error) => failures.push(error),
      keepAlive: () => undefined,
    },
  );
  const dispose = (): void => {
    disposed = true;
    waitLoop.stop();
  };
  return { tx, stats, loop: waitLoop, dispose, failures };
}

test('a loop whose sent frame waits unread parks long before pollMicros, and the frame stays for the peer', async () => {
  const { tx, stats, loop, dispose, failures } = loopSetup();
  assert.is(tx.sender.send(DATA_FRAME, bytes(7)), 'written');
  loop.schedule();
  await until(() => stats.parks === 1, 'the park while the peer does not read', 5000);
  assert.equal(
    readFrames(tx.reader).map((f) => f.payload),
    [[7]],
  );
  assert.equal(failures, []);
  dispose();
});

test('a loop whose peer reads what it sends keeps polling (no park)', async () => {
  const { tx, stats, loop, dispose, failures } = loopSetup();
  for (let i = 0; i < 20; i++) {
    assert.is(tx.sender.send(DATA_FRAME, bytes(i)), 'written');
    tx.sender.publish();
    assert.is(readFrames(tx.reader).length, 1, 'the peer reads at once');
    loop.schedule();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.is(stats.parks, 0);
  assert.equal(failures, []);
  dispose();
});

test.run();
