/**
 * Routes control frames (everything but Data and Close) of one connection: answers LivenessCheck with Alive
 * itself, and hands the rest to whoever registered for them (request/serve/liveness operators).
 */
import { FrameKind } from '../codecs/index.js';

/** What a registered handler receives. */
export type ControlHandler = (kind: number, status: number, correlation: number, method: number, payload: Uint8Array) => void;

/** The few methods of Connection the router needs (kept narrow to avoid an import cycle). */
export interface ControlSender {
  sendFrame(kind: number, status: number, correlation: number, method: number, payload: Uint8Array): boolean;
}

export class ControlRouter {
  private readonly handlers = new Map<number, Set<ControlHandler>>();
  private readonly failures = new Set<(error: Error) => void>();

  constructor(private readonly sender: ControlSender) {}

  /** Registers `handler` for frames of `kind`; returns the unregister function. */
  on(kind: number, handler: ControlHandler): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Registers a callback for the end of the connection (clean or not); returns the unregister function. */
  onFail(callback: (error: Error) => void): () => void {
    this.failures.add(callback);
    return () => this.failures.delete(callback);
  }

  /** Whether anyone listens for `kind`. */
  has(kind: number): boolean {
    return (this.handlers.get(kind)?.size ?? 0) > 0;
  }

  dispatch(kind: number, status: number, correlation: number, method: number, payload: Uint8Array): void {
    if (kind === FrameKind.LivenessCheck) {
      this.sender.sendFrame(FrameKind.Alive, 0, correlation, 0, new Uint8Array(0));
    }
    const set = this.handlers.get(kind);
    if (set) for (const handler of [...set]) handler(kind, status, correlation, method, payload);
  }

  /** The connection ended: tell everyone waiting, once. */
  fail(error: Error): void {
    const callbacks = [...this.failures];
    this.failures.clear();
    for (const callback of callbacks) callback(error);
  }
}
