/**
 * One `process.on('exit')` hook for every engine and sender of this process, instead of one per module.
 *
 * Invariants relied on: exit callbacks run synchronously, in the order they were registered (a sender before the
 * engine that owns it), after the last event-loop turn; nothing asynchronous runs afterwards, so a callback must
 * finish its work (publish, write Close, set a close bit) before it returns, and must never throw: an exception out
 * of an exit hook changes the exit code and prints a stack.
 */

/** Called with the exit code while the process exits. */
export type ExitCallback = (code: number) => void;

const callbacks = new Set<ExitCallback>();
let installed = false;

/** Runs `callback` when the process exits, unless the returned function was called first. */
export function atProcessExit(callback: ExitCallback): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', (code) => {
      for (const run of callbacks) run(code);
    });
  }
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}
