/**
 * Sender bursts over a real ring in this process: within one synchronous burst the deferred commits are published
 * every PUBLISH_EVERY frames (so a consumer starts before the burst ends) and the rest at its end, in order, none
 * lost; a consumer that parked during the burst is woken by the publish that follows, never left asleep.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DATA_FRAME } from '../../../src/streams/engine/frame-fields.js';
import { PUBLISH_EVERY } from '../../../src/streams/engine/sender-hooks.js';
import { readFrames } from '../../helpers/engine-rings.js';
import { bytes, endOfBurst, senderOnRing as setup } from '../../helpers/engine-sender.js';

const burst = suite('Sender bursts');

const firstBytes = (frames: { payload: number[] }[]): number[] => frames.map((f) => f.payload[0]!);

burst('a burst is published every PUBLISH_EVERY frames and at its end, in order', async () => {
  const { sender: s, reader } = setup();
  assert.ok(PUBLISH_EVERY >= 2 && PUBLISH_EVERY <= 16, `PUBLISH_EVERY=${PUBLISH_EVERY}`);
  const seen: number[] = [];
  let value = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < PUBLISH_EVERY - 1; i++) s.send(DATA_FRAME, bytes(value++));
    assert.equal(readFrames(reader), [], `round ${round}: nothing visible before PUBLISH_EVERY frames`);
    s.send(DATA_FRAME, bytes(value++));
    const frames = readFrames(reader);
    assert.is(frames.length, PUBLISH_EVERY, `round ${round}: visible while the burst goes on`);
    seen.push(...firstBytes(frames));
  }
  for (let i = 0; i < 3; i++) s.send(DATA_FRAME, bytes(value++));
  assert.equal(readFrames(reader), [], 'the tail waits for the end of the burst');
  await endOfBurst();
  seen.push(...firstBytes(readFrames(reader)));
  assert.equal(
    seen,
    Array.from({ length: value }, (_, i) => i),
  );
});

burst('a consumer that parks during a burst is woken by the next publish, within the burst or at its end', async () => {
  const { sender: s, reader, events } = setup();
  for (let i = 0; i < PUBLISH_EVERY - 1; i++) s.send(DATA_FRAME, bytes(i));
  reader.park(); // it found nothing: the records are not published yet
  assert.equal(events, []);
  s.send(DATA_FRAME, bytes(PUBLISH_EVERY - 1));
  assert.equal(events, ['ring'], 'the in-burst publish rang the parked consumer');
  assert.is(readFrames(reader).length, PUBLISH_EVERY);
  s.send(DATA_FRAME, bytes(100));
  reader.park();
  assert.equal(events, ['ring']);
  await endOfBurst();
  assert.equal(events, ['ring', 'ring'], 'the end-of-burst publish rang it again');
  assert.equal(firstBytes(readFrames(reader)), [100]);
});

burst.run();
