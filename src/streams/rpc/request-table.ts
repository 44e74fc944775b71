/**
 * The pending requests of one connection: allocates correlation ids and routes Response/Error frames to exactly
 * the request that owns the id. Ids increase monotonically (wrapping after 2^32 - 1, skipping 0 and ids still
 * pending), so a response that arrives after its request timed out or was cancelled finds no owner: it is dropped
 * and counted, never delivered to another caller.
 *
 * Invariants relied on: the peer echoes a Request's correlation id in its Response or Error and sends at most one
 * answer per id; after its Close it sends nothing more, so every request still pending then fails at once.
 */
import { FrameKind } from '../../codecs/index.js';
import type { ControlRouter } from '../connection/control-router.js';

/** What a pending request is told. */
export interface PendingRequest {
  response(payload: Uint8Array): void;
  error(status: number, payload: Uint8Array): void;
  failed(error: Error): void;
}

/** The correlation ids of one connection's requests in flight, and who waits for each answer. */
export class RequestTable {
  private readonly pending = new Map<number, PendingRequest>();
  private next = 1;

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
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const request of all) request.failed(error);
  }

  /** Requests in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Registers `request` under a fresh id and returns the id. */
  add(request: PendingRequest): number {
    let id = this.next;
    while (id === 0 || this.pending.has(id)) id = (id + 1) >>> 0;
    this.next = (id + 1) >>> 0;
    this.pending.set(id, request);
    return id;
  }

  /** Forgets `id` (answered, timed out or cancelled). */
  delete(id: number): boolean {
    return this.pending.delete(id);
  }

  private take(id: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (!request) {
      this.onLate();
      return undefined;
    }
    this.pending.delete(id);
    return request;
  }
}
