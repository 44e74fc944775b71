/**
 * The local queue of frames waiting for room in the ring (overflow policy `block`). Process-local only.
 *
 * Invariants relied on: entries keep their order, and a frame is written only after every frame queued before it
 * (the Sender flushes the queue before any new frame); payloads are copied on entry (by the Sender, into pooled
 * buffers it takes back only once the frame is written: buffer-pool.ts), since the caller may reuse its buffer after
 * `next`; headers are kept as given (FrameFields are never mutated).
 */
import type { FrameFields } from './frame-fields.js';

/** A frame waiting to be written, with the callbacks of a `send()` that waits for it. */
export interface QueuedFrame {
  /** The caller's header object, kept as is (FrameFields are never mutated). */
  readonly header: FrameFields;
  readonly payload: Uint8Array;
  readonly done?: (error?: Error) => void;
}

/** FIFO of QueuedFrame with O(1) push and shift, tracking the queued payload bytes. */
export class SendQueue {
  private items: (QueuedFrame | undefined)[] = [];
  private head = 0;
  /** Payload bytes queued. */
  bytes = 0;

  /** Frames queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `frame` behind the others. */
  push(frame: QueuedFrame): void {
    this.items.push(frame);
    this.bytes += frame.payload.length;
  }

  /** The oldest frame, left in the queue. */
  peek(): QueuedFrame | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the oldest frame. */
  shift(): QueuedFrame | undefined {
    const frame = this.items[this.head];
    if (frame === undefined) return undefined;
    this.items[this.head++] = undefined;
    this.bytes -= frame.payload.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Empties the queue, failing every waiting send with `error`. */
  clear(error: Error): void {
    for (let frame = this.shift(); frame; frame = this.shift()) frame.done?.(error);
  }
}
