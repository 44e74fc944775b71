/**
 * Sender's zero-copy claims over a real ring in this process: the claimed bytes are the ring's own, published as a
 * Data frame of the committed length; sends and queued frames wait behind an open claim (reject included) and
 * whenNoClaim waits for its end; an aborted claim leaves nothing; no claim is given while frames are queued; and a
 * claim refused for room still publishes the burst and wakes a parked consumer.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind } from '../../../src/codecs/index.js';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { readFrames } from '../../helpers/engine-rings.js';
import { bytes, endOfBurst, fill, senderOnRing as setup } from '../../helpers/engine-sender.js';

const sender = suite('Sender claims');

sender('a zero-copy claim is written in place and published as a Data frame of the committed length', async () => {
  const { sender: s, reader, buffer, stats } = setup('block');
  const room = s.claim(10)!;
  assert.is(room.length, 10);
  assert.is(room.buffer, buffer, 'in the ring itself');
  assert.ok(s.claimOpen);
  room.set([1, 2, 3, 4]);
  s.commit(4);
  assert.not.ok(s.claimOpen);
  await endOfBurst();
  assert.equal(readFrames(reader), [
    { kind: FrameKind.Data, status: 0, correlation: 0, method: 0, payload: [1, 2, 3, 4] },
  ]);
  assert.is(stats.sent, 1);
  assert.is(stats.bytesSent, 4);
});

sender('while a claim is open sends wait behind it (reject included) and whenNoClaim waits for its end', async () => {
  const { sender: s, reader } = setup('reject');
  const room = s.claim(1)!;
  const after: string[] = [];
  s.whenNoClaim(() => after.push('no claim'));
  assert.is(s.send(DATA_FRAME, bytes(2)), 'queued', 'not rejected: the ring has room, the claim holds it');
  assert.not.ok(s.flush(), 'the claim comes first');
  assert.equal(after, []);
  room[0] = 1;
  s.commit(1);
  assert.equal(after, ['no claim']);
  assert.ok(s.flush());
  await endOfBurst();
  assert.equal(
    readFrames(reader).map((f) => f.payload),
    [[1], [2]],
  );
  let ran = false;
  s.whenNoClaim(() => (ran = true));
  assert.ok(ran, 'with no claim open it runs at once');
});

sender('an aborted claim leaves nothing in the ring; no claim is given while frames are queued', async () => {
  const { sender: s, reader } = setup('block');
  s.claim(8)!.fill(9);
  s.abortClaim();
  assert.not.ok(s.claimOpen);
  await endOfBurst();
  assert.equal(readFrames(reader), []);
  fill(s);
  assert.is(s.claim(8), null, 'full ring');
  s.send(DATA_FRAME, bytes(1));
  readFrames(reader);
  assert.is(s.claim(8), null, 'room, but a frame is queued: it goes first');
});

sender('a claim refused for room publishes what the burst wrote and wakes a parked consumer', () => {
  const { sender: s, reader, events } = setup('block');
  reader.park();
  for (let i = 0; i < 7; i++) assert.is(s.send(DATA_FRAME, new Uint8Array(100)), 'written'); // 896 of 1024 bytes
  assert.equal(events, []);
  assert.is(s.claim(200), null);
  assert.ok(reader.poll(), 'the records are visible before the burst ends');
  assert.equal(events, ['ring']);
});

sender.run();
