/**
 * The pending requests of one connection: allocates correlation ids and routes Response/Error frames to exactly
 * the request that owns the id. Ids increase monotonically (wrapping after 2^32 - 1, skipping 0 and ids still
 * pending), so a response that arrives after its request timed out or was cancelled finds no owner: it is dropped
 * and counted, never delivered to another caller.
 *
 * While any request is pending the table holds one `retain()` of its connection (taken by the first, let go when
 * the table empties, before the last request hears its end), so pending requests keep their side open without a
 * retain per call.
 *
 * Invariants relied on: the peer echoes a Request's correlation id in its Response or Error and sends at most one
 * answer per id; after its Close it sends nothing more, so every request still pending then fails at once.
 */
import { FrameKind } from '../../codecs/index.js';
import type { ControlRouter } from '../connection/control-router.js';

/** Slots a table starts with (a power of two); it doubles while more than half are taken. */
const INITIAL_SLOTS = 64;

/** What a pending request is told. */
export interface PendingRequest {
  response(payload: Uint8Array): void;
  error(status: number, payload: Uint8Array): void;
  failed(error: Error): void;
}

/** What keeps a connection's side open: `retain()` until the returned function runs. */
export interface RetainSide {
  retain(): () => void;
}

/** The correlation ids of one connection's requests in flight, and who waits for each answer. */
export class RequestTable {
  /** The request in each slot (undefined: free) and the id it was given. */
  private slots: (PendingRequest | undefined)[] = new Array<PendingRequest | undefined>(INITIAL_SLOTS).fill(undefined);
  private ids = new Uint32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;
  private next = 1;
  /** Lets go of the side while the table is not empty (held since the first add that named a side). */
  private release: (() => void) | null = null;

  /** @internal Tests only: the id the next `add()` tries first (wrap-around is tested without 2^32 requests). */
  set nextId(id: number) {
    this.next = id >>> 0;
  }

  constructor(
    router: ControlRouter,
    private readonly onLate: () => void,
    private readonly peerClosedError: () => Error,
  ) {
    router.on(FrameKind.Response, (header, payload) => this.take(header.correlation)?.response(payload));
    router.on(FrameKind.Error, (header, payload) => this.take(header.correlation)?.error(header.status, payload));
    router.onFail((error) => this.failAll(error));
    // The peer's Close promises nothing more will come: no pending request can be answered.
    router.onPeerClose(() => this.failAll(this.peerClosedError()));
  }

  private failAll(error: Error): void {
    const all: PendingRequest[] = [];
    for (let slot = 0; slot <= this.mask; slot++) {
      const request = this.slots[slot];
      if (request === undefined) continue;
      all.push(request);
      this.slots[slot] = undefined;
    }
    this.count = 0;
    this.letGoIfEmpty(); // before the requests hear it, so one that retries at once holds the side again
    for (const request of all) request.failed(error);
  }

  /** Requests in flight. */
  get size(): number {
    return this.count;
  }

  /**
   * Registers `request` under a fresh id and returns the id. With `side`, the table holds `side.retain()` until it
   * is empty again (one retain for all pending requests).
   */
  add(request: PendingRequest, side?: RetainSide): number {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    let id = this.next;
    // Fewer than half the slots are taken, so a free one comes within a few ids.
    while (id === 0 || this.slots[id & this.mask] !== undefined) id = (id + 1) >>> 0;
    this.next = (id + 1) >>> 0;
    const slot = id & this.mask;
    this.slots[slot] = request;
    this.ids[slot] = id;
    this.count++;
    if (side && this.release === null) this.release = side.retain();
    return id;
  }

  /** Forgets `id` (answered, timed out or cancelled). */
  delete(id: number): boolean {
    if (this.remove(id) === undefined) return false;
    this.letGoIfEmpty();
    return true;
  }

  /** Takes `id`'s request out of its slot; undefined if no pending request has that id. */
  private remove(id: number): PendingRequest | undefined {
    const slot = id & this.mask;
    const request = this.slots[slot];
    if (request === undefined || this.ids[slot] !== id >>> 0) return undefined;
    this.slots[slot] = undefined;
    this.count--;
    return request;
  }

  /**
   * Doubles the slots. No two pending ids can meet in the larger table: ids that agree on the wider mask agree on the
   * narrower one, where they had different slots.
   */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    const slots = new Array<PendingRequest | undefined>(size).fill(undefined);
    const ids = new Uint32Array(size);
    for (let slot = 0; slot <= this.mask; slot++) {
      const request = this.slots[slot];
      if (request === undefined) continue;
      const id = this.ids[slot]!;
      slots[id & (size - 1)] = request;
      ids[id & (size - 1)] = id;
    }
    this.slots = slots;
    this.ids = ids;
    this.mask = size - 1;
  }

  /** No request is pending: let go of the side. */
  private letGoIfEmpty(): void {
    const release = this.release;
    if (release === null || this.count > 0) return;
    this.release = null;
    release();
  }

  private take(id: number): PendingRequest | undefined {
    const request = this.remove(id);
    if (request === undefined) {
      this.onLate();
      return undefined;
    }
    this.letGoIfEmpty(); // before the answer is delivered, so a caller that sends again at once holds the side again
    return request;
  }
}
