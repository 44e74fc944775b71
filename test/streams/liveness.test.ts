/**
 * liveness(): the peer's state across real processes (SIGSTOP, SIGCONT, SIGKILL of rpc-server.ts), and the
 * timing logic of peerStates() as marble tests over a fake LivenessProbe.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connect, listen, liveness, peerStates, type LivenessProbe, type PeerState } from '../../src/index.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { Opened, receive } from '../helpers/connections.js';
import { until, within } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const real = suite('liveness (real processes)');

real('SIGSTOP: unresponsive within two intervals; SIGCONT: alive again; SIGKILL: exited', () =>
  watched(30_000, async (watch) => {
    const INTERVAL = 300;
    const name = channelName();
    const listening = new Opened(listen(name));
    watch.defer(() => listening.close());
    const child = watch.child(['test/fixtures/rpc-server.ts', 'connect', name, '{}']);
    const connection = await listening.connection();
    await child.next('ready');
    const states: { state: PeerState; at: number }[] = [];
    let completed = false;
    const subscription = of(connection)
      .pipe(liveness({ interval: INTERVAL, timeout: 200 }))
      .subscribe({
        next: (state) => states.push({ state, at: performance.now() }),
        complete: () => (completed = true),
      });
    watch.defer(() => subscription.unsubscribe());
    const after = (since: number, state: PeerState) => states.find((s) => s.at >= since && s.state === state);
    await until(() => states.length > 0, 'the first state');
    assert.is(states[0]!.state, 'alive');

    const stoppedAt = performance.now();
    child.kill('SIGSTOP');
    await until(() => after(stoppedAt, 'unresponsive') !== undefined, 'unresponsive');
    const unresponsive = after(stoppedAt, 'unresponsive')!;
    assert.ok(
      unresponsive.at - stoppedAt <= 2 * INTERVAL,
      `unresponsive ${Math.round(unresponsive.at - stoppedAt)} ms after SIGSTOP`,
    );

    const continuedAt = performance.now();
    child.kill('SIGCONT');
    await until(() => after(continuedAt, 'alive') !== undefined, 'alive after SIGCONT');

    const killedAt = performance.now();
    child.kill('SIGKILL');
    await until(() => completed, 'liveness to complete');
    assert.is(states.at(-1)!.state, 'exited');
    assert.ok(states.at(-1)!.at >= killedAt);
    assert.equal(
      states.map((s) => s.state),
      ['alive', 'unresponsive', 'alive', 'exited'],
    );
  }),
);

real("subscribed after the peer's Close, liveness completes without emitting 'unresponsive'", () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = listen(name).subscribe((c) => c.complete()); // the server half-closes and keeps running
    scope.defer(() => server.unsubscribe());
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    const ending = await within(receive(connection).ended, 3000, "the server's Close");
    assert.is(ending.how, 'complete');
    const states: PeerState[] = [];
    const done = await within(
      new Promise<{ how: 'complete' | 'error'; error?: unknown }>((resolve) => {
        const subscription = of(connection)
          .pipe(liveness({ interval: 100, timeout: 80 }))
          .subscribe({
            next: (s) => states.push(s),
            complete: () => resolve({ how: 'complete' }),
            error: (error) => resolve({ how: 'error', error }),
          });
        scope.defer(() => subscription.unsubscribe());
      }),
      2000,
      'liveness completing',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; states so far ${JSON.stringify(states)}`);
    });
    assert.is(done.how, 'complete', String(done.error));
    assert.not.ok(
      states.includes('unresponsive'),
      `a peer that closed is not 'unresponsive': ${JSON.stringify(states)}`,
    );
  }),
);

real('leaves no rxshm.* segment in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

real.run();

/**
 * Marbles: 1 frame = 1 ms; checks every 10 ms (at 0, 10, 20, ...), each with a deadline 5 ms later.
 * `alive` marbles are the peer's Alive frames; `end` marbles are onEnd(exited); `gone` marbles make exited() true.
 */
const marbles = suite('peerStates (marbles)');
const values = { a: 'alive', u: 'unresponsive', x: 'exited' } as const;

function fakeProbe(
  alive$: Observable<unknown>,
  end$: Observable<boolean>,
  exited: () => boolean = () => false,
): { probe: LivenessProbe; checks: number[] } {
  const checks: number[] = [];
  const probe: LivenessProbe = {
    check: (correlation) => void checks.push(correlation),
    onAlive: (callback) => {
      const s = alive$.subscribe(() => callback());
      return () => s.unsubscribe();
    },
    onEnd: (callback) => {
      const s = end$.subscribe((e) => callback(e));
      return () => s.unsubscribe();
    },
    exited,
  };
  return { probe, checks };
}

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected));

marbles('alive on the first Alive; repeated Alives emit nothing more; unsubscribe tears everything down', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const alive = hot('--a-----a--a--a');
    const end = hot<boolean>('');
    const { probe, checks } = fakeProbe(alive, end);
    expectObservable(peerStates(probe, { interval: 10, timeout: 5, scheduler: ts }), '^ 14ms !').toBe('--a', values);
    expectSubscriptions(alive.subscriptions).toBe('^ 14ms !');
    expectSubscriptions(end.subscriptions).toBe('^ 14ms !');
    ts.flush();
    assert.equal(checks, [1, 2], 'checks at 0 and 10 only: the timers stopped at the unsubscribe');
  });
});

marbles('unresponsive when a deadline passes without Alive; alive again on a late Alive', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    // Alives at 2 and 12 answer the checks at 0 and 10; the check at 20 gets none by 25; an Alive comes at 27.
    const alive = hot('--a 9ms a 14ms a');
    expectObservable(
      peerStates(fakeProbe(alive, hot<boolean>('')).probe, { interval: 10, timeout: 5, scheduler: ts }),
      '^ 29ms !',
    ).toBe('--a 22ms u-a', values);
  });
});

marbles('never alive: the first state is unresponsive at the first deadline', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    expectObservable(
      peerStates(fakeProbe(hot(''), hot<boolean>('')).probe, { interval: 10, timeout: 5, scheduler: ts }),
      '^ 29ms !',
    ).toBe('-----u', values);
  });
});

marbles('exited when probe.exited() turns true (at the next deadline or check), then completes', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    let gone = false;
    const alive = hot('--a');
    ts.schedule(() => (gone = true), 13);
    // The deadline at 15 sees the process gone.
    expectObservable(
      peerStates(fakeProbe(alive, hot<boolean>(''), () => gone).probe, { interval: 10, timeout: 5, scheduler: ts }),
    ).toBe('--a 12ms (x|)', values);
    expectSubscriptions(alive.subscriptions).toBe('^ 14ms !');
  });
});

marbles('exited when onEnd(true); completes without a state on onEnd(false)', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const alive = hot('--a');
    const died = hot<boolean>('-------t', { t: true });
    expectObservable(peerStates(fakeProbe(alive, died).probe, { interval: 10, timeout: 5, scheduler: ts })).toBe(
      '--a----(x|)',
      values,
    );
    expectSubscriptions(died.subscriptions).toBe('^------!');
    const closed = hot<boolean>('-------f', { f: false });
    expectObservable(peerStates(fakeProbe(alive, closed).probe, { interval: 10, timeout: 5, scheduler: ts })).toBe(
      '--a----|',
      values,
    );
    expectSubscriptions(closed.subscriptions).toBe('^------!');
  });
});

marbles('no duplicate emissions while unresponsive for many intervals', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const alive = hot('--a 50ms a');
    // Deadlines at 15, 25, 35, 45 all miss: one `unresponsive`; the Alive at 53 brings `alive` back once.
    expectObservable(
      peerStates(fakeProbe(alive, hot<boolean>('')).probe, { interval: 10, timeout: 5, scheduler: ts }),
      '^ 59ms !',
    ).toBe('--a 12ms u 37ms a', values);
  });
});

marbles('liveness(): bad configuration throws at creation', () => {
  assert.throws(() => liveness({ interval: 0 }), /interval and timeout must be > 0/);
  assert.throws(() => liveness({ interval: 10, timeout: -1 }), /interval and timeout must be > 0/);
});

marbles.run();
