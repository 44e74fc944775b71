/**
 * What a WaitLoop needs from its engine (wait-loop.ts): the engine's state and its ways to end. Process-local: no
 * shared memory is read here.
 */

/** What the wait loop needs from its engine (implemented by ChannelEngine). */
export interface WaitLoopHost {
  /** True once the engine is disposed: no more looks. */
  disposed(): boolean;
  /** After the spin: ends the engine if it is done (peer gone, or Close sent and nothing more to wait for). */
  settle(): boolean;
  /** The re-check before parking found something: ends the engine if Close went both ways; true if it did. */
  endIfClosed(): boolean;
  /** A look threw (a malformed frame, a corrupt ring): the connection fails. */
  fail(error: Error): void;
  /** Decide again whether the doorbell keeps the process alive. */
  keepAlive(): void;
}
