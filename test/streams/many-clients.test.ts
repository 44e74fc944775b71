/**
 * Many clients per server (issue 13): slots (`clientId`, lowest free first, reused at once when a client leaves),
 * `peerPid` from the kernel, a full server answering Busy until a slot frees, a storm of connects getting distinct
 * slots, one sealed segment per connected client (its own rings: a stalled client delays only its own sends), the
 * descriptors and segments of a departed client released, `clients()` and `broadcast()`. In-process pairs where
 * that is enough; a real client process where death matters; every test under a watchdog.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  broadcast,
  ChannelOptionsError,
  clients,
  connect,
  ConnectError,
  listen,
  PeerExitedError,
  type Connection,
} from '../../src/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep, until } from '../helpers/waiting.js';

const test = suite('many clients');
const SMALL = { ringCapacity: 4096, maxMessage: 1024 } as const;
const LINUX = process.platform === 'linux';

/** This process's descriptors of channel segments (memfds named "rxshm"); 0 on Windows, which has no /proc. */
const segmentFds = (): number =>
  !LINUX
    ? 0
    : readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:rxshm');
        } catch {
          return false;
        }
      }).length;

/** A client in this process, closed with the scope. */
async function client(scope: Watch, name: string, options = {}): Promise<Connection> {
  const opened = new Opened(connect(name, { timeout: 5000, ...SMALL, ...options }));
  scope.defer(() => opened.close());
  return opened.connection();
}

test('clientId is the lowest free slot, the same on both ends; peerPid is the peer; a slot is reused at once', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, SMALL));
    scope.defer(() => server.close());
    const a = await client(scope, name);
    const b = await client(scope, name);
    const [sa, sb] = [await server.connection(), await server.connection()];
    assert.equal([a.clientId, b.clientId, sa.clientId, sb.clientId], [0, 1, 0, 1]);
    assert.equal([a.peerPid, sa.peerPid], [process.pid, process.pid]);
    assert.is(sb.generation, sa.generation + 1);
    a.complete();
    await until(() => sa.ended, "the server's connection of client 0 ending");
    const c = await client(scope, name);
    assert.is(c.clientId, 0, 'slot 0 is free again');
    assert.is((await server.connection()).clientId, 0);
    assert.not.ok(sb.ended, 'the other client was not disturbed');
  }));

test('a full server: the next client waits, errors Busy after its timeout, or gets in as soon as a slot frees', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { ...SMALL, maxClients: 2 }));
    scope.defer(() => server.close());
    const first = await client(scope, name);
    await client(scope, name);
    const started = performance.now();
    const busy = await new Opened(connect(name, { timeout: 300 })).failure();
    assert.instance(busy, ConnectError);
    assert.is((busy as ConnectError).code, 'Busy', (busy as Error).message);
    assert.ok(performance.now() - started >= 290, 'it retried until its timeout');

    const waiting = new Opened(connect(name, { timeout: 5000, ...SMALL }));
    scope.defer(() => waiting.close());
    await sleep(200);
    assert.is(waiting.connections.length, 0, 'still waiting while the server is full');
    const freedAt = performance.now();
    first.complete();
    const joined = await waiting.connection();
    assert.is(joined.clientId, first.clientId);
    assert.ok(performance.now() - freedAt < 2000, 'it got in as soon as the slot freed');
  }));

test('a storm of 8 clients released together gets 8 distinct slots', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { ...SMALL, maxClients: 8 }));
    scope.defer(() => server.close());
    const all = await Promise.all(Array.from({ length: 8 }, () => client(scope, name)));
    assert.equal(
      all.map((c) => c.clientId).sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
  }));

test('each client has its own segment and rings: one that reads nothing delays no other; a departed one leaves no descriptor', () =>
  watched(30_000, async (scope) => {
    const name = channelName();
    await until(() => segmentFds() === 0, "the earlier tests' segments released", 10_000);
    const server = new Opened(listen(name, { ...SMALL, maxClients: 4096 }));
    scope.defer(() => server.close());
    const stalled = await client(scope, name, { highWaterMark: 0 });
    const reader = await client(scope, name);
    const [toStalled, toReader] = [await server.connection(), await server.connection()];
    // Two clients of a server allowing 4096: two segments here (the server's) and two (the clients'), not 4096.
    if (LINUX) assert.is(segmentFds(), 4);
    while (toStalled.writable) toStalled.next(new Uint8Array(1000)); // its ring full, its queue past the mark
    const got: number[] = [];
    receive(reader, (m) => got.push(m[0]!));
    for (let i = 0; i < 20; i++) toReader.next(Uint8Array.of(i));
    await until(() => got.length === 20, 'every message to the reading client');
    assert.equal(got, [...Array(20).keys()]);
    toStalled.error(new Error('enough'));
    reader.complete();
    await until(() => stalled.ended && reader.ended && segmentFds() === 0, 'both ended, every segment released');
  }));

test('clients() emits the current set on every arrival and departure', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const sets: number[][] = [];
    const latest: { set: ReadonlySet<Connection> } = { set: new Set() };
    const sub = listen(name, SMALL)
      .pipe(clients())
      .subscribe((set) => {
        latest.set = set;
        sets.push([...set].map((c) => c.clientId).sort());
      });
    scope.defer(() => sub.unsubscribe());
    const a = await client(scope, name);
    await client(scope, name);
    await until(() => sets.length === 2, 'two arrivals');
    a.complete();
    await until(() => sets.length === 3, 'one departure');
    assert.equal(sets, [[0], [0, 1], [1]]);
    assert.is(latest.set.size, 1);
  }));

test('broadcast reaches every connected client exactly once and counts them; closed ones are skipped', () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, SMALL));
    scope.defer(() => server.close());
    const members = await Promise.all(Array.from({ length: 5 }, () => client(scope, name)));
    const serverSide = await Promise.all(members.map(() => server.connection()));
    const got = members.map(() => [] as number[]);
    members.forEach((m, i) => receive(m, (bytes) => got[i]!.push(...bytes)));
    assert.is(broadcast([...serverSide, serverSide[0]!], Uint8Array.of(7)), 5, 'a connection given twice counts once');
    serverSide[4]!.complete();
    assert.is(broadcast(serverSide, Uint8Array.of(8)), 4, 'a closed connection is skipped');
    // Concurrent connects may be accepted in another order than they resolve: match the two ends by clientId.
    const closed = (i: number): boolean => members[i]!.clientId === serverSide[4]!.clientId;
    await until(() => got.every((g, i) => g.length === (closed(i) ? 1 : 2)), 'the broadcasts delivered');
    assert.equal(
      got,
      members.map((_, i) => (closed(i) ? [7] : [7, 8])),
    );
    assert.throws(() => broadcast(serverSide, 'x' as never), TypeError);
  }));

test("broadcast under 'reject' skips a client whose ring is full, reports RingFullError on its errors$, and counts the rest", () =>
  watched(20_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { ...SMALL, overflow: 'reject' }));
    scope.defer(() => server.close());
    await client(scope, name, { highWaterMark: 0 }); // reads nothing
    const reading = await client(scope, name);
    receive(reading);
    const [full, other] = [await server.connection(), await server.connection()];
    const rejected: Error[] = [];
    full.errors$.subscribe((e) => rejected.push(e));
    while (rejected.length === 0) full.next(new Uint8Array(500));
    rejected.length = 0;
    assert.is(broadcast([full, other], new Uint8Array(500)), 1);
    assert.equal(
      rejected.map((e) => e.name),
      ['RingFullError'],
    );
  }));

test('a client process killed ends only its own connection and frees its slot at once; the others keep exchanging', () =>
  watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, SMALL));
    scope.defer(() => server.close());
    const victim = scope.peer({ role: 'client', name, script: 'hold', stdin: true });
    const toVictim = await server.connection();
    await victim.next('ready');
    const survivor = await client(scope, name);
    const toSurvivor = await server.connection();
    assert.equal([toVictim.clientId, toSurvivor.clientId, toVictim.peerPid], [0, 1, victim.pid]);
    const ended = receive(toVictim).ended;
    victim.kill('SIGKILL');
    const ending = await ended;
    assert.is(ending.how, 'complete', "listen's connections complete when their client fails");
    assert.instance(
      (await new Promise<Error | null>((r) => toVictim.end$.subscribe((e) => r(e.error)))) ?? null,
      PeerExitedError,
    );
    const next = await client(scope, name);
    assert.is(next.clientId, 0, "the dead client's slot is free");
    const echo = new Promise<Uint8Array>((resolve) => receive(survivor, resolve));
    toSurvivor.next(Uint8Array.of(3));
    assert.equal([...(await echo)], [3]);
  }));

test('maxClients is validated at creation: an integer from 1 to MAX_CLIENTS', () => {
  for (const bad of [0, -1, 1.5, 65_537, Number.NaN, '4' as never]) {
    assert.throws(
      () => listen(channelName(), { maxClients: bad }),
      (e: unknown) => e instanceof ChannelOptionsError && /maxClients/.test((e as Error).message),
      String(bad),
    );
  }
  listen(channelName(), { maxClients: 4096 });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
