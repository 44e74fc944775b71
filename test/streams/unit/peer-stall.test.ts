/**
 * PeerStall and the poll phase's early park (issue 12): with a batch (PEER_STALL_FRAMES) written since the ring was
 * last seen fully read, a peer whose read position stands still for PEER_STALL_MS counts as stalled (not at first
 * sight, not once it moves, never when everything was read, never for fewer frames); a corrupt read position is a
 * typed RingCorruptError; a WaitLoop whose sent batch waits unread parks long before pollMicros (the frames still
 * there for the peer), while one with a single frame unread (a round trip) or whose peer reads keeps polling.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingCorruptError } from '../../../src/layout/errors.js';
import { READ_POSITION_OFFSET } from '../../../src/layout/ring-descriptor.js';
import { resolveOptions } from '../../../src/streams/channel/options.js';
import { EngineStats } from '../../../src/streams/engine/engine-stats.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { PEER_STALL_FRAMES, PEER_STALL_MS, PeerStall } from '../../../src/streams/engine/peer-stall.js';
import { WaitLoop } from '../../../src/streams/engine/wait-loop.js';
import { expectError } from '../../helpers/assertions.js';
import { readFrames } from '../../helpers/engine-rings.js';
import { receiverOnRing } from '../../helpers/engine-receiver.js';
import { bytes, senderOnRing } from '../../helpers/engine-sender.js';
import { until } from '../../helpers/waiting.js';

const test = suite('PeerStall');

test('stalled only once a batch waits unread and the read position stood still for PEER_STALL_MS', () => {
  const { writer, reader } = senderOnRing();
  const stall = new PeerStall(writer);
  const write = (count: number): void => {
    for (let i = 0; i < count; i++) assert.ok(writer.tryWrite(bytes(i)));
  };
  assert.not.ok(stall.stalled(0), 'nothing sent: nothing unread');
  write(PEER_STALL_FRAMES - 1);
  assert.not.ok(stall.stalled(10), 'first sight of the unread records starts the clock');
  assert.not.ok(stall.stalled(10 + PEER_STALL_MS * 10), 'fewer than a batch (a round trip) never stalls');
  readFrames(reader);
  assert.not.ok(stall.stalled(20), 'everything was read');
  write(PEER_STALL_FRAMES);
  assert.not.ok(stall.stalled(30), 'a batch: first sight starts the clock');
  assert.not.ok(stall.stalled(30 + PEER_STALL_MS / 2), 'not for long enough yet');
  assert.ok(stall.stalled(30 + PEER_STALL_MS), 'a batch, and the position stood still for PEER_STALL_MS');
  assert.ok(reader.poll());
  reader.release(); // the peer read one: it runs
  assert.not.ok(stall.stalled(40), 'the position moved: the clock starts again');
  assert.ok(stall.stalled(40 + PEER_STALL_MS), 'still a batch written since the ring was last seen read');
  readFrames(reader);
  assert.not.ok(stall.stalled(50), 'everything was read');
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

test('a loop whose sent batch waits unread parks long before pollMicros, and the frames stay for the peer', async () => {
  const { tx, stats, loop, dispose, failures } = loopSetup();
  for (let i = 0; i < PEER_STALL_FRAMES; i++) assert.is(tx.sender.send(DATA_FRAME, bytes(i)), 'written');
  loop.schedule();
  await until(() => stats.parks === 1, 'the park while the peer does not read', 5000);
  assert.equal(
    readFrames(tx.reader).map((f) => f.payload[0]),
    Array.from({ length: PEER_STALL_FRAMES }, (_, i) => i),
  );
  assert.equal(failures, []);
  dispose();
});

test('a loop whose single frame waits unread, as in a round trip, keeps polling (no park)', async () => {
  const { tx, stats, loop, dispose, failures } = loopSetup();
  assert.is(tx.sender.send(DATA_FRAME, bytes(7)), 'written');
  loop.schedule();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.is(stats.parks, 0);
  assert.is(readFrames(tx.reader).length, 1);
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
