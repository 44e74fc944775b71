/**
 * A TestScheduler whose flush awaits real delivery between virtual frames, for marble tests over an in-process
 * channel (see in-process-channel.ts for why frames cannot travel on the virtual clock).
 *
 * `runSettled(settle, body)` runs `body` inside `TestScheduler.run` (so marbles mean 1 frame = 1 ms and `cold`,
 * `hot`, `expectObservable`, `expectSubscriptions` work as usual), but instead of run's synchronous flush it runs
 * the virtual actions one frame at a time: every action due at the earliest pending frame (and those they schedule
 * for that same frame), then `await settle()`, then the next frame. What real delivery schedules on the scheduler
 * meanwhile counts from the current frame. Expectations are checked once no action is left, like `flush` does.
 *
 * Relies on rxjs 7's TestScheduler: `run` ends with `this.flush()`, hot observables are set up at flush, and
 * VirtualTimeScheduler.flush runs the actions due up to `maxFrames`.
 */
import * as assert from 'uvu/assert';
import { VirtualTimeScheduler } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';

/** Virtual frames a run may step through before it is taken for a timer that never stops. */
const MAX_STEPS = 1_000;

/**
 * @example
 * const scheduler = new SettlingScheduler();
 * await scheduler.runSettled(channel.settle, ({ cold, expectObservable }) => {
 *   expectObservable(channel.client.request(bytes, { timeout: 50, scheduler })).toBe('50ms #', undefined, error);
 * });
 */
export class SettlingScheduler extends TestScheduler {
  private deferred = false;

  constructor() {
    super((actual, expected) => assert.equal(actual, expected));
  }

  /** Inside runSettled, run's own flush is skipped: the frames are stepped through afterwards. */
  override flush(): void {
    if (!this.deferred) super.flush();
  }

  /** `run(body)`, then every virtual frame in order with `await settle()` after each; then the expectations. */
  async runSettled(settle: () => Promise<void>, body: (helpers: RunHelpers) => void): Promise<void> {
    this.deferred = true;
    try {
      this.run(body);
    } finally {
      this.deferred = false;
    }
    // What flush does first: hot observables schedule their messages.
    for (const hot of this.hotObservables.splice(0)) hot.setup();
    await settle();
    for (let steps = 0; this.actions.length > 0; steps++) {
      if (steps === MAX_STEPS)
        throw new Error(`still scheduling after ${MAX_STEPS} virtual frames (frame ${this.frame})`);
      this.maxFrames = this.actions[0]!.delay;
      VirtualTimeScheduler.prototype.flush.call(this);
      await settle();
    }
    this.maxFrames = Infinity;
    super.flush(); // nothing left to run: checks every expectation
  }
}
