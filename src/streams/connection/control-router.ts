/**
 * Routes control frames (everything but Data and Close) of one connection: answers LivenessCheck with Alive
 * itself, and hands the rest to whoever registered for them (request/serve/liveness operators).
 * Requests that arrive before anyone serves wait here (up to MAX_WAITING_REQUESTS, in order) for `serve` to take
 * them; beyond that they are answered Error `Unavailable`, so no request is silently lost.
 *
 * Invariants relied on: frames arrive in ring order, one at a time, each with a header object and payload copy
 * of its own (handlers may keep them); the peer's Close and the end are told once, and to late registrations at once.
 */
import { FrameKind, Status } from '../../codecs/index.js';
import { EMPTY_PAYLOAD, type FrameFields } from '../engine/frame-fields.js';

/** What a registered handler receives: the frame's header and a copy of its payload. */
export type ControlHandler = (header: FrameFields, payload: Uint8Array) => void;

/** The few methods of Connection the router needs (kept narrow to avoid an import cycle). */
export interface ControlSender {
  sendFrame(header: FrameFields, payload: Uint8Array): unknown;
}

/** Most requests kept while nobody serves. */
export const MAX_WAITING_REQUESTS = 1024;

/** A request kept until someone serves. */
export interface WaitingRequest {
  readonly correlation: number;
  readonly method: number;
  readonly payload: Uint8Array;
}

const UNAVAILABLE = new TextEncoder().encode('nobody serves requests on this connection');

/** The control-frame switchboard of one connection: handlers by frame kind, requests kept until served, ends told. */
export class ControlRouter {
  /**
   * Handlers by frame kind (an array indexed by the kind, a small integer: no Map lookup per frame). Each list is
   * replaced, never changed, on (un)register, so a dispatch walks the list it started with (a handler removed
   * meanwhile still sees that frame; one added sees the next) without a copy per frame.
   */
  private readonly handlers: (readonly ControlHandler[] | undefined)[] = [];
  private readonly failures = new Set<(error: Error) => void>();
  private readonly peerCloses = new Set<() => void>();
  private waiting: WaitingRequest[] = [];
  /** The peer sent Close: it will send nothing more (no response, no Alive). */
  peerClosed = false;

  constructor(private readonly sender: ControlSender) {}

  /** Registers `handler` for frames of `kind`; returns the unregister function. */
  on(kind: number, handler: ControlHandler): () => void {
    const list = this.handlers[kind] ?? [];
    if (!list.includes(handler)) this.handlers[kind] = [...list, handler];
    return () => {
      const current = this.handlers[kind] ?? [];
      if (current.includes(handler)) this.handlers[kind] = current.filter((h) => h !== handler);
    };
  }

  /**
   * Registers a callback for the end of the connection (clean or not); returns the unregister function.
   * Registered after the end, it is called at once: a late `serve` or `liveness` must not wait forever.
   */
  onFail(callback: (error: Error) => void): () => void {
    if (this.ended) {
      callback(this.ended);
      return () => undefined;
    }
    this.failures.add(callback);
    return () => this.failures.delete(callback);
  }

  /** Registers a callback for the peer's Close (called at once if it already came); returns the unregister function. */
  onPeerClose(callback: () => void): () => void {
    if (this.peerClosed) {
      callback();
      return () => undefined;
    }
    this.peerCloses.add(callback);
    return () => this.peerCloses.delete(callback);
  }

  /** How the connection ended, once it has. */
  private ended: Error | null = null;

  /** Whether anyone listens for `kind`. */
  has(kind: number): boolean {
    return (this.handlers[kind]?.length ?? 0) > 0;
  }

  /** Takes the requests that arrived while nobody served (serve replays them in order). */
  takeWaitingRequests(): WaitingRequest[] {
    const waiting = this.waiting;
    this.waiting = [];
    return waiting;
  }

  /** Routes one control frame: answers LivenessCheck, then hands it to its handlers (or keeps a Request). */
  dispatch(header: FrameFields, payload: Uint8Array): void {
    const { kind, correlation } = header;
    if (kind === FrameKind.LivenessCheck) {
      this.sender.sendFrame({ kind: FrameKind.Alive, status: 0, correlation, method: 0 }, EMPTY_PAYLOAD);
    }
    const list = this.handlers[kind];
    if (list !== undefined && list.length > 0) {
      for (let i = 0; i < list.length; i++) list[i]!(header, payload);
      return;
    }
    if (kind === FrameKind.Request) this.keep({ correlation, method: header.method, payload });
    if (kind === FrameKind.Cancel) this.waiting = this.waiting.filter((r) => r.correlation !== correlation);
  }

  /** The peer sent Close: tell everyone waiting for its frames, once. */
  closedByPeer(): void {
    if (this.peerClosed) return;
    this.peerClosed = true;
    const callbacks = [...this.peerCloses];
    this.peerCloses.clear();
    for (const callback of callbacks) callback();
  }

  /** The connection ended: tell everyone waiting, once. */
  fail(error: Error): void {
    this.ended ??= error;
    const callbacks = [...this.failures];
    this.failures.clear();
    this.waiting = [];
    for (const callback of callbacks) callback(error);
  }

  private keep(request: WaitingRequest): void {
    if (this.waiting.length < MAX_WAITING_REQUESTS) this.waiting.push(request);
    else {
      const header = { kind: FrameKind.Error, status: Status.Unavailable, correlation: request.correlation, method: 0 };
      this.sender.sendFrame(header, UNAVAILABLE);
    }
  }
}
