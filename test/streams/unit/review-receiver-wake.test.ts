/**
 * Review of the park-for-room rule (wait-loop.ts: a producer blocked on a full ring parks at once, and "the consumer
 * rings after each drain that frees room"): a drain that frees room by consuming only a padding record must ring a
 * producer parked for room, or that producer sleeps until its re-check timer (PARK_RECHECK_MIN_MS or more).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_LENGTH } from '../../../src/codecs/index.js';
import { RING_FULL } from '../../../src/layout/index.js';
import { receiverOnRing } from '../../helpers/engine-receiver.js';
import { writeRawFrame } from '../../helpers/engine-rings.js';
import { FrameKind } from '../../../src/codecs/index.js';

const test = suite('review: receiver wakes a producer parked for room');

test('a drain that only consumes the padding in front of a blocked record rings the parked producer', () => {
  const { writer, receiver, rings } = receiverOnRing({ capacity: 1024 });
  writeRawFrame(writer, { kind: FrameKind.Data }, new Uint8Array(500)); // record 0..528
  writer.publishPending();
  assert.ok(receiver.drain(), 'the first message is read');
  const before = rings();
  // The next record does not fit before the end: padding 528..1024 is published, and at 0 only 528 bytes are free.
  const size = FRAME_HEADER_LENGTH + 600;
  assert.is(writer.tryClaim(size), RING_FULL);
  writer.park(); // the producer sleeps until the consumer frees room (Sender.parkForRoom)
  receiver.drain(); // consumes the padding: the whole ring is free now
  const at = writer.tryClaim(size);
  assert.ok(at !== RING_FULL, 'room was freed by this drain');
  writer.abort();
  assert.is(rings() - before, 1, 'the producer parked for room was not rung: it sleeps until its re-check timer');
});

test.run();
