/**
 * An in-process channel for virtual-time tests: `listen` and `connect` over the fake native backend
 * (src/native/fake.ts), both ends in this process, and a `settle()` that says when every frame sent so far has
 * been delivered and handled.
 *
 * Why virtual time needs help here. Frames do not travel on the virtual clock: a frame written into a ring is
 * published after a microtask and read by the peer's engine on a later event-loop turn (setImmediate, or a bell
 * through the doorbell, a real socket). A TestScheduler flush is synchronous, so no frame could arrive during it.
 * The approach, in three parts:
 * - Every timer runs on the virtual scheduler (request's, liveness's and the handlers' own `scheduler`); nothing
 *   under test measures real time.
 * - `settle()` waits in real time until the channel is quiet: each ring read to its end (or up to a Data frame its
 *   reader `hold`s on purpose), nothing queued locally. Handling a frame is synchronous (the router, serve, the
 *   request table and the receive side react in the same turn), so a quiet channel has nothing left in flight.
 * - `SettlingScheduler.runSettled` (settling-scheduler.ts) runs `TestScheduler.run` marbles but flushes one virtual
 *   frame at a time and settles the channel between frames. So a frame sent at virtual time t is delivered, and its
 *   consequences happen, at t: delivery takes zero virtual time. Within one frame the scheduler's order holds
 *   (actions scheduled earlier run first) and what that frame's actions sent is delivered after all of them ran.
 *
 * Cross-process invariants relied on (docs/LAYOUT.md, "Ring"): READ_POSITION and WRITE_POSITION are free-running u32
 * byte counts, so `(write - read) mod 2^32` is what the reader has not consumed yet; records are 8-byte aligned and
 * start with LENGTH and TYPE. This helper only reads the rings, never writes them.
 *
 * Both connections are handed over (taken with firstValueFrom): they stay open until the test closes them, whatever
 * subscriptions come and go, and the listen side stops listening (and unlinks the name) once its client is in.
 * `withInProcessChannel` closes them after each test, requires both to end, and checks that the name is gone, so
 * nothing keeps the process alive after the test file.
 */
import { Subject, firstValueFrom, takeUntil, type Observable } from 'rxjs';
import {
  connect,
  listen,
  type ChannelOptions,
  type Connection,
  type ConnectionEnd,
  type ListenOptions,
} from '../../src/index.js';
import { createFakeNative, type NativeApi, type Segment } from '../../src/native/index.js';
import {
  READ_POSITION_OFFSET,
  RECORD_HEADER_LENGTH,
  RECORD_TYPE_MESSAGE,
  RECORD_TYPE_OFFSET,
  RING_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
  readChannelSegment,
} from '../../src/layout/index.js';
import { FrameKind, readFrameKind } from '../../src/codecs/index.js';

/** Real milliseconds a settle, an open or a close may take before the test fails (nothing here is slow). */
const LIMIT_MS = 5_000;
/** Rings small enough for many pairs per file, large enough that no test fills one. */
const RING_CAPACITY = 64 * 1024;

/** One end of the pair, named by its role. */
export type Side = 'server' | 'client';

/** Options of each end (the fake backend and the ring capacity are set here). */
export interface InProcessChannelOptions {
  readonly server?: Omit<ListenOptions, 'native'>;
  readonly client?: Omit<ChannelOptions, 'native'>;
}

/** A connected pair in this process. */
export interface InProcessChannel {
  readonly name: string;
  /** The fake backend both ends use (liveness asks it whether the peer process exists). */
  readonly native: NativeApi;
  readonly server: Connection;
  readonly client: Connection;
  /** Resolves once every frame sent so far was read and handled; rejects after LIMIT_MS real ms. */
  settle(): Promise<void>;
  /**
   * `side` keeps a Data frame unread on purpose (it has no receive subscriber and a highWaterMark of 0): until
   * `hold(side, false)`, its receive ring counts as quiet when a Data frame is at its head.
   */
  hold(side: Side, on: boolean): void;
  /** Closes both sides; resolves with how each ended, rejects if one does not end (then aborts both). */
  close(): Promise<{ server: ConnectionEnd; client: ConnectionEnd }>;
}

let opened = 0;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Rejects with `what` after `ms` unless `promise` settles first; the timer never outlives it. */
async function within<T>(promise: Promise<T>, what: string, ms = LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a connected pair over a fresh fake backend.
 * @example
 * const channel = await openInProcessChannel();
 * channel.client.next(new Uint8Array([1]));
 * await channel.settle(); // the server has handled it
 * await channel.close();
 */
export async function openInProcessChannel(options: InProcessChannelOptions = {}): Promise<InProcessChannel> {
  const native = createFakeNative();
  const name = `vt-${process.pid}-${++opened}`;
  const common = { native, ringCapacity: RING_CAPACITY };
  // Taking the first connection hands it over; `abandon` stops listening and connecting if the pair never forms.
  const abandon = new Subject<void>();
  const first = (source: Observable<Connection>): Promise<Connection> =>
    firstValueFrom(source.pipe(takeUntil(abandon)));
  const accepted = first(listen(name, { ...common, ...options.server }));
  // listen created the segment synchronously: map it now, before the name is unlinked, to watch the rings.
  const segment = native.segments.open(`rxshm.${name}`); // docs/LAYOUT.md, "Names"
  let joined: Promise<Connection> | undefined;
  try {
    joined = first(connect(name, { ...common, ...options.client }));
    const [server, client] = await within(Promise.all([accepted, joined]), `channel ${name} did not connect`);
    return pairOf(name, native, segment, server, client);
  } catch (error) {
    abandon.next();
    for (const half of [accepted, joined])
      half?.then(
        (c) => c.error(new Error('the pair never formed')),
        () => undefined,
      );
    segment.close();
    throw error;
  }
}

function pairOf(
  name: string,
  native: NativeApi,
  segment: Segment,
  server: Connection,
  client: Connection,
): InProcessChannel {
  const layout = readChannelSegment(segment.buffer);
  const holding = new Set<Side>();
  const rings = [
    {
      reader: client,
      side: 'client' as Side,
      ring: ringWatch(segment.buffer, layout.serverToClient, layout.ringCapacity),
    },
    {
      reader: server,
      side: 'server' as Side,
      ring: ringWatch(segment.buffer, layout.clientToServer, layout.ringCapacity),
    },
  ];
  const quiet = (): boolean =>
    server.stats.queued === 0 &&
    client.stats.queued === 0 &&
    rings.every(
      ({ reader, side, ring }) => reader.ended || ring.unread() === 0 || (holding.has(side) && ring.headIsData()),
    );
  const describe = (): string =>
    rings.map(({ side, ring }) => `${ring.unread()} bytes unread by the ${side}`).join(', ') +
    `, queued: server ${server.stats.queued}, client ${client.stats.queued}`;
  return {
    name,
    native,
    server,
    client,
    async settle() {
      const deadline = performance.now() + LIMIT_MS;
      // At least one turn: deferred publishes (a microtask) and scheduled pumps run before the first look.
      do {
        await turn();
        if (performance.now() > deadline)
          throw new Error(`channel ${name} did not settle within ${LIMIT_MS} ms: ${describe()}`);
      } while (!quiet());
    },
    hold(side, on) {
      if (on) holding.add(side);
      else holding.delete(side);
    },
    async close() {
      server.complete();
      client.complete();
      let ends;
      try {
        ends = await within(
          Promise.all([firstValueFrom(server.end$), firstValueFrom(client.end$)]),
          `channel ${name} did not end after both sides closed (something still uses it)`,
        );
      } catch (error) {
        const teardown = new Error('aborted by the test teardown');
        server.error(teardown);
        client.error(teardown);
        throw error;
      } finally {
        segment.close();
      }
      if (nameExists(native, name)) throw new Error(`channel ${name}: its segment name was not unlinked`);
      return { server: ends[0], client: ends[1] };
    },
  };
}

/** Reads a ring's positions and head record, never writing (docs/LAYOUT.md, "Ring"). */
function ringWatch(
  buffer: ArrayBuffer,
  ringOffset: number,
  capacity: number,
): { unread(): number; headIsData(): boolean } {
  const header = new Int32Array(buffer, ringOffset, RING_HEADER_LENGTH / 4);
  const view = new DataView(buffer);
  const read = (): number => Atomics.load(header, READ_POSITION_OFFSET / 4) >>> 0;
  return {
    unread: () => ((Atomics.load(header, WRITE_POSITION_OFFSET / 4) >>> 0) - read()) >>> 0,
    headIsData: () => {
      const record = ringOffset + RING_HEADER_LENGTH + (read() & (capacity - 1));
      // A padding record at the wrap is not a held message: its reader skips it.
      if (view.getUint16(record + RECORD_TYPE_OFFSET, true) !== RECORD_TYPE_MESSAGE) return false;
      return readFrameKind(view, record + RECORD_HEADER_LENGTH) === FrameKind.Data;
    },
  };
}

function nameExists(native: NativeApi, name: string): boolean {
  try {
    native.segments.peek(`rxshm.${name}`, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `body` with a fresh pair and always closes it afterwards: the test fails if a side does not end once both
 * closed, or if `body` does not finish within `ms` real milliseconds.
 * @example
 * test('...', () => withInProcessChannel(async ({ server, client, settle }) => { ... }));
 */
export async function withInProcessChannel<T>(
  body: (channel: InProcessChannel) => Promise<T>,
  options: InProcessChannelOptions = {},
  ms = 20_000,
): Promise<T> {
  const channel = await openInProcessChannel(options);
  let result: T;
  try {
    result = await within(body(channel), 'the test body did not finish', ms);
  } catch (error) {
    await channel.close().catch(() => undefined); // the body's failure is the one to report
    throw error;
  }
  await channel.close();
  return result;
}
