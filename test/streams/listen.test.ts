/**
 * listen() across real processes: one client at a time with generation + 1 per client, a killed client noticed
 * within one second and the next client served, AlreadyServing against a live server, taking over the segment of
 * a SIGKILLed server, a client stalled after its Close that never reads the next client's messages. Children are
 * test/fixtures/streams-peer.ts and stalled-client.ts; every test has a watchdog.
 */
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom } from 'rxjs';
import {
  connect,
  ConnectError,
  ConnectionClosedError,
  listen,
  ListenError,
  PeerExitedError,
  type Connection,
} from '../../src/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep, until, within } from '../helpers/waiting.js';

const test = suite('listen');

test('a client that leaves cleanly ends its connection; the next client gets generation + 1 and clean rings', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const first = scope.peer({ role: 'client', name, script: 'hold', stdin: true, report: true });
    const one = await server.connection();
    const ready = await first.next('ready');
    assert.is(ready.generation, one.generation);
    assert.is(one.peerPid, first.pid);
    assert.is(ready.peerPid, process.pid);
    one.next(Uint8Array.of(1));
    await first.next('message');
    const oneEnded = receive(one).ended;
    first.send('quit');
    assert.is((await oneEnded).how, 'complete', 'the leaving client sent Close');
    const exit = await first.exited;
    assert.equal([exit.code, exit.signal], [0, null], first.stderr);
    // Its slot frees once its doorbell closed: the next client gets slot 0 again (the lowest free one).
    assert.is(one.clientId, 0);
    const second = scope.peer({ role: 'client', name, script: 'hold', stdin: true, report: true });
    const two = await server.connection();
    assert.is(two.clientId, 0, 'the slot of the client that left is free again');
    assert.is(two.generation, one.generation + 1);
    assert.is((await second.next('ready')).generation, one.generation + 1);
    two.next(Uint8Array.of(7, 7));
    const message = await second.next('message');
    assert.equal(
      [message.n, message.length, message.head],
      [1, 2, [7, 7]],
      'the first message of the new generation, nothing stale',
    );
    second.send('quit');
    await second.exited;
  });
});

for (const clientFailure of ['complete', 'error'] as const) {
  const outcome =
    clientFailure === 'complete'
      ? 'completes the server side (PeerExitedError on errors$ and end$)'
      : 'errors the server side with PeerExitedError';
  test(`SIGKILL of the client ${outcome} within one second (clientFailure '${clientFailure}'); the next client is served`, async () => {
    await watched(30_000, async (scope) => {
      const name = channelName();
      const server = new Opened(listen(name, { clientFailure }));
      scope.defer(() => server.close());
      const victim = scope.peer({ role: 'client', name, script: 'echo' });
      const one = await server.connection();
      const reported: Error[] = [];
      one.errors$.subscribe((e) => reported.push(e));
      let echoes = 0;
      const { ended } = receive(one, () => echoes++);
      one.next(Uint8Array.of(1));
      await until(() => echoes === 1, 'the echo');
      const killedAt = performance.now();
      victim.kill('SIGKILL');
      const ending = await ended;
      const end = await firstValueFrom(one.end$);
      assert.is(end.clean, false);
      assert.is(end.by, 'peer');
      assert.instance(end.error, PeerExitedError);
      assert.is((end.error as PeerExitedError).peerPid, victim.pid);
      if (clientFailure === 'error') {
        assert.is(ending.how, 'error');
        assert.is(ending.error, end.error);
      } else {
        assert.is(ending.how, 'complete');
        assert.equal(reported, [end.error]);
      }
      const noticed = ending.at - killedAt;
      assert.ok(noticed < 1000, `noticed ${noticed.toFixed(0)} ms after the kill`);
      assert.throws(
        () => one.next(Uint8Array.of(2)),
        (e: unknown) => e instanceof ConnectionClosedError && /failed: .*exited/.test((e as Error).message),
      );

      const next = scope.peer({ role: 'client', name, script: 'echo' });
      const two = await server.connection();
      assert.is(two.generation, one.generation + 1);
      assert.is(two.peerPid, next.pid);
      const got: number[][] = [];
      const second = receive(two, (m) => got.push([...m]));
      two.next(Uint8Array.of(4, 5, 6));
      await until(() => got.length === 1, 'the echo from the next client');
      assert.equal(got, [[4, 5, 6]]);
      two.complete();
      assert.is((await second.ended).how, 'complete');
      const exit = await next.exited;
      assert.equal([exit.code, exit.signal], [0, null], next.stderr);
    });
  });
}

test('AlreadyServing when a live process serves the name, which keeps serving', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const owner = scope.peer({ role: 'server', name, script: 'echo', stdin: true });
    await owner.next('subscribed');
    const second = new Opened(listen(name));
    scope.defer(() => second.close());
    const error = await second.failure();
    assert.instance(error, ListenError);
    assert.is((error as ListenError).code, 'AlreadyServing');
    assert.match((error as Error).message, String(owner.pid));
    // The live server still serves.
    const client = scope.peer({ role: 'client', name, script: 'hold', stdin: true });
    assert.is((await client.next('ready')).peerPid, owner.pid);
    client.send('quit');
    await client.exited;
    owner.send('quit');
    const exit = await owner.exited;
    assert.equal([exit.code, exit.signal], [0, null], owner.stderr);
    assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`), 'nothing of the channel has a name in /dev/shm');
  });
});

test('a SIGKILLed server leaves nothing in /dev/shm; a new server binds the name at once, and serves', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const dead = scope.peer({ role: 'server', name, script: 'echo' });
    await dead.next('subscribed');
    dead.kill('SIGKILL');
    await dead.exited;
    assert.equal(shmLeft(), [], 'the killed server left nothing in /dev/shm');
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const client = scope.peer({ role: 'client', name, script: 'echo' });
    const connection = await server.connection();
    assert.is(connection.peerPid, client.pid);
    const got: number[][] = [];
    const { ended } = receive(connection, (m) => got.push([...m]));
    connection.next(Uint8Array.of(9));
    await until(() => got.length === 1, 'the echo');
    assert.equal(got, [[9]]);
    connection.complete();
    assert.is((await ended).how, 'complete');
    await client.exited;
    server.close();
    assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`), 'nothing of the channel has a name in /dev/shm');
  });
});

/** connect() retried while the server answers Busy (its slot not free yet), until `ms` have passed. */
async function connectRetryingBusy(scope: Watch, name: string, ms: number): Promise<Connection> {
  const deadline = performance.now() + ms;
  for (;;) {
    const opened = new Opened(connect(name, { timeout: Math.max(1, Math.round(deadline - performance.now())) }));
    scope.defer(() => opened.close());
    try {
      return await opened.connection();
    } catch (e) {
      opened.close();
      if (!(e instanceof ConnectError && e.code === 'Busy') || performance.now() > deadline) throw e;
      await sleep(20);
    }
  }
}

test("a client stalled after its Close never reads the next client's messages; the next client reads them once, in order", async () => {
  await watched(40_000, async (scope) => {
    const name = channelName();
    const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
    const forB = ['for-B-1', 'for-B-2', 'for-B-3'];
    const serverSide: { closed: boolean }[] = [];
    const server = listen(name).subscribe({
      next: (c) => {
        const side = { closed: false };
        serverSide.push(side);
        if (serverSide.length >= 2) for (const m of forB) c.next(encode(m));
        c.subscribe({
          complete: () => {
            side.closed = true;
            c.complete();
          },
          error: () => undefined,
        });
      },
    });
    scope.defer(() => server.unsubscribe());

    // Client A completes, then stalls its event loop before it can read the server's Close.
    const a = scope.child(['test/fixtures/stalled-client.ts', name, '1500']);
    const aReady = await within(a.next('ready'), 15_000, "client A's connection");
    await within(a.next('stall-start'), 5000, 'client A stalling');
    await until(() => serverSide[0]?.closed === true, "the server reading A's Close and closing too", 5000);

    // Client B connects meanwhile (the server may answer Busy until A has really gone).
    const b = await connectRetryingBusy(scope, name, 15_000);
    assert.ok(b.generation > aReady.generation, `B's generation ${b.generation} follows A's ${aReady.generation}`);

    // B reads its messages only after A's stall is over (A had every chance to read them).
    await within(a.next('stall-end'), 10_000, "the end of A's stall");
    await sleep(300);
    const gotB: string[] = [];
    const { ended: endedB } = receive(b, (m) => gotB.push(new TextDecoder().decode(m)));
    await until(() => gotB.length >= forB.length, `B receiving its ${forB.length} messages`, 5000).catch((e) => {
      throw new Error(`${(e as Error).message}; B got ${JSON.stringify(gotB)}`);
    });
    await sleep(200);
    assert.equal(gotB, forB, 'B receives its messages exactly once, in order');

    const aEnd = await within(a.next('recv-end'), 10_000, "A's receive side ending");
    assert.equal(aEnd.got, [], `A must never receive a message meant for B; A got ${JSON.stringify(aEnd.got)}`);
    assert.is(aEnd.how, 'complete', `A's connection ends cleanly, not ${JSON.stringify(aEnd.error)}`);

    b.complete();
    const ending = await within(endedB, 5000, "B's receive side completing");
    assert.is(ending.how, 'complete', String(ending.error));
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
