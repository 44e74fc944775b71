/**
 * Regression tests for the review's reproductions (.scratch/review/t1..t10): each test names the bug it guards and
 * asserts the correct behaviour. Cross-process tests run under the scope's watchdog and their children are killed
 * in `finally`; in-process tests run under one too, so a hang fails instead of stalling the suite. Child scenarios
 * live in test/fixtures/regress-child.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { of, type Subscription } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, ConnectError, ConnectionClosedError, listen, liveness, RingFullError, serve, spawnConnected, type Connection, type PeerState } from '../../src/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { Child, root } from '../helpers/processes.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep, until } from '../helpers/waiting.js';

const test = suite('regressions');

const FIXTURE = 'test/fixtures/regress-child.ts';
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Resolves with `promise`, or rejects with "timed out after ms: what". */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts the fixture scenario as a plain child process, tracked by the scope (killed in its finally). */
function child(scope: Watch, ...args: string[]): Child {
  return scope.child(spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** spawnConnected on the fixture scenario; the child is tracked by the scope, the subscription closed in its finally. */
async function spawnScenario(scope: Watch, ...args: string[]): Promise<{ opened: Opened; peer: Child }> {
  let spawned: ChildProcess | null = null;
  const opened = new Opened(
    spawnConnected(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], exitGraceMs: 60_000, onSpawn: (c) => (spawned = c) }),
  );
  scope.defer(() => opened.close());
  await until(() => spawned !== null || opened.error !== null, 'the spawn');
  if (!spawned) throw opened.error;
  return { opened, peer: scope.child(spawned) };
}

/** A listen() kept open by the scope; `onConnection` runs for each connection. */
function serveScoped(scope: Watch, name: string, onConnection: (c: Connection) => void, options?: Parameters<typeof listen>[1]): Subscription {
  const subscription = listen(name, options).subscribe({ next: onConnection });
  scope.defer(() => subscription.unsubscribe());
  return subscription;
}

/** connect() retried while the server answers Busy, until `ms` have passed. */
async function connectRetryingBusy(scope: Watch, name: string, ms: number): Promise<{ opened: Opened; connection: Connection; busy: number }> {
  const deadline = performance.now() + ms;
  let busy = 0;
  for (;;) {
    const opened = new Opened(connect(name, { timeout: Math.max(1, Math.round(deadline - performance.now())) }));
    scope.defer(() => opened.close());
    try {
      return { opened, connection: await opened.connection(), busy };
    } catch (e) {
      opened.close();
      if (!(e instanceof ConnectError && e.code === 'Busy') || performance.now() > deadline) throw e;
      busy++;
      await sleep(20);
    }
  }
}

// 1 (t6) ---------------------------------------------------------------------------------------------------------

test('t6 ring reset vs a stalled old client: the old client never reads the next client\'s data, the new one reads it exactly once', async () => {
  await watched(40_000, async (scope) => {
    const name = channelName();
    const forB = ['for-B-1', 'for-B-2', 'for-B-3'];
    const serverSide: { generation: number; closed: boolean }[] = [];
    serveScoped(scope, name, (c) => {
      const me = { generation: c.generation, closed: false };
      serverSide.push(me);
      if (serverSide.length >= 2) for (const m of forB) c.next(encode(m));
      c.subscribe({
        complete: () => {
          me.closed = true;
          c.complete();
        },
        error: () => undefined,
      });
    });

    // Client A completes, then stalls its event loop before it can read the server's Close.
    const a = child(scope, 'stall-client', name, '1500');
    const aReady = await within(a.next('ready'), 15_000, "client A's connection");
    await within(a.next('stall-start'), 5000, 'client A stalling');
    await until(() => serverSide[0]?.closed === true, "the server reading A's Close and closing too", 5000);

    // Client B connects meanwhile (the server may keep answering Busy until A has really gone).
    const b = await connectRetryingBusy(scope, name, 15_000);
    assert.ok(b.connection.generation > aReady.generation, `B's generation ${b.connection.generation} follows A's ${aReady.generation}`);

    // B reads its data only after A's stall is over (A had every chance to read it).
    await within(a.next('stall-end'), 10_000, "the end of A's stall");
    await sleep(300);
    const gotB: string[] = [];
    const { ended: endedB } = receive(b.connection, (m) => gotB.push(decode(m)));
    await until(() => gotB.length >= forB.length, `B receiving its ${forB.length} messages (got ${JSON.stringify(gotB)})`, 5000).catch((e) => {
      throw new Error(`${(e as Error).message}; B got ${JSON.stringify(gotB)}`);
    });
    await sleep(200);
    assert.equal(gotB, forB, 'B receives its messages exactly once, in order');

    const aEnd = await within(a.next('recv-end'), 10_000, "A's receive side ending");
    assert.equal(aEnd.got, [], `A must never receive a message meant for B; A got ${JSON.stringify(aEnd.got)}`);
    assert.is(aEnd.how, 'complete', `A's connection ends cleanly, not ${JSON.stringify(aEnd.error)}`);

    b.connection.complete();
    const ending = await within(endedB, 5000, "B's receive side completing");
    assert.is(ending.how, 'complete', describe(ending.error));
  });
});

// 2 (t1) ---------------------------------------------------------------------------------------------------------

test('t1 unsubscribing connect() while a zero-copy claim is open: no throw, the peer sees Close, the process exits by itself', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const segment = `/dev/shm/rxshm.${name}`;
    scope.defer(() => rmSync(segment, { force: true })); // asserted below; removed so a failure leaves nothing behind
    const peer = child(scope, 'claim-teardown', name);
    const claimed = await within(peer.next('claimed'), 15_000, 'the claim');
    assert.ok(claimed.ok, 'claim(10) on a fresh connection returned a claim');
    const unsubscribe = await within(peer.next('unsubscribe'), 5000, 'the unsubscribe');
    assert.is(unsubscribe.threw, false, `unsubscribe threw ${JSON.stringify(unsubscribe.error)}`);
    const serverDone = await within(peer.next('server-unsubscribed'), 5000, 'the server unsubscribing');
    assert.ok(serverDone.serverRecvEnded !== null, "the server's receive side ended (Close delivered) within 1 s of the client's unsubscribe, before the server left");
    const recvEnd = peer.events.find((e) => e.ev === 'server-recv-end');
    assert.is(recvEnd?.how, 'complete', `the server's receive side completes (Close delivered): ${JSON.stringify(recvEnd)}`);
    const exit = await within(peer.exited, 4000, `the child exiting by itself (a leaked mapping, socket or timer keeps it alive); stderr: ${peer.stderr}`);
    assert.equal([exit.code, exit.signal], [0, null], peer.stderr);
    assert.not.ok(existsSync(segment), `the server's unsubscribe unlinks ${segment}`);
  });
});

// 3 (t2) ---------------------------------------------------------------------------------------------------------

test('t2 committing a claim after the connection ended throws (ConnectionClosedError or another Error), never SIGSEGV', async () => {
  await watched(30_000, async (scope) => {
    const peer = child(scope, 'commit-after-end', channelName());
    const claimed = await within(peer.next('claimed'), 15_000, 'the claim');
    assert.ok(claimed.ok, 'claim(10) on a fresh connection returned a claim');
    const ending = await within(peer.next('ending'), 5000, 'the connection ending');
    assert.ok(ending.ended, `the connection ended after the server left: ${JSON.stringify(ending)}`);
    const exit = await within(peer.exited, 5000, 'the child exiting');
    assert.equal([exit.code, exit.signal], [0, null], `the child crashed committing into an unmapped ring; stderr: ${peer.stderr}`);
    const threw = peer.events.find((e) => e.ev === 'commit-threw');
    assert.ok(threw, `commit() after the end must throw; events: ${JSON.stringify(peer.events)}`);
    // ConnectionClosedError is expected; any Error (rather than a write into unmapped memory) is acceptable.
    assert.ok(threw!.isError, `commit must throw an Error; it threw ${JSON.stringify(threw)}`);
  });
});

// 4 (t3) ---------------------------------------------------------------------------------------------------------

test('t3 next(x); complete(); process.exit(0) in a child: the parent receives x, then completes', async () => {
  await watched(30_000, async (scope) => {
    const { opened } = await spawnScenario(scope, 'last-words');
    const connection = await within(opened.connection(), 15_000, "the child's connection");
    const got: string[] = [];
    const { ended } = receive(connection, (m) => got.push(decode(m)));
    const ending = await within(ended, 5000, "the parent's receive side ending");
    assert.equal(got, ['last words'], 'the message sent right before exit arrives');
    assert.is(ending.how, 'complete', `the Close sent right before exit arrives, not ${describe(ending.error)}`);
  });
});

// 5 (t5) ---------------------------------------------------------------------------------------------------------

test("t5 overflow 'reject' with a full ring, then complete(): the reader drains every accepted message, then completes", async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    const options = { ringCapacity: 1024, maxMessage: 64, overflow: 'reject' as const };
    const sent = { total: 40, rejected: -1, ringFull: 0 };
    serveScoped(
      scope,
      name,
      (c) => {
        c.errors$.subscribe((e) => e instanceof RingFullError && sent.ringFull++);
        for (let i = 0; i < sent.total; i++) c.next(new Uint8Array(32).fill(i));
        sent.rejected = c.stats.rejected;
        c.complete();
      },
      options,
    );
    const opened = new Opened(connect(name, options));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await sleep(200);
    assert.ok(sent.rejected > 0, `precondition: the ring filled and some messages were rejected (rejected=${sent.rejected})`);
    const got: number[] = [];
    const { ended } = receive(connection, (m) => got.push(m[0]!));
    const ending = await within(ended, 3000, `the receive side completing after ${sent.total - sent.rejected} accepted messages (got ${got.length} so far)`).catch((e) => {
      throw new Error(`${(e as Error).message}; got ${got.length}`);
    });
    assert.is(ending.how, 'complete', describe(ending.error));
    assert.equal(got, Array.from({ length: sent.total - sent.rejected }, (_, i) => i), 'every accepted message, in order');
  });
});

// 6 (t4) ---------------------------------------------------------------------------------------------------------

test('t4 request() after this side\'s complete() errors with ConnectionClosedError (not RingFullError)', async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    serveScoped(scope, name, (c) => void serve(c, () => of(Uint8Array.of(1))).subscribe());
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    connection.complete();
    const outcome = await within(
      new Promise<{ value?: Uint8Array; error?: unknown }>((resolve) =>
        connection.request(Uint8Array.of(1), { timeout: 500 }).subscribe({ next: (value) => resolve({ value }), error: (error) => resolve({ error }), complete: () => resolve({}) }),
      ),
      3000,
      'the request settling',
    );
    assert.ok(outcome.error, `request after complete() must error, got ${outcome.value ? 'an answer' : 'completion'}`);
    assert.instance(outcome.error, ConnectionClosedError, `got ${describe(outcome.error)}`);
  });
});

// 7 (t7) ---------------------------------------------------------------------------------------------------------

test('t7 control frames behind unread Data: request() is answered without a Data subscriber; the Data is still delivered later, in order', async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    serveScoped(scope, name, (c) => {
      c.next(encode('notice-1'));
      c.next(encode('notice-2'));
      serve(c, () => of(Uint8Array.of(42))).subscribe();
    });
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await sleep(50); // the Data frames are in the ring, ahead of the response
    const outcome = await within(
      new Promise<{ value?: Uint8Array; error?: unknown }>((resolve) =>
        connection.request(Uint8Array.of(1), { timeout: 2000 }).subscribe({ next: (value) => resolve({ value }), error: (error) => resolve({ error }) }),
      ),
      5000,
      'the request settling',
    );
    assert.ok(outcome.value, `the request must be answered, got ${describe(outcome.error)}`);
    assert.equal([...outcome.value!], [42]);
    const got: string[] = [];
    receive(connection, (m) => got.push(decode(m)));
    await until(() => got.length >= 2, `the Data messages after subscribing (got ${JSON.stringify(got)})`, 3000).catch((e) => {
      throw new Error(`${(e as Error).message}; got ${JSON.stringify(got)}`);
    });
    await sleep(50);
    assert.equal(got, ['notice-1', 'notice-2']);
  });
});

// 8 (t8) ---------------------------------------------------------------------------------------------------------

test('t8 Data waiting for a subscriber when the peer leaves cleanly: a late subscriber gets a, b, c in order, then complete', async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    let server: Subscription | null = null;
    server = serveScoped(scope, name, (c) => {
      for (const w of ['a', 'b', 'c']) c.next(encode(w));
      setTimeout(() => server?.unsubscribe(), 50);
    });
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await sleep(300); // the server has closed and left
    assert.ok(server.closed, 'precondition: the server left');
    const got: string[] = [];
    const { ended } = receive(connection, (m) => got.push(decode(m)));
    const ending = await within(ended, 3000, `the late subscriber's receive side ending (got ${JSON.stringify(got)})`).catch((e) => {
      throw new Error(`${(e as Error).message}; got ${JSON.stringify(got)}`);
    });
    assert.equal(got, ['a', 'b', 'c']);
    assert.is(ending.how, 'complete', describe(ending.error));
  });
});

// 9 (t9) ---------------------------------------------------------------------------------------------------------

test('t9 spawnConnected with a child that takes ~3 s before connectParent still gets the connection', async () => {
  await watched(40_000, async (scope) => {
    const spawnedAt = performance.now();
    const { opened, peer } = await spawnScenario(scope, 'slow-parent', '3000');
    const connection = await within(opened.connection(), 15_000, `the slow child's connection (observable error: ${describe(opened.error)})`).catch((e) => {
      throw new Error(`${describe(e)}; child stderr: ${peer.stderr}`);
    });
    assert.ok(performance.now() - spawnedAt >= 3000, 'the child waited ~3 s before connecting');
    assert.is(connection.peerPid, peer.pid);
    await within(peer.next('connected'), 5000, 'the child reporting its connection');
    const { ended } = receive(connection);
    connection.complete();
    const ending = await within(ended, 5000, 'the child closing in turn');
    assert.is(ending.how, 'complete', describe(ending.error));
  });
});

test('t9 spawnConnected with a child whose doorbell closes before the handshake errors instead of hanging', async () => {
  await watched(30_000, async (scope) => {
    const { opened, peer } = await spawnScenario(scope, 'close-doorbell');
    await within(peer.next('closed'), 15_000, 'the child closing its fds');
    const error = await within(opened.failure(), 5000, 'the observable erroring after the child closed its doorbell');
    assert.instance(error, Error);
    assert.is(peer.process.exitCode, null, 'the child is still running: the error comes from the closed doorbell, not from its exit');
  });
});

// 10 (t10) -------------------------------------------------------------------------------------------------------

test("t10 liveness subscribed after the peer's Close completes without emitting 'unresponsive'", async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    serveScoped(scope, name, (c) => c.complete()); // the server half-closes and keeps running
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
          .subscribe({ next: (s) => states.push(s), complete: () => resolve({ how: 'complete' }), error: (error) => resolve({ how: 'error', error }) });
        scope.defer(() => subscription.unsubscribe());
      }),
      2000,
      'liveness completing',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; states so far ${JSON.stringify(states)}`);
    });
    assert.is(done.how, 'complete', describe(done.error));
    assert.not.ok(states.includes('unresponsive'), `a peer that closed is not 'unresponsive': ${JSON.stringify(states)}`);
  });
});

test('t10 serve() subscribed after the connection ended completes at once', async () => {
  await watched(20_000, async (scope) => {
    const name = channelName();
    const serverSide: Connection[] = [];
    serveScoped(scope, name, (c) => {
      serverSide.push(c);
      c.subscribe({ complete: () => undefined, error: () => undefined });
      c.complete();
    });
    const opened = new Opened(connect(name));
    scope.defer(() => opened.close());
    const connection = await within(opened.connection(), 5000, 'the connection');
    await within(receive(connection).ended, 3000, "the server's Close");
    connection.complete();
    await until(() => connection.ended && serverSide[0]?.ended === true, 'both sides of the connection ending', 3000);
    for (const [side, c] of [['client', connection], ['server', serverSide[0]!]] as const) {
      const started = performance.now();
      const done = await within(
        new Promise<{ how: 'complete' | 'error'; error?: unknown }>((resolve) => {
          const subscription = serve(c, () => of(Uint8Array.of(1))).subscribe({ complete: () => resolve({ how: 'complete' }), error: (error) => resolve({ how: 'error', error }) });
          scope.defer(() => subscription.unsubscribe());
        }),
        1000,
        `serve() on the ended ${side} connection completing`,
      );
      assert.is(done.how, 'complete', `${side}: ${describe(done.error)}`);
      const took = performance.now() - started;
      assert.ok(took < 100, `${side}: serve() completed ${took.toFixed(0)} ms after subscribing, not at once`);
    }
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', async () => {
  await sleep(100);
  assert.equal(shmLeft(), []);
});

test.run();
