/**
 * The sender kit of the engine unit specs: a Sender on a fresh in-process ring (test/streams/unit/_rings.ts) with
 * the hooks it called recorded in order, and the few frames and waits the sender specs share.
 */
import { FrameKind } from '../../src/codecs/index.js';
import type { OverflowPolicy } from '../../src/layout/ring-writer.js';
import { resolveOptions } from '../../src/streams/channel/options.js';
import { EngineStats } from '../../src/streams/engine/engine-stats.js';
import { DATA_FRAME, type FrameFields } from '../../src/streams/engine/frame-fields.js';
import { Sender } from '../../src/streams/engine/sender.js';
import { testRing, type TestRing } from './engine-rings.js';

/** Data bytes of the ring each sender writes into. */
const CAPACITY = 1024;

/** A sender on a fresh ring (of `capacity` data bytes), with its stats and the hooks it called, in order. */
export function senderOnRing(
  overflow: OverflowPolicy = 'block',
  highWaterMark = 1 << 20,
  capacity = CAPACITY,
): TestRing & {
  sender: Sender;
  stats: EngineStats;
  events: string[];
} {
  const ring = testRing(capacity, { dropOldest: overflow === 'drop-oldest' });
  const stats = new EngineStats();
  const events: string[] = [];
  const s = new Sender(ring.writer, resolveOptions({ overflow, highWaterMark }), stats, {
    ring: () => events.push('ring'),
    activity: () => undefined,
    closeSent: () => events.push('closeSent'),
    writableChanged: (writable) => events.push(`writable ${writable}`),
  });
  return { ...ring, sender: s, stats, events };
}

/** A Request header with correlation id `correlation`. */
export const request = (correlation: number, method = 3): FrameFields => ({
  kind: FrameKind.Request,
  status: 0,
  correlation,
  method,
});
/** A payload of these byte values. */
export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
/** Past the end of the current synchronous burst: deferred commits are published in a microtask. */
export const endOfBurst = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sends Data frames of `size` payload bytes until one is not written; returns how many were. */
export function fill(s: Sender, size = 100): number {
  let written = 0;
  while (s.writeFrame(DATA_FRAME, new Uint8Array(size))) written++;
  s.publish();
  return written;
}
