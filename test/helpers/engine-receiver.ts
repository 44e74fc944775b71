/**
 * The receiver kit of the engine unit specs: a Receiver on a fresh in-process ring (test/streams/unit/_rings.ts)
 * delivering to a sink that records what it is given, in order, and whose Data mode the test sets.
 */
import { FrameKind } from '../../src/codecs/index.js';
import type { FrameFields } from '../../src/streams/engine/frame-fields.js';
import type { DataMode, FrameSink } from '../../src/streams/engine/frame-sink.js';
import { Receiver } from '../../src/streams/engine/receiver.js';
import { testRing, type TestRing } from './engine-rings.js';

/** A sink whose Data mode the test sets; it records what it is given, in order. */
export class Sink implements FrameSink {
  mode: DataMode = 'deliver';
  readonly delivered: Uint8Array[] = [];
  readonly events: string[] = [];
  readonly headers: FrameFields[] = [];
  /** Called when the receiver asks for the Data mode (the cursor is then on a Data record). */
  onDataMode: () => void = () => undefined;
  /** Called with each Data payload before it is recorded (a borrowed view is valid only now). */
  onData: (payload: Uint8Array) => void = () => undefined;

  dataMode = (): DataMode => {
    this.onDataMode();
    return this.mode;
  };
  data = (payload: Uint8Array): void => {
    this.onData(payload);
    this.delivered.push(payload.slice());
    this.events.push(`data ${[...payload.subarray(0, 1)]}`);
  };
  /** Set to an array to take whole Batch frames in `batch` mode (FrameSink.batchTarget); null: one `data` each. */
  target: Uint8Array[] | null = null;
  /** What `batched` counted: [messages, bytes] per Batch frame appended to `target`. */
  readonly counted: [number, number][] = [];
  batchTarget = (): Uint8Array[] | null => this.target;
  batched = (messages: number, bytes: number): void => void this.counted.push([messages, bytes]);
  /** How many drains ended after delivering Data (FrameSink.drainEnded). */
  drains = 0;
  drainEnded = (): void => void this.drains++;
  control = (header: FrameFields, payload: Uint8Array): void => {
    this.headers.push(header);
    this.events.push(`control ${header.kind} ${header.correlation} ${[...payload]}`);
  };
  closed = (): void => void this.events.push('closed');
  failed = (error: Error): void => void this.events.push(`failed ${error.message}`);
  ended = (): void => void this.events.push('ended');
  writableChanged = (): void => undefined;
}

/** A receiver on a fresh ring; `rings` counts the bells it rang for the producer. */
export function receiverOnRing(
  options: { capacity?: number; maxMessage?: number; borrow?: boolean; pooled?: boolean; dropOldest?: boolean } = {},
): TestRing & { receiver: Receiver; sink: Sink; rings: () => number } {
  const ring = testRing(options.capacity ?? 1024, options);
  const sink = new Sink();
  let rings = 0;
  const receive = options.borrow === true ? 'borrow' : options.pooled === true ? 'pooled' : 'copy';
  const r = new Receiver('unit', ring.reader, receive, sink, () => rings++);
  return { ...ring, receiver: r, sink, rings: () => rings };
}

/** A Data frame carrying these bytes, as writeRawFrame's arguments. */
export const data = (...bytes: number[]): [{ kind: number }, Uint8Array] => [
  { kind: FrameKind.Data },
  Uint8Array.from(bytes),
];
