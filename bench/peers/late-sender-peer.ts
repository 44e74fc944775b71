/**
 * Peer of the late-subscriber drain bench: connects to channel argv[2] (default options) and, on `burst`, sends
 * `count` messages of `size` bytes (message i carries i in bytes 0..3, little-endian) in one synchronous burst of
 * next() calls, so what the ring has no room for queues on this side. `queued` reports this side's local queue.
 */
import type { Connection } from '../../src/index.js';
import { rxshm } from '../lib/library.js';
import { serveControl } from '../lib/peer-side.js';

const { connect } = rxshm;
const name = process.argv[2]!;
let connection: Connection | undefined;

connect(name, { timeout: 10_000 }).subscribe({
  next: (c) => {
    connection = c;
    control.ready();
  },
  error: (e) => {
    console.error(e);
    process.exit(1);
  },
  complete: () => process.exit(0),
});

const control = serveControl({
  burst: (c) => {
    const [count, size] = [Number(c['count']), Number(c['size'])];
    if (!(size >= 4)) throw new Error(`burst: size=${size}, minimum=4 (the sequence number)`);
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    // next() copies, so one buffer serves every message.
    for (let i = 0; i < count; i++) {
      view.setUint32(0, i, true);
      connection!.next(bytes);
    }
    return connection!.stats.queued;
  },
  queued: () => connection!.stats.queued,
});
