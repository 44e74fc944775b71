/**
 * ReceiveBacklog on its own, against a fake target: content and order of many messages, delivery that stops when
 * demand goes and resumes when it returns, the end only after the backlog, the byte limit that turns 'keep' into
 * 'hold', and a seeded random interleaving checked against a plain-array model (nothing lost, nothing reordered).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiveBacklog } from '../../src/streams/connection/receive-backlog.js';
import { hash32 } from '../fixtures/streams-payload.js';

const backlog = suite('ReceiveBacklog');

/** A target whose demand the test sets; it records deliveries (by the seq in byte 0..3) and the end. */
class FakeTarget {
  demanded = 0;
  readonly got: number[] = [];
  ends: (Error | null)[] = [];
  /** Called after each delivery, e.g. to unsubscribe or to receive more from inside a subscriber. */
  onDeliver: (seq: number) => void = () => undefined;

  demand = (): number => this.demanded;
  deliver = (payload: Uint8Array): void => {
    const seq = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
    assert.is(this.ends.length, 0, `message ${seq} delivered after the end`);
    this.got.push(seq);
    this.onDeliver(seq);
  };
  end = (error: Error | null): void => void this.ends.push(error);
}

/** Message `seq`: `size` bytes (at least 4), seq in the first four. */
const message = (seq: number, size = 8): Uint8Array => {
  const bytes = new Uint8Array(Math.max(4, size));
  new DataView(bytes.buffer).setUint32(0, seq, true);
  return bytes;
};

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

backlog('200,000 messages kept without a subscriber arrive complete and in order when one comes, then the end', () => {
  const target = new FakeTarget();
  const b = new ReceiveBacklog(Number.MAX_SAFE_INTEGER, target);
  for (let seq = 0; seq < 200_000; seq++) {
    assert.is(b.mode(), 'keep');
    b.accept(message(seq));
  }
  b.end(null);
  assert.equal(target.got, [], 'nothing delivered without demand');
  assert.equal(target.ends, [], 'no end before the backlog');
  target.demanded = 1;
  b.flush();
  assert.is(target.got.length, 200_000);
  assert.ok(
    target.got.every((seq, i) => seq === i),
    'in order',
  );
  assert.equal(target.ends, [null]);
});

backlog('with demand and nothing waiting, messages are delivered at once', () => {
  const target = new FakeTarget();
  target.demanded = 1;
  const b = new ReceiveBacklog(100, target);
  assert.is(b.mode(), 'deliver');
  b.accept(message(7));
  assert.equal(target.got, [7]);
  b.end(null);
  assert.equal(target.ends, [null], 'an empty backlog ends at once');
});

backlog('delivery stops when demand goes (mid-flush) and resumes, in order, when it returns', () => {
  const target = new FakeTarget();
  const b = new ReceiveBacklog(Number.MAX_SAFE_INTEGER, target);
  for (let seq = 0; seq < 20_000; seq++) b.accept(message(seq));
  target.demanded = 1;
  target.onDeliver = (seq) => {
    if (seq === 12_344) target.demanded = 0; // the subscriber unsubscribes inside next()
  };
  b.flush();
  assert.equal(target.got, range(0, 12_345));
  assert.is(b.mode(), 'keep', 'messages still wait: new ones queue behind them, not delivered past them');
  target.demanded = 1;
  assert.is(b.mode(), 'keep', 'demand alone does not jump the queue');
  b.accept(message(20_000));
  assert.equal(target.got.length, 12_345, 'accepted behind the waiting ones, not delivered ahead of them');
  target.onDeliver = () => undefined;
  b.flush();
  assert.equal(target.got, range(0, 20_001));
  assert.is(b.mode(), 'deliver', 'empty again: straight through');
});

backlog('a message received from inside a subscriber during a flush lands behind the backlog', () => {
  const target = new FakeTarget();
  const b = new ReceiveBacklog(Number.MAX_SAFE_INTEGER, target);
  for (let seq = 0; seq < 10_000; seq++) b.accept(message(seq));
  let next = 10_000;
  target.demanded = 1;
  target.onDeliver = (seq) => {
    if (seq % 1000 === 0 && next < 10_010) b.accept(message(next++));
  };
  b.flush();
  assert.equal(target.got, range(0, 10_010));
});

backlog('the end waits for the backlog and for demand; the first end wins', () => {
  const target = new FakeTarget();
  const b = new ReceiveBacklog(Number.MAX_SAFE_INTEGER, target);
  for (let seq = 0; seq < 5000; seq++) b.accept(message(seq));
  const first = new Error('first');
  b.end(first);
  b.end(null);
  b.flush();
  assert.equal(target.ends, [], 'no end while messages wait');
  target.demanded = 1;
  target.onDeliver = (seq) => {
    if (seq === 2999) target.demanded = 0;
  };
  b.flush();
  assert.equal(target.ends, [], 'no end while 2000 messages still wait');
  target.demanded = 1;
  b.flush();
  b.flush();
  assert.equal(target.got, range(0, 5000));
  assert.equal(target.ends, [first], 'ended once, with the first end');
});

backlog("the byte limit turns 'keep' into 'hold', with exact byte accounting as messages leave", () => {
  const target = new FakeTarget();
  const b = new ReceiveBacklog(40, target);
  for (let seq = 0; seq < 4; seq++) {
    assert.is(b.mode(), 'keep', `${seq * 10} bytes kept`);
    b.accept(message(seq, 10));
  }
  assert.is(b.mode(), 'hold', '40 bytes kept: the limit');
  target.demanded = 1;
  assert.is(b.mode(), 'hold', 'demand does not skip what waits');
  target.onDeliver = () => (target.demanded = 0); // one at a time
  b.flush();
  assert.is(b.mode(), 'keep', '30 bytes kept');
  b.accept(message(4, 20));
  assert.is(b.mode(), 'hold', '50 bytes kept');
  target.demanded = 1;
  b.flush();
  assert.is(b.mode(), 'hold', '40 bytes kept: still at the limit');
  target.demanded = 1;
  b.flush();
  assert.is(b.mode(), 'keep', '30 bytes kept: 10 + 20');
  target.onDeliver = () => undefined;
  target.demanded = 1;
  b.flush();
  assert.equal(target.got, [0, 1, 2, 3, 4]);
  assert.is(b.mode(), 'deliver', 'empty, with demand');
  target.demanded = 0;
  assert.is(b.mode(), 'keep', 'empty: zero bytes counted');
});

backlog(
  'seeded random interleaving of accept, demand, flush and end against a plain-array model: nothing lost or reordered',
  () => {
    for (let seed = 1; seed <= 20; seed++) {
      const target = new FakeTarget();
      // Small limits keep 'hold' frequent; large ones let the queue grow past its compaction threshold.
      const limit = seed % 2 === 0 ? 4096 : 1 << 20;
      const b = new ReceiveBacklog(limit, target);
      const model: { seq: number; size: number }[] = [];
      let modelBytes = 0;
      let next = 0;
      let delivered = 0;
      target.onDeliver = (seq) => {
        const head = model.shift()!;
        assert.is(seq, head.seq, `seed=${seed}`);
        modelBytes -= head.size;
        delivered++;
        // Sometimes the subscriber leaves inside next(), as take(n) does.
        if (hash32(seed * 7919 + delivered) % 97 === 0) target.demanded = 0;
      };
      for (let step = 0; step < 30_000; step++) {
        const r = hash32((seed << 20) ^ step) % 100;
        if (r < 70) {
          const mode = b.mode();
          const expected = target.demanded > 0 && model.length === 0 ? 'deliver' : modelBytes < limit ? 'keep' : 'hold';
          assert.is(mode, expected, `seed=${seed} step=${step}: bytes=${modelBytes}`);
          if (mode === 'hold') continue;
          const size = 4 + (hash32(next ^ 0x5bd1e995) % 64);
          model.push({ seq: next, size });
          modelBytes += size;
          b.accept(message(next++, size));
        } else if (r < 85) {
          target.demanded = target.demanded > 0 ? 0 : 1;
        } else {
          b.flush();
        }
      }
      b.end(null);
      assert.equal(target.ends, model.length === 0 ? [null] : [], `seed=${seed}: the end only after the backlog`);
      target.demanded = 1;
      target.onDeliver = (seq) => assert.is(seq, model.shift()!.seq, `seed=${seed}`);
      b.flush();
      assert.is(model.length, 0, `seed=${seed}: everything delivered`);
      assert.is(target.got.length, next, `seed=${seed}: nothing lost`);
      assert.ok(
        target.got.every((seq, i) => seq === i),
        `seed=${seed}: in order`,
      );
      assert.equal(target.ends, [null]);
    }
  },
);

backlog.run();
