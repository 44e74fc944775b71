/**
 * liveness() in virtual time over an in-process channel, with real LivenessCheck / Alive frames: a check every
 * interval, each answered in its frame; a peer that stops reading (its ring held by a Data frame nobody takes) is
 * unresponsive at the first missed deadline and alive again in the frame it reads; an exited peer process and the
 * peer's Close end the stream. The server's livenessChecks$ shows which checks it answered, and when they stopped.
 * 1 frame = 1 ms; a frame sent at t is handled at t (see test/helpers/in-process-channel.ts).
 */
import { suite } from 'uvu';
import { defer, ignoreElements, tap } from 'rxjs';
import { liveness } from '../../../src/index.js';
import type { NativeApi } from '../../../src/native/index.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { SettlingScheduler } from '../../helpers/settling-scheduler.js';

const test = suite('liveness (virtual time)');

const states = { a: 'alive', u: 'unresponsive', x: 'exited' } as const;
const checks = { a: 1, b: 2, c: 3, d: 4 };
/** A check every 10 ms, each with a deadline 5 ms later. */
const TIMING = { interval: 10, timeout: 5 };

test('a peer that answers: alive in frame 0, one check per interval; unsubscribing stops the checks', () =>
  withInProcessChannel(async ({ server, client, settle, native }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const connections = cold('a', { a: client });
      expectObservable(connections.pipe(liveness({ ...TIMING, scheduler, native })), '^ 34ms !').toBe('a', states);
      expectObservable(server.livenessChecks$, '^ 59ms !').toBe('a 9ms b 9ms c 9ms d', checks);
      expectSubscriptions(connections.subscriptions).toBe('^ 34ms !');
    });
  }));

test('a peer that stops reading is unresponsive at the first missed deadline, alive again in the frame it reads', () =>
  withInProcessChannel(
    async ({ server, client, settle, hold, native }) => {
      const scheduler = new SettlingScheduler();
      const message = new Uint8Array([7]);
      // The server has no subscriber and a backlog of 0 bytes: the Data frame stays at the head of its ring, and
      // the checks queued behind it wait too.
      hold('server', true);
      await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
        const sent = cold('(m|)', { m: message });
        expectObservable(
          sent.pipe(
            tap((bytes) => client.next(bytes)),
            ignoreElements(),
          ),
        ).toBe('|');
        const connections = cold('a', { a: client });
        expectObservable(connections.pipe(liveness({ ...TIMING, scheduler, native })), '^ 34ms !').toBe(
          '5ms u 16ms a',
          states,
        );
        const reading = defer(() => {
          hold('server', false);
          return server;
        });
        expectObservable(reading, '22ms ^ 10ms !').toBe('22ms m', { m: message });
        // Checks 1 to 3 (sent at 0, 10, 20) are answered together at 22; check 4 in its own frame.
        expectObservable(server.livenessChecks$, '^ 39ms !').toBe('22ms (abc) 3ms d', checks);
        expectSubscriptions(sent.subscriptions).toBe('(^!)');
        expectSubscriptions(connections.subscriptions).toBe('^ 34ms !');
      });
    },
    { server: { highWaterMark: 0 } },
  ));

test('the peer process exits: exited at the next deadline, then complete; no check after that', () =>
  withInProcessChannel(async ({ server, client, settle, native }) => {
    const scheduler = new SettlingScheduler();
    let gone = false;
    const os: NativeApi = {
      ...native,
      processes: { state: () => (gone ? 'exited' : 'running'), yieldCpu: () => undefined },
    };
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const exit = cold('13ms |');
      expectObservable(exit.pipe(tap({ complete: () => (gone = true) }))).toBe('13ms |');
      const connections = cold('(a|)', { a: client });
      // The deadline at 15 (of the check at 10) finds the process gone.
      expectObservable(connections.pipe(liveness({ ...TIMING, scheduler, native: os }))).toBe('a 14ms (x|)', states);
      expectObservable(server.livenessChecks$, '^ 39ms !').toBe('a 9ms b', checks);
      expectSubscriptions(connections.subscriptions).toBe('(^!)');
      expectSubscriptions(exit.subscriptions).toBe('^ 12ms !');
    });
  }));

test("the peer's Close completes liveness in the frame it arrives, without a state", () =>
  withInProcessChannel(async ({ server, client, settle, native }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const closing = cold('12ms |');
      expectObservable(closing.pipe(tap({ complete: () => server.complete() }))).toBe('12ms |');
      const connections = cold('(a|)', { a: client });
      expectObservable(connections.pipe(liveness({ ...TIMING, scheduler, native }))).toBe('a 11ms |', states);
      expectObservable(server.livenessChecks$, '^ 39ms !').toBe('a 9ms b', checks);
      expectSubscriptions(closing.subscriptions).toBe('^ 11ms !');
    });
  }));

test.run();
