/**
 * How what the engine reads and what happens to it reach the parts of a Connection: Data to the receive side,
 * control frames to the router, the peer's Close, the end or failure to the ending, writability to the send side.
 *
 * Invariants relied on: the engine calls the sink synchronously from its drain, in ring order, and calls `ended` or
 * `failed` exactly once, after which it calls nothing more.
 */
import type { FrameSink } from '../engine/frame-sink.js';
import type { ConnectionEnding } from './connection-ending.js';
import type { ConnectionOwnership } from './connection-ownership.js';
import type { ControlRouter } from './control-router.js';
import type { ReceivePath } from './receive-path.js';
import type { SendPath } from './send-path.js';

/** The parts of a Connection the engine's events go to. */
export interface SinkParts {
  readonly receiving: ReceivePath;
  readonly sending: SendPath;
  readonly control: ControlRouter;
  readonly ownership: ConnectionOwnership;
  readonly ending: ConnectionEnding;
}

/** The FrameSink of a Connection made of `parts`. */
export function connectionSink({ receiving, sending, control, ownership, ending }: SinkParts): FrameSink {
  return {
    dataMode: () => receiving.mode(),
    data: (payload) => receiving.accept(payload),
    batchTarget: () => receiving.batchTarget(),
    batched: (messages, bytes) => receiving.batched(messages, bytes),
    drainEnded: () => receiving.drainEnded(),
    control: (header, payload) => control.dispatch(header, payload),
    closed: () => {
      control.closedByPeer();
      receiving.end(null);
      ownership.checkIdle();
    },
    failed: (error) => ending.finish(error, 'peer'),
    ended: () => ending.finish(null, control.peerClosed ? 'both' : 'self'),
    writableChanged: (writable) => sending.writableChanged(writable),
  };
}
