/**
 * spawnConnected / connectParent: a child joined by an anonymous memfd channel. Round trip, peerPid, the parent's
 * unsubscribe completing the child's connection and the child exiting by itself, a child that unsubscribes and
 * exits by itself within one second, a child that exits before connecting, and children at the edges
 * (test/fixtures/spawned-child.ts): one that exits right after sending, one slow to connect, one that closes
 * its doorbell before the handshake.
 */
import type { ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ChannelOptionsError,
  connectParent,
  ConnectError,
  PeerExitedError,
  spawnConnected,
  type SpawnConnectedOptions,
} from '../../src/index.js';
import type { PeerSpec } from '../fixtures/streams-peer.js';
import { Opened, receive } from '../helpers/connections.js';
import { type Child, peerArgs, root } from '../helpers/processes.js';
import { shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { until, within } from '../helpers/waiting.js';

const test = suite('spawnConnected and connectParent');

/** spawnConnected on `node <args>`; the Child reads its stdout. exitGraceMs is long: the child must exit by itself. */
async function spawnNode(
  scope: Watch,
  args: string[],
  options: SpawnConnectedOptions = {},
): Promise<{ opened: Opened; peer: Child }> {
  let child: ChildProcess | null = null;
  const opened = new Opened(
    spawnConnected(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      exitGraceMs: 60_000,
      onSpawn: (c) => (child = c),
      ...options,
    }),
  );
  scope.defer(() => opened.close());
  await until(() => child !== null || opened.error !== null, 'the spawn');
  if (!child) throw opened.error;
  return { opened, peer: scope.child(child) };
}

/** spawnConnected on the peer fixture with `spec`. */
const spawnPeer = (scope: Watch, spec: PeerSpec, options?: SpawnConnectedOptions): ReturnType<typeof spawnNode> =>
  spawnNode(scope, peerArgs(spec), options);

/** spawnConnected on a scenario of test/fixtures/spawned-child.ts. */
const spawnScenario = (scope: Watch, ...args: string[]): ReturnType<typeof spawnNode> =>
  spawnNode(scope, ['--import', 'tsx', 'test/fixtures/spawned-child.ts', ...args]);

test('round trip with the child; peerPid is the spawned pid', async () => {
  await watched(30_000, async (scope) => {
    const { opened, peer } = await spawnPeer(scope, { role: 'parent', script: 'echo' });
    const connection = await opened.connection();
    assert.is(connection.peerPid, peer.pid);
    const ready = await peer.next('ready');
    assert.is(ready.peerPid, process.pid, "the child's peerPid is this process");
    const got: number[][] = [];
    const { ended } = receive(connection, (m) => got.push([...m]));
    for (let i = 0; i < 10; i++) connection.next(Uint8Array.of(i, i + 1, i + 2));
    await until(() => got.length === 10, 'ten echoes');
    assert.equal(
      got,
      Array.from({ length: 10 }, (_, i) => [i, i + 1, i + 2]),
    );
    connection.complete();
    assert.is((await ended).how, 'complete');
    const exit = await peer.exited;
    assert.equal([exit.code, exit.signal], [0, null], peer.stderr);
  });
});

test("unsubscribing the parent completes the child's connection and the child exits by itself", async () => {
  await watched(30_000, async (scope) => {
    const { opened, peer } = await spawnPeer(scope, { role: 'parent', script: 'hold' });
    await opened.connection();
    await peer.next('ready');
    const unsubscribedAt = Date.now();
    opened.close();
    const complete = await peer.next('recv-complete');
    assert.is(complete.received, 0);
    const exit = await peer.exited;
    assert.equal(
      [exit.code, exit.signal],
      [0, null],
      `exited by itself, not by the SIGTERM of the grace period; ${peer.stderr}`,
    );
    assert.ok(exit.at - unsubscribedAt < 5000, `exited ${exit.at - unsubscribedAt} ms after the parent unsubscribed`);
  });
});

test('a child that exchanges messages and unsubscribes (connectParent) exits by itself within one second', async () => {
  await watched(30_000, async (scope) => {
    const { opened, peer } = await spawnPeer(scope, { role: 'parent', script: 'echo', leaveAfter: 5 });
    const connection = await opened.connection();
    const got: number[] = [];
    const { ended } = receive(connection, (m) => got.push(m[0]!));
    for (let i = 0; i < 5; i++) connection.next(Uint8Array.of(i));
    const left = await peer.next('unsubscribed');
    const exit = await peer.exited;
    assert.equal([exit.code, exit.signal], [0, null], peer.stderr);
    assert.ok(exit.at - left.at < 1000, `exited ${exit.at - left.at} ms after unsubscribing`);
    assert.is((await ended).how, 'complete', "the child's unsubscribe sent Close");
    assert.equal(got, [0, 1, 2, 3, 4]);
    await until(() => opened.completed, 'spawnConnected completing with its connection');
  });
});

test('a child that exits before connecting errors the observable (PeerExitedError, as documented)', async () => {
  await watched(30_000, async () => {
    const opened = new Opened(
      spawnConnected(process.execPath, ['-e', 'process.exitCode = 3'], { stdio: ['ignore', 'ignore', 'ignore'] }),
    );
    try {
      const error = await opened.failure();
      assert.instance(error, Error);
      assert.match((error as Error).message, 'exited before connecting');
      // spawn-connected.ts documents: "If the child exits before the handshake, the observable errors with PeerExitedError."
      assert.instance(error, PeerExitedError, `got ${(error as Error).name}: ${(error as Error).message}`);
    } finally {
      opened.close();
    }
  });
});

test('connectParent in a process not started by spawnConnected errors with ConnectError ServerAbsent', async () => {
  const error = await new Opened(connectParent()).failure();
  assert.instance(error, ConnectError);
  assert.is((error as ConnectError).code, 'ServerAbsent');
});

test('bad spawn arguments throw ChannelOptionsError at the call, before anything is spawned', () => {
  const bad: [string, () => unknown][] = [
    ['args null', () => spawnConnected(process.execPath, null as never)],
    ['args a string', () => spawnConnected(process.execPath, 'x.js' as never)],
    ['args with a number', () => spawnConnected(process.execPath, ['x.js', 1] as never)],
    ['exitGraceMs -1', () => spawnConnected(process.execPath, [], { exitGraceMs: -1 })],
    ['exitGraceMs NaN', () => spawnConnected(process.execPath, [], { exitGraceMs: NaN })],
    ['stdio of two', () => spawnConnected(process.execPath, [], { stdio: ['pipe', 'pipe'] as never })],
    ['stdio with a bad word', () => spawnConnected(process.execPath, [], { stdio: ['pipe', 'pipe', 'loud'] as never })],
    ['env null', () => spawnConnected(process.execPath, [], { env: null as never })],
    ['cwd a number', () => spawnConnected(process.execPath, [], { cwd: 7 as never })],
    ['onSpawn a string', () => spawnConnected(process.execPath, [], { onSpawn: 'f' as never })],
  ];
  for (const [what, create] of bad) {
    assert.throws(create, (e: unknown) => e instanceof ChannelOptionsError && e.code === 'InvalidOption', what);
  }
});

test('a child that sends, completes and calls process.exit(0) at once: the parent receives the message, then completes', async () => {
  await watched(30_000, async (scope) => {
    const { opened } = await spawnScenario(scope, 'last-words');
    const connection = await within(opened.connection(), 15_000, "the child's connection");
    const got: string[] = [];
    const { ended } = receive(connection, (m) => got.push(new TextDecoder().decode(m)));
    const ending = await within(ended, 5000, "the parent's receive side ending");
    assert.equal(got, ['last words'], 'the message sent right before exit arrives');
    assert.is(ending.how, 'complete', `the Close sent right before exit arrives, not ${String(ending.error)}`);
  });
});

test('a child that takes ~3 s before connectParent still gets its connection', async () => {
  await watched(40_000, async (scope) => {
    const spawnedAt = performance.now();
    const { opened, peer } = await spawnScenario(scope, 'slow-parent', '3000');
    const connection = await within(
      opened.connection(),
      15_000,
      `the slow child's connection (observable error: ${String(opened.error)})`,
    ).catch((e) => {
      throw new Error(`${String(e)}; child stderr: ${peer.stderr}`);
    });
    assert.ok(performance.now() - spawnedAt >= 3000, 'the child waited ~3 s before connecting');
    assert.is(connection.peerPid, peer.pid);
    await within(peer.next('connected'), 5000, 'the child reporting its connection');
    const { ended } = receive(connection);
    connection.complete();
    const ending = await within(ended, 5000, 'the child closing in turn');
    assert.is(ending.how, 'complete', String(ending.error));
  });
});

test('a child that closes its doorbell before the handshake errors the observable instead of hanging', async () => {
  await watched(30_000, async (scope) => {
    const { opened, peer } = await spawnScenario(scope, 'close-doorbell');
    await within(peer.next('closed'), 15_000, 'the child closing its fds');
    const error = await within(opened.failure(), 5000, 'the observable erroring after the child closed its doorbell');
    assert.instance(error, Error);
    assert.ok(peer.running, 'the child is still running: the error comes from the closed doorbell, not from its exit');
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
