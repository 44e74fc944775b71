/**
 * Peer of the rxshm contenders: connect to channel argv[2] with the mode argv[3]; echo, count, or serve the typed
 * echoes and the raw echo of the calls section (a handler returning of(bytes), as a user writes one). In `batched`
 * mode it receives with `connection.batches()` and only counts; in `pooled` mode it recycles each message it counted.
 */
import { of } from 'rxjs';
import type { Connection } from '../../src/index.js';
import { rxshm } from '../lib/library.js';
import { Counter, serveControl } from '../lib/peer-side.js';
import { ECHO_METHOD, JsonEcho, StructEcho } from './rxshm-methods.js';

const { connect, implement, recycle, serve } = rxshm;
const [name, mode] = [process.argv[2]!, process.argv[3]!];
const wait = mode === 'spin' ? { spinMicros: 50 } : mode === 'parked' ? { spinMicros: 0, pollMicros: 0 } : {};
const counter = new Counter();
let connection: Connection | undefined;

const zeroCopy = mode === 'zerocopy';
const scratch = new Uint8Array(64 * 1024);
const pooled = mode === 'pooled';
connect(name, { wait, timeout: 10_000, receive: zeroCopy ? 'borrow' : pooled ? 'pooled' : 'copy' }).subscribe({
  next: (c) => {
    connection = c;
    // One array per ring drain (copies); counts messages, not batches.
    if (mode === 'batched') c.batches().subscribe((batch) => counter.add(batch.length));
    else
      c.subscribe((bytes) => {
        if (counter.counting) {
          // A borrowed view is read once (into a reused buffer, no allocation), as a real consumer reads its data.
          if (zeroCopy) scratch.set(bytes);
          counter.add();
          if (pooled) recycle(bytes); // done with it: its buffer may carry a later message
        } else if (!zeroCopy) c.next(bytes);
        else {
          const claim = c.claim(bytes.length);
          if (claim) {
            claim.bytes.set(bytes);
            claim.commit();
          } else c.next(bytes); // the ring is full: queue a copy
        }
      });
    serve(c, {
      [StructEcho.id]: implement(StructEcho, (v) => of(v)),
      [JsonEcho.id]: implement(JsonEcho, (v) => of(v)),
      [ECHO_METHOD]: (bytes) => of(bytes),
    }).subscribe();
    control.ready();
  },
  error: (e) => {
    console.error(e);
    process.exit(1);
  },
  complete: () => process.exit(0),
});

const control = serveControl({
  expect: (c) => counter.expect(Number(c['count'])),
  wait: () => counter.wait(),
  stats: () => connection?.stats ?? null,
});
