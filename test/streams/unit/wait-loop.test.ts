/**
 * WaitLoop over two real rings in this process (a Sender on one, a Receiver on the other; the test plays the peer):
 * a spin whose delivery is answered only by a promise continuation lets microtasks run and spins on once they sent
 * (the caller's next request is not held for `spinMicros`), a delivery answered synchronously keeps the spin, a
 * peer that always answers through microtasks still lets timers run, and after a yield the loop still parks and a
 * frame published after the park is announced (the consumer-parked flag is set), never lost; the poll phase takes
 * what comes within pollMicros without a bell and parks only after pollMicros idle; a sender that waits only for
 * room in its ring parks at once once its last such wait was slow (asking the consumer for a bell), and flushes its
 * queue in order when rung; a frame the poll phase reads settles the engine in that very look; a poll turn that found
 * nothing offers the core (yieldCpu) before the next turn, one that delivered does not.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveOptions } from '../../../src/streams/channel/options.js';
import { EngineStats } from '../../../src/streams/engine/engine-stats.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { WaitLoop } from '../../../src/streams/engine/wait-loop.js';
import { readFrames, writeRawFrame } from '../../helpers/engine-rings.js';
import { data, receiverOnRing } from '../../helpers/engine-receiver.js';
import { bytes, fill, senderOnRing } from '../../helpers/engine-sender.js';
import { until, within } from '../../helpers/waiting.js';

const loop = suite('WaitLoop');

/** A loop over a fresh ring pair; `peer` writes into its receive ring; `dispose` stops it. */
function setup(
  wait: { spinMicros: number; pollMicros: number },
  settle: () => boolean = () => false,
  yieldCpu: () => void = () => undefined,
) {
  const tx = senderOnRing();
  const rx = receiverOnRing();
  const stats = new EngineStats();
  let disposed = false;
  const failures: Error[] = [];
  const waitLoop = new WaitLoop(tx.sender, rx.receiver, { ...resolveOptions({ wait }), yieldCpu }, stats, {
    disposed: () => disposed,
    settle,
    endIfClosed: () => false,
    fail: (error) => failures.push(error),
    keepAlive: () => undefined,
  });
  const dispose = (): void => {
    disposed = true;
    waitLoop.stop();
  };
  const peer = (value: number): void => writeRawFrame(rx.writer, ...data(value));
  return { tx, rx, stats, loop: waitLoop, peer, dispose, failures };
}

/** Two promise hops, as `await firstValueFrom(...)` costs a caller before it sends its next request. */
const afterTwoHops = (then: () => void): void => void Promise.resolve().then(() => Promise.resolve().then(then));

loop('a delivery answered from a promise continuation is not held for spinMicros, and the spin resumes', async () => {
  const { tx, rx, loop: l, peer, dispose, failures } = setup({ spinMicros: 400_000, pollMicros: 0 });
  const times: number[] = [];
  let macrotaskBeforeSecond: boolean | undefined;
  rx.sink.onData = (payload) => {
    times.push(performance.now());
    if (payload[0] === 1) {
      afterTwoHops(() => {
        times.push(performance.now());
        tx.sender.send(DATA_FRAME, bytes(9)); // the "next request"
        let macrotaskRan = false;
        setImmediate(() => (macrotaskRan = true));
        peer(2); // the peer answers at once: the resumed spin sees it before any macrotask
        rx.sink.onData = () => {
          macrotaskBeforeSecond = macrotaskRan;
          dispose();
        };
      });
    }
  };
  peer(1);
  l.schedule();
  await within(
    until(() => macrotaskBeforeSecond !== undefined, 'the second delivery'),
    5000,
    'the loop',
  );
  const [delivered, answered] = times as [number, number];
  assert.ok(answered - delivered < 200, `the continuation ran ${answered - delivered} ms after the delivery`);
  assert.is(macrotaskBeforeSecond, false, 'the answer came back to a spin resumed from the microtask queue');
  assert.is(tx.reader.poll(), true, 'the answer was published');
  assert.equal(failures, []);
});

loop('a delivery answered synchronously keeps spinning: its microtasks wait for the spin', async () => {
  const { tx, rx, loop: l, peer, dispose } = setup({ spinMicros: 100_000, pollMicros: 0 });
  let microtaskRan = false;
  let microtaskBeforeSecond: boolean | undefined;
  rx.sink.onData = (payload) => {
    if (payload[0] !== 1) {
      microtaskBeforeSecond = microtaskRan;
      return dispose();
    }
    tx.sender.send(DATA_FRAME, bytes(9)); // answered at once, as an echo does
    queueMicrotask(() => (microtaskRan = true));
    peer(2);
  };
  peer(1);
  l.schedule();
  await within(
    until(() => microtaskBeforeSecond !== undefined, 'the second delivery'),
    5000,
    'the loop',
  );
  assert.is(microtaskBeforeSecond, false, 'the second frame was taken in the same synchronous spin');
});

loop('a peer that always answers through microtasks still lets timers run', async () => {
  const { tx, rx, loop: l, peer, dispose } = setup({ spinMicros: 50_000, pollMicros: 0 });
  let rounds = 0;
  rx.sink.onData = () => {
    rounds++;
    afterTwoHops(() => {
      tx.sender.send(DATA_FRAME, bytes(1));
      if (tx.reader.poll()) tx.reader.release();
      peer(2);
    });
  };
  let timerFired = false;
  setTimeout(() => {
    timerFired = true;
    dispose();
  }, 5);
  peer(1);
  l.schedule();
  await within(
    until(() => timerFired, 'the timer'),
    5000,
    'the timer under a busy conversation',
  );
  assert.ok(rounds > 1, `the conversation went on (${rounds} rounds) and the timer still fired`);
});

loop('after a yield with nothing sent the loop parks, and a frame published then is announced', async () => {
  const { rx, stats, loop: l, peer, dispose } = setup({ spinMicros: 200, pollMicros: 0 });
  peer(1);
  l.schedule();
  await until(() => stats.parks > 0, 'the park after the delivery', 5000);
  assert.is(rx.sink.delivered.length, 1);
  peer(2);
  assert.ok(rx.writer.takeConsumerParked(), 'the parked flag tells the peer to ring');
  l.bell();
  await until(() => rx.sink.delivered.length === 2, 'the frame the bell announced', 5000);
  assert.is(stats.wakes, 1);
  dispose();
});

loop(
  'the poll phase takes a frame written meanwhile without a park, then parks once pollMicros pass idle',
  async () => {
    const { rx, stats, loop: l, peer, dispose } = setup({ spinMicros: 0, pollMicros: 200_000 });
    l.schedule();
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer(1); // written by "the peer" while this side polls
    await until(() => rx.sink.delivered.length === 1, 'the frame written during the poll phase', 5000);
    assert.is(stats.parks, 0, 'no park within pollMicros of activity');
    assert.not.ok(rx.writer.takeConsumerParked(), 'the poll needed no bell');
    const since = performance.now();
    await until(() => stats.parks > 0, 'the park once pollMicros passed idle', 5000);
    const idleMs = performance.now() - since;
    assert.ok(idleMs >= 150, `parked ${idleMs} ms after the last frame, not before pollMicros`);
    peer(2);
    assert.ok(rx.writer.takeConsumerParked(), 'parked: the peer is told to ring');
    l.bell();
    await until(() => rx.sink.delivered.length === 2, 'the frame after the park', 5000);
    dispose();
  },
);

loop(
  'a sender whose last wait for room was slow parks at once the next time (no polling through pollMicros)',
  async () => {
    const { tx, stats, loop: l, dispose } = setup({ spinMicros: 0, pollMicros: 100_000 });
    const tagged = (tag: number): Uint8Array => new Uint8Array(100).fill(tag); // as large as fill()'s frames
    const consumeAndRing = async (expected: number[]): Promise<void> => {
      assert.ok(readFrames(tx.reader).length > 0, 'the consumer frees the ring');
      assert.ok(tx.reader.takeProducerParked(), 'parked for room: the consumer is told to ring');
      l.bell();
      await until(() => tx.sender.queued === 0, 'the queue flushed after the bell', 5000);
      await until(() => tx.reader.poll(), 'the queued frames published', 5000);
      assert.equal(
        readFrames(tx.reader).map((f) => f.payload[0]),
        expected,
      );
    };
    // First wait for room: nothing known about the consumer yet; it parks once the consumer has left the ring
    // untouched for PEER_STALL_MS (peer-stall.ts), well within pollMicros.
    fill(tx.sender);
    for (let tag = 1; tag <= 3; tag++) assert.is(tx.sender.send(DATA_FRAME, tagged(tag)), 'queued');
    l.schedule();
    await until(() => stats.parks === 1, 'the first park for room', 5000);
    assert.ok(tx.sender.waitingForRoom);
    await consumeAndRing([1, 2, 3]);
    // The flushed frames waited unread too, so the loop may have parked again meanwhile (a stalled peer); a send
    // wakes the engine's loop (its activity hook, which this setup leaves out), so the test wakes it.
    const parksBefore = stats.parks;
    // Second wait: the last one was slow (over 100 ms), so this one parks at once.
    fill(tx.sender);
    const since = performance.now();
    for (let tag = 4; tag <= 6; tag++) assert.is(tx.sender.send(DATA_FRAME, tagged(tag)), 'queued');
    l.wake();
    await until(() => stats.parks > parksBefore, 'the second park for room', 5000);
    const parkedMs = performance.now() - since;
    assert.ok(parkedMs < 60, `parked ${parkedMs} ms after the ring filled: at once, not after pollMicros`);
    await consumeAndRing([4, 5, 6]);
    assert.not.ok(tx.sender.waitingForRoom);
    dispose();
  },
);

loop('a frame the poll phase reads settles the engine in that look, before any microtask runs', async () => {
  // A Close read there must end the connection before its receive side's completion (a microtask) is observed.
  let delivered = false;
  let settledAfterDelivery = false;
  let seenByMicrotask: boolean | undefined;
  const {
    tx,
    rx,
    loop: l,
    peer,
    dispose,
    failures,
  } = setup({ spinMicros: 0, pollMicros: 1_000_000 }, () => {
    if (delivered) settledAfterDelivery = true;
    return false;
  });
  rx.sink.onData = () => {
    delivered = true;
    queueMicrotask(() => (seenByMicrotask ??= settledAfterDelivery));
  };
  // The peer's frame appears at the poll phase's first look (the second publish of the turn), not at run()'s.
  const publish = tx.sender.publish.bind(tx.sender);
  let publishes = 0;
  tx.sender.publish = () => (++publishes === 2 && peer(1), publish());
  l.schedule();
  await within(
    until(() => seenByMicrotask !== undefined, 'the delivery'),
    5000,
    'the loop',
  );
  dispose();
  assert.is(seenByMicrotask, true, 'the look that read the frame settled before the microtask queue ran');
  assert.equal(failures, []);
});

loop(
  'an empty poll turn offers the core to a ready peer; a turn that delivered lets its microtasks run first',
  async () => {
    const events: string[] = [];
    let yields = 0;
    let peer: (value: number) => void = () => undefined;
    const yieldCpu = (): void => {
      events.push('yield');
      if (++yields <= 3) peer(yields); // the peer, given the core, answers: the next turn finds it
    };
    const t = setup({ spinMicros: 0, pollMicros: 200_000 }, () => false, yieldCpu);
    peer = t.peer;
    t.rx.sink.onData = () => {
      events.push('data');
      queueMicrotask(() => events.push('microtask'));
    };
    t.loop.schedule();
    await within(
      until(() => yields >= 4, 'four yields'),
      5000,
      'the poll phase',
    );
    t.dispose();
    assert.equal(events.slice(0, 10), [
      'yield',
      'data',
      'microtask',
      'yield',
      'data',
      'microtask',
      'yield',
      'data',
      'microtask',
      'yield',
    ]);
    assert.equal(t.failures, []);
  },
);

loop.run();
