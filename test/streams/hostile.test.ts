/**
 * Hostile input (issue 10, points 2, 3 and 6), each test named by the behaviour it guards:
 * - a corrupt ring fails the connection through its receive side (and pending sends and requests): next(), send(),
 *   complete(), error() and unsubscribe never throw it; teardown completes, the segment is unmapped, the process
 *   exits by itself, and the peer is told; a forged parked flag costs latency, never liveness;
 * - a refused send (detached buffer, bad commit length, bad request payload or timeout) leaves the connection
 *   exactly as it was;
 * - a client whose predecessor closed cleanly gets in at once, never ConnectError('Busy').
 * The test process writes into the segment through a mapping of its own (the memfd reopened through /proc/self/fd,
 * as a hostile process of the same user could); every peer is a real process (test/fixtures/hostile-peer.ts, streams-peer.ts, rpc-server.ts) under the watchdog.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
} from 'node:fs';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ConnectError,
  ConnectionAbortedError,
  ConnectionClosedError,
  RemoteError,
  RequestTimeoutError,
  RingCorruptError,
  Status,
  FRAME_HEADER_LENGTH,
  connect,
  listen,
  type Connection,
  type ConnectionEnd,
} from '../../src/index.js';
import {
  CLIENT_PID_OFFSET,
  ChannelSession,
  MAX_MESSAGE_OFFSET,
  SERVER_PID_OFFSET,
  channelSegmentLength,
  initChannelSegment,
  readChannelSegment,
  type ChannelLayout,
} from '../../src/layout/index.js';
import { native, type Segment } from '../../src/native/index.js';
import { PARK_RECHECK_MAX_MS } from '../../src/streams/engine/engine.js';
import type { HostileSpec } from '../fixtures/hostile-peer.js';
import { Method, mirror } from '../fixtures/rpc-methods.js';
import { u32Bytes } from '../helpers/bytes.js';
import { Opened, receive, failure, served } from '../helpers/connections.js';
import { root, type Child } from '../helpers/processes.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep, until } from '../helpers/waiting.js';
import { channelName } from '../helpers/names.js';
import { acceptWith, rawServer } from '../helpers/raw-server.js';

const test = suite('hostile input');

/** Small rings, so a few messages fill them. */
const SMALL = { ringCapacity: 4096, maxMessage: 1024 } as const;

/** Ring header words (docs/LAYOUT.md), as byte offsets from the ring's start; the first record follows the header. */
const WRITE_POSITION = 0;
const PRODUCER_PARKED = 4;
const READ_POSITION = 64;
const CONSUMER_PARKED = 68;
const RING_HEADER = 128;

/** The header of the memfd behind /proc/self/fd/<fd>, read with pread (never mapped), or null. */
function peekHeader(fd: string): DataView | null {
  try {
    if (!readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:rxshm')) return null;
    const handle = openSync(`/proc/self/fd/${fd}`, 'r');
    try {
      const header = Buffer.alloc(256);
      return readSync(handle, header, 0, 256, 0) === 256 ? new DataView(header.buffer, header.byteOffset, 256) : null;
    } finally {
      closeSync(handle);
    }
  } catch {
    return null; // closed meanwhile, or not ours
  }
}

/**
 * The segment of this process's live connection with `peerPid` (its server or its client), mapped a second time:
 * there is no name to open, so this is what a hostile process of the same user does, through /proc/<pid>/fd.
 */
function mapSegmentWith(peerPid: number): Segment | null {
  const found = readdirSync('/proc/self/fd')
    .filter((fd) => {
      const header = peekHeader(fd);
      if (header === null || header.getUint32(0, true) === 0) return false;
      return [SERVER_PID_OFFSET, CLIENT_PID_OFFSET].some((at) => header.getUint32(at, true) === peerPid);
    })
    .map(Number)
    .sort((a, b) => b - a)[0];
  if (found === undefined) return null;
  return native.segments.openReceived(openSync(`/proc/self/fd/${found}`, 'r+'));
}

/** A channel segment mapped a second time in this process: the hostile writer's view of it. */
class Forger {
  readonly layout: ChannelLayout;
  /** The memfd's inode: how /proc/self/maps names its mappings. */
  readonly inode: number;
  private readonly words: Int32Array;

  private constructor(readonly segment: Segment) {
    this.layout = readChannelSegment(segment.buffer);
    this.words = new Int32Array(segment.buffer);
    this.inode = fstatSync(segment.fd).ino;
  }

  /** The forger of this process's connection with `peerPid`, once that connection's segment exists. */
  static async of(peerPid: number): Promise<Forger> {
    const found: { segment: Segment | null } = { segment: null };
    await until(() => (found.segment = mapSegmentWith(peerPid)) !== null, `the segment shared with pid ${peerPid}`);
    return new Forger(found.segment!);
  }

  /** Byte offset of a ring: `s2c` (the client reads it) or `c2s` (the server reads it). */
  ring(which: 's2c' | 'c2s'): number {
    return which === 's2c' ? this.layout.serverToClient : this.layout.clientToServer;
  }

  load(at: number): number {
    return Atomics.load(this.words, at >> 2) >>> 0;
  }

  store(at: number, value: number): void {
    Atomics.store(this.words, at >> 2, value | 0);
  }

  close(): void {
    this.segment.close();
  }
}

/** A fresh channel name whose segment is removed at the end of the scope (a child server killed there leaves it). */
function channel(scope: Watch): string {
  const name = channelName();
  scope.defer(() => rmSync(`/dev/shm/rxshm.${name}`, { force: true }));
  return name;
}

/** How many mappings of the forger's segment this process holds (/proc/self/maps, by inode). */
const mappings = (forger: Forger): number =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.split(/\s+/)[4] === String(forger.inode) && line.includes('/memfd:rxshm')).length;

/** hostile-peer.ts with a piped stdin (`peer.send(line)`), tracked by the scope. */
const hostile = (scope: Watch, spec: HostileSpec): Child =>
  scope.child(
    spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hostile-peer.ts', JSON.stringify(spec)], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );

/** A Uint8Array whose buffer was transferred away (detached): length 0, and copying from it throws TypeError. */
function detached(length: number): Uint8Array {
  const buffer = new ArrayBuffer(length);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

const nameOf = (e: unknown): string =>
  e instanceof Error
    ? `${e.name}${(e as { code?: string }).code ? `:${(e as { code?: string }).code}` : ''}`
    : String(e);

/** Calls `op`; fails the test if it throws anything that carries ring corruption. */
function neverThrowsCorruption(what: string, op: () => void): void {
  try {
    op();
  } catch (e) {
    assert.not.instance(e, RingCorruptError, `${what} threw ${nameOf(e)}`);
    throw e;
  }
}

/** The end of a connection, once it has ended. */
const endOf = (connection: Connection): Promise<ConnectionEnd> => firstValueFrom(connection.end$);

/** A client of a hostile-peer server, kept open by the scope, once both sides see the connection. */
async function clientOf(
  scope: Watch,
  server: Child,
  name: string,
  options: Record<string, unknown> = {},
): Promise<{ opened: Opened; connection: Connection }> {
  const opened = new Opened(connect(name, { timeout: 20_000, ...SMALL, ...options }));
  scope.defer(() => opened.close());
  const connection = await opened.connection();
  await server.next('ready');
  return { opened, connection };
}

// 2. Corruption never wedges or escapes as a throw ----------------------------------------------------------------

test('a corrupt record in the receive ring errors the receive side with RingCorruptError; next(), send(), complete(), error() and unsubscribe never throw it; the peer is told', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const server = hostile(scope, { role: 'server', name, script: 'echo', options: SMALL });
    // highWaterMark 0: nobody subscribes yet, so the server's messages wait in the ring, the first under the cursor.
    const { opened, connection } = await clientOf(scope, server, name, { highWaterMark: 0 });
    const forger = await Forger.of(server.pid);
    scope.defer(() => forger.close());
    const s2c = forger.ring('s2c');
    server.send('send 2');
    await until(() => forger.load(s2c + WRITE_POSITION) === 64, 'both 8-byte messages in the ring (32 bytes each)');
    new DataView(forger.segment.buffer).setUint32(s2c + RING_HEADER + 32, 0x7fffffff, true); // the second record's LENGTH

    const got: number[][] = [];
    const { ended } = receive(connection, (m) => got.push(Array.from(m)));
    const ending = await ended;
    assert.equal(got, [[0, 0, 0, 0, 0, 0, 0, 0]], 'the intact first message is delivered');
    assert.is(ending.how, 'error');
    assert.instance(ending.error, RingCorruptError);
    assert.is((ending.error as RingCorruptError).code, 'MessageTooLarge');
    const end = await endOf(connection);
    assert.equal([end.clean, end.by, nameOf(end.error)], [false, 'peer', 'RingCorruptError:MessageTooLarge']);

    // Every use of the failed connection says it is closed (naming the corruption), never throws the corruption.
    assert.throws(
      () => neverThrowsCorruption('next()', () => connection.next(Uint8Array.of(1))),
      (e: unknown) => e instanceof ConnectionClosedError && e.cause instanceof RingCorruptError,
    );
    const sendError = await failure(connection.send(Uint8Array.of(1)));
    assert.instance(sendError, ConnectionClosedError);
    neverThrowsCorruption('complete()', () => connection.complete());
    neverThrowsCorruption('error()', () => connection.error(new Error('too late')));
    neverThrowsCorruption('unsubscribe', () => opened.close());

    // The peer is told: its connection ends as an abort, not a clean close, and not a wait forever.
    const peerEnd = await server.next('end');
    assert.equal([peerEnd['clean'], peerEnd['name']], [false, ConnectionAbortedError.name]);
    // Teardown completed: nothing of the segment stays mapped here once the forger lets go.
    forger.close();
    await until(() => mappings(forger) === 0, 'the segment unmapped');
  }));

/** The API calls a corrupt send ring may be found by, and what each one is. */
const calls: Record<string, (connection: Connection, opened: Opened) => void> = {
  'next()': (c) => c.next(new Uint8Array(100)),
  'send()': (c) => void c.send(new Uint8Array(100)).subscribe({ error: () => undefined }),
  'request()': (c) => void c.request(new Uint8Array(100)).subscribe({ error: () => undefined }),
  'complete()': (c) => c.complete(),
  unsubscribe: (_c, opened) => opened.close(),
  'error()': (c) => c.error(new Error('mine')),
};

for (const [what, call] of Object.entries(calls)) {
  test(`a corrupt send ring (a forged READ_POSITION) met by ${what}: it does not throw, the connection fails with RingCorruptError, pending sends and requests fail, the peer is told`, () =>
    watched(40_000, async (scope) => {
      const name = channel(scope);
      const server = hostile(scope, {
        role: 'server',
        name,
        script: 'silent',
        options: { ...SMALL, highWaterMark: 0 },
      });
      const { opened, connection } = await clientOf(scope, server, name);
      const forger = await Forger.of(server.pid);
      scope.defer(() => forger.close());
      const { ended } = receive(connection);
      // The server reads nothing: the ring fills and later sends wait in the local queue.
      while (connection.stats.queued < 3) connection.next(new Uint8Array(200));
      const pendingSend = failure(connection.send(new Uint8Array(100)));
      const pendingRequest = failure(connection.request(new Uint8Array(100)));
      await sleep(100); // the burst is published; the engine parks, waiting for room
      assert.ok(connection.stats.queued >= 5, `sends are queued: ${connection.stats.queued}`);

      const c2s = forger.ring('c2s');
      forger.store(c2s + READ_POSITION, forger.load(c2s + WRITE_POSITION) + 8); // "read" ahead of "write"
      neverThrowsCorruption(what, () => call(connection, opened)); // synchronously: this call meets the corruption

      const end = await endOf(connection);
      assert.is(end.clean, false);
      if (what === 'error()') assert.is(end.error?.message, 'mine');
      else assert.is(nameOf(end.error), 'RingCorruptError:PositionOutOfRange');
      const ending = await ended;
      assert.is(ending.how, 'error');
      if (what !== 'error()' && what !== 'unsubscribe') assert.instance(ending.error, RingCorruptError); // (unsubscribe stopped receiving first)
      assert.ok((await pendingSend) instanceof Error, 'the pending send() failed');
      assert.ok((await pendingRequest) instanceof Error, 'the pending request failed');
      assert.throws(
        () => connection.next(Uint8Array.of(1)),
        (e: unknown) => e instanceof ConnectionClosedError,
      );

      const peerEnd = await server.next('end');
      assert.equal([peerEnd['clean'], peerEnd['name']], [false, ConnectionAbortedError.name]);
      opened.close();
      forger.close();
      await until(() => mappings(forger) === 0, 'the segment unmapped');
    }));
}

for (const corrupted of ['client', 'server'] as const) {
  test(`a ${corrupted} process that finds its receive ring corrupt tears down and exits by itself; its peer fails with ConnectionAbortedError instead of waiting`, () =>
    watched(40_000, async (scope) => {
      const name = channel(scope);
      let connection: Connection;
      let opened: Opened;
      let child: Child;
      if (corrupted === 'client') {
        opened = new Opened(listen(name, SMALL));
        scope.defer(() => opened.close());
        child = hostile(scope, { role: 'client', name, script: 'echo', quitOnEnd: true, options: { timeout: 20_000 } });
        connection = await opened.connection();
        await child.next('ready');
      } else {
        child = hostile(scope, { role: 'server', name, script: 'echo', quitOnEnd: true, options: SMALL });
        ({ opened, connection } = await clientOf(scope, child, name));
      }
      const forger = await Forger.of(child.pid);
      scope.defer(() => forger.close());
      const echoes: Uint8Array[] = [];
      const { ended } = receive(connection, (m) => echoes.push(m));
      connection.next(Uint8Array.of(1, 2, 3));
      await until(() => echoes.length === 1, 'the echo');
      await sleep(300); // both sides idle and parked

      // The ring the child reads: its write position, misaligned. It finds it at the latest on its next re-check.
      const ring = forger.ring(corrupted === 'client' ? 's2c' : 'c2s');
      forger.store(ring + WRITE_POSITION, forger.load(ring + WRITE_POSITION) + 4);
      const childEnd = await child.next('end');
      assert.equal(
        [childEnd['clean'], childEnd['name'], childEnd['code']],
        [false, RingCorruptError.name, 'MisalignedPosition'],
      );
      await child.next('unsubscribed');
      const exit = await Promise.race([child.exited, sleep(5000).then(() => null)]);
      assert.ok(exit, 'the child exits by itself within 5 s of unsubscribing');
      assert.equal([exit!.code, exit!.signal], [0, null], child.stderr);
      assert.not.ok(child.stderr.includes('RingCorruptError'), child.stderr);

      // The peer (this process) is told: an abort, on end$ (and as the receive side's error for a client).
      const end = await endOf(connection);
      assert.equal([end.clean, end.by, nameOf(end.error)], [false, 'peer', 'ConnectionAbortedError:ConnectionAborted']);
      const ending = await ended;
      if (corrupted === 'server') assert.instance(ending.error, ConnectionAbortedError);
      else assert.is(ending.how, 'complete', "listen's connections complete when their client fails");
      opened.close();
      forger.close();
      await until(() => mappings(forger) === 0, 'the segment unmapped here');
      await until(() => !existsSync(`/dev/shm/rxshm.${name}`), 'the segment unlinked');
    }));
}

test("a forged parked flag (0 written over a sleeping receiver's flag) costs latency, not liveness: 10 of 10 echoes arrive", () =>
  watched(60_000, async (scope) => {
    const name = channel(scope);
    const opened = new Opened(listen(name, SMALL));
    scope.defer(() => opened.close());
    const child = hostile(scope, { role: 'client', name, script: 'echo', options: { timeout: 20_000 } });
    const connection = await opened.connection();
    await child.next('ready');
    const forger = await Forger.of(child.pid);
    scope.defer(() => forger.close());
    const flag = forger.ring('s2c') + CONSUMER_PARKED;
    const echoes: number[] = [];
    receive(connection, (m) => echoes.push(m[0]!));
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      await sleep(50 + ((i * 137) % 600)); // idle long enough for its re-check interval to grow
      await until(() => forger.load(flag) === 1, 'the child parked');
      forger.store(flag, 0); // the sender now believes the receiver is awake, and rings no bell
      const sent = performance.now();
      connection.next(Uint8Array.of(i));
      await until(() => echoes.length === i + 1, `echo ${i}`, PARK_RECHECK_MAX_MS + 2000);
      latencies.push(Math.round(performance.now() - sent));
    }
    assert.equal(echoes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(Math.max(...latencies) <= PARK_RECHECK_MAX_MS + 1000, `latencies ${latencies.join(', ')} ms`);
  }));

test('a parked flag forged to 0 whenever a sender waits for room (it is never rung) costs latency, not liveness: all 3,000 messages arrive in order', () =>
  watched(60_000, async (scope) => {
    const name = channel(scope);
    const opened = new Opened(listen(name, SMALL));
    scope.defer(() => opened.close());
    const child = hostile(scope, { role: 'client', name, script: 'count', options: { timeout: 20_000 } });
    const connection = await opened.connection();
    await child.next('ready');
    const forger = await Forger.of(child.pid);
    scope.defer(() => forger.close());
    const s2c = forger.ring('s2c');
    for (let i = 0; i < 3000; i++) connection.next(new Uint8Array(64).fill(i & 0xff)); // most wait in the local queue
    let forged = 0;
    while (connection.stats.queued > 0 && forged < 5) {
      // Stop the reader until this side waits for room; forge its flag away; let the reader go on: it frees room
      // but rings no bell, so this side must find the room by itself.
      child.kill('SIGSTOP');
      scope.defer(() => child.kill('SIGCONT'));
      await until(
        () => forger.load(s2c + PRODUCER_PARKED) === 1 || connection.stats.queued === 0,
        'this side waiting for room',
      );
      if (connection.stats.queued > 0) {
        forger.store(s2c + PRODUCER_PARKED, 0);
        forged++;
      }
      const read = forger.load(s2c + READ_POSITION);
      child.kill('SIGCONT');
      await until(() => forger.load(s2c + READ_POSITION) !== read, 'the reader reading');
    }
    assert.ok(forged >= 3, `forged ${forged} times`);
    await until(() => connection.stats.queued === 0, 'every message in the ring', 30_000);
    connection.complete();
    const recvEnd = await child.next('recv-end');
    assert.equal([recvEnd['how'], recvEnd['received'], recvEnd['sequential']], ['complete', 3000, true]);
  }));

/** A well-formed channel segment of this process as its server (SMALL rings), then `corrupt` applied to it. */
const channelSegment =
  (corrupt: (segment: Segment, layout: ChannelLayout) => void) =>
  (segment: Segment): void => {
    const layout = initChannelSegment(segment.buffer, {
      ringCapacity: SMALL.ringCapacity,
      maxMessage: SMALL.maxMessage + FRAME_HEADER_LENGTH,
      token: 1n,
      creatorPid: process.pid,
    });
    new ChannelSession(segment.buffer).serverPid = process.pid;
    corrupt(segment, layout);
  };

// Before issue 13 a third process could write into the one named segment while a server accepted a client. Now a
// client's segment is created, sent and built on in one turn of the server's event loop, and only its server and its
// client ever hold it: what remains is a hostile server, handing over rings with garbage positions.
test("a server that hands over a segment with garbage over the read position of the client's send ring never crashes the client: connect fails with a typed error, or the connection does", () =>
  watched(30_000, async (scope) => {
    const name = channel(scope);
    rawServer(
      scope,
      name,
      acceptWith(
        channelSegment((segment, layout) => {
          new DataView(segment.buffer).setUint32(layout.clientToServer + READ_POSITION, 4, true);
        }),
        { size: channelSegmentLength(SMALL.ringCapacity) },
      ),
    );
    const opened = new Opened(connect(name, { timeout: 5000 }));
    scope.defer(() => opened.close());
    const outcome = await opened.connection().then(
      async (connection) => {
        const { ended } = receive(connection);
        try {
          connection.next(new Uint8Array(200)); // a typed refusal once the connection has failed, never the corruption
        } catch (e) {
          if (!(e instanceof ConnectionClosedError && e.cause instanceof RingCorruptError)) throw e;
        }
        const ending = await ended;
        return nameOf(ending.error);
      },
      (e: unknown) => (e instanceof ConnectError ? `ConnectError:${e.code}` : nameOf(e)),
    );
    assert.ok(
      outcome === 'ConnectError:HandshakeFailed' || outcome.startsWith(RingCorruptError.name),
      `a typed error: ${outcome}`,
    );
  }));

test('a process that exits with an idle connection whose send ring is corrupt exits cleanly (code 0, nothing thrown at exit); its peer fails with ConnectionAbortedError', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const opened = new Opened(listen(name, { ...SMALL, highWaterMark: 0 }));
    scope.defer(() => opened.close());
    // Four 1000-byte messages fill the 4 KiB ring exactly (records of 1024): the Close written at exit needs room.
    const child = hostile(scope, {
      role: 'client',
      name,
      script: 'exit-idle',
      count: 4,
      size: 1000,
      options: { timeout: 20_000 },
    });
    const connection = await opened.connection();
    const filled = await child.next('filled');
    assert.is(filled['stats'].queued, 0, 'nothing queued: the connection does not hold the process');
    const forger = await Forger.of(child.pid);
    scope.defer(() => forger.close());
    const c2s = forger.ring('c2s');
    await until(() => forger.load(c2s + WRITE_POSITION) === 4096, 'the four messages published');
    forger.store(c2s + READ_POSITION, 4096 + 8); // "read" ahead of "write": the exit hook's Close meets it
    child.send('quit');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
    assert.not.ok(child.stderr.includes('RingCorruptError'), child.stderr);
    const end = await endOf(connection);
    assert.equal([end.clean, nameOf(end.error)], [false, 'ConnectionAbortedError:ConnectionAborted']);
  }));

for (const maxMessage of [1, FRAME_HEADER_LENGTH]) {
  test(`connect refuses a header whose MAX_MESSAGE (${maxMessage}) cannot hold a frame header with ConnectError IncompatibleSegment, never a connection whose maxMessage is ${maxMessage - FRAME_HEADER_LENGTH}`, () =>
    watched(30_000, async (scope) => {
      const name = channel(scope);
      rawServer(
        scope,
        name,
        acceptWith(
          channelSegment((segment) => new DataView(segment.buffer).setUint32(MAX_MESSAGE_OFFSET, maxMessage, true)),
          { size: channelSegmentLength(SMALL.ringCapacity) },
        ),
      );
      const client = new Opened(connect(name, { timeout: 5000 }));
      scope.defer(() => client.close());
      const outcome = await client.connection().then(
        (c) => `a connection with maxMessage=${c.maxMessage}`,
        (e: unknown) => (e instanceof ConnectError ? `ConnectError:${e.code}` : nameOf(e)),
      );
      assert.is(outcome, 'ConnectError:IncompatibleSegment');
    }));
}

test('a side leaving with messages its peer never takes gives up after LINGER_MS with a typed ConnectionClosedError, exits by itself, and its peer gets ConnectionAbortedError', () =>
  watched(60_000, async (scope) => {
    const name = channel(scope);
    // The server never reads (no subscriber, no backlog): the client's ring fills and the rest waits in its queue.
    const opened = new Opened(listen(name, { ...SMALL, highWaterMark: 0 }));
    scope.defer(() => opened.close());
    const child = hostile(scope, { role: 'client', name, script: 'writer', count: 200, options: { timeout: 20_000 } });
    const connection = await opened.connection();
    const done = await child.next('writer-done');
    assert.ok(done['stats'].queued > 0, 'messages wait in the queue');
    child.send('quit');
    const childEnd = await child.next('end');
    assert.equal(
      [childEnd['clean'], childEnd['name'], childEnd['code']],
      [false, ConnectionClosedError.name, 'ConnectionClosed'],
    );
    assert.match(childEnd['message'], /took nothing for 10000 ms/);
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
    const end = await endOf(connection);
    assert.is(nameOf(end.error), 'ConnectionAbortedError:ConnectionAborted');
  }));

// 3. A bad send never wedges the channel --------------------------------------------------------------------------

test('next() and send() of a detached Uint8Array are refused (TypeError) and leave the ring as it was: later messages are delivered, send() completes', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const server = hostile(scope, { role: 'server', name, script: 'echo', options: SMALL });
    const { connection } = await clientOf(scope, server, name);
    const echoes: number[][] = [];
    receive(connection, (m) => echoes.push(Array.from(m)));
    assert.throws(
      () => connection.next(detached(8)),
      (e: unknown) => e instanceof TypeError,
    );
    assert.instance(await failure(connection.send(detached(8))), TypeError);
    connection.next(Uint8Array.of(1, 2, 3));
    await lastValueFrom(connection.send(Uint8Array.of(4, 5, 6)), { defaultValue: undefined });
    await until(() => echoes.length === 2, 'both echoes');
    await sleep(100);
    assert.equal(
      echoes,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      'exactly the accepted messages, nothing for the refused ones',
    );
    assert.is(connection.stats.queued, 0);
    assert.is((await server.next('message'))['length'], 3);
  }));

test('next() of a detached Uint8Array while sends are queued is refused and leaves the queue as it was: every queued message is delivered', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const server = hostile(scope, { role: 'server', name, script: 'silent', options: { ...SMALL, highWaterMark: 0 } });
    const { connection } = await clientOf(scope, server, name);
    for (let i = 0; i < 30; i++) connection.next(new Uint8Array(200).fill(i));
    const queued = connection.stats.queued;
    assert.ok(queued > 0, 'the ring is full: sends are queued');
    assert.throws(
      () => connection.next(detached(8)),
      (e: unknown) => e instanceof TypeError,
    );
    assert.is(connection.stats.queued, queued);
    server.send('read');
    connection.complete();
    const recvEnd = await server.next('recv-end');
    assert.equal([recvEnd['how'], recvEnd['received']], ['complete', 30]);
  }));

test('Claim.commit refuses NaN, negative, fractional and too-large lengths (RangeError) and keeps the claim: it then commits or aborts, and later sends are delivered', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const server = hostile(scope, { role: 'server', name, script: 'echo', options: SMALL });
    const { connection } = await clientOf(scope, server, name);
    const echoes: number[][] = [];
    receive(connection, (m) => echoes.push(Array.from(m)));
    const first = connection.claim(4)!;
    first.bytes.set([9, 9, 9, 9]);
    for (const bad of [NaN, -1, 1.5, 5, Infinity])
      assert.throws(
        () => first.commit(bad),
        (e: unknown) => e instanceof RangeError,
        `commit(${bad})`,
      );
    first.commit(4);
    const second = connection.claim(8)!;
    assert.throws(
      () => second.commit(100),
      (e: unknown) => e instanceof RangeError,
      'commit(100) on an 8-byte claim',
    );
    second.abort();
    connection.next(Uint8Array.of(7));
    await lastValueFrom(connection.send(Uint8Array.of(8)), { defaultValue: undefined });
    await until(() => echoes.length === 3, 'three echoes');
    await sleep(100);
    assert.equal(echoes, [[9, 9, 9, 9], [7], [8]]);
    assert.is(connection.stats.queued, 0);
  }));

test('request() checks its payload as next() does: a string, an array-like, a number, a DataView or null throw TypeError at the call, and nothing is sent', () =>
  watched(30_000, async (watch) => {
    const { connection } = await served(watch);
    for (const bad of ['hello', { length: 3 }, 42, new DataView(new ArrayBuffer(4)), null, [1, 2, 3]]) {
      assert.throws(
        () => connection.request(bad as unknown as Uint8Array, { method: Method.Mirror }),
        (e: unknown) => e instanceof TypeError,
        `request(${JSON.stringify(bad)})`,
      );
    }
    assert.is(connection.requests.size, 0, 'nothing pending');
    const answer = await firstValueFrom(connection.request(Uint8Array.of(1, 2, 3), { method: Method.Mirror }));
    assert.equal(Array.from(answer), Array.from(mirror(Uint8Array.of(1, 2, 3))));
  }));

test('request() of a detached Uint8Array errors with TypeError and leaves nothing pending; the next request is answered', () =>
  watched(30_000, async (watch) => {
    const { connection } = await served(watch);
    assert.instance(await failure(connection.request(detached(4), { method: Method.Mirror })), TypeError);
    assert.is(connection.requests.size, 0, 'nothing pending');
    const answer = await firstValueFrom(connection.request(Uint8Array.of(4, 5), { method: Method.Mirror }));
    assert.equal(Array.from(answer), Array.from(mirror(Uint8Array.of(4, 5))));
  }));

test('request(x, { timeout: Infinity }) means no timeout: the answer 300 ms later arrives', () =>
  watched(30_000, async (watch) => {
    const { connection } = await served(watch);
    const started = performance.now();
    const answer = await firstValueFrom(connection.request(u32Bytes(300), { method: Method.Slow, timeout: Infinity }));
    assert.equal(Array.from(answer), Array.from(u32Bytes(300)));
    assert.ok(performance.now() - started >= 250);
  }));

test('a request timeout beyond what a timer can hold (2^31 ms and more) is refused at the call (RangeError), never a timeout at once', () =>
  watched(30_000, async (watch) => {
    const { connection } = await served(watch);
    for (const timeout of [2 ** 31, 1e12])
      assert.throws(
        () => connection.request(Uint8Array.of(1), { method: Method.Mirror, timeout }),
        (e: unknown) => e instanceof RangeError,
        `timeout ${timeout}`,
      );
    const answer = await firstValueFrom(
      connection.request(u32Bytes(100), { method: Method.Slow, timeout: 2 ** 31 - 1 }),
    );
    assert.equal(Array.from(answer), Array.from(u32Bytes(100)));
    assert.instance(
      await failure(connection.request(u32Bytes(2000), { method: Method.Slow, timeout: 50 })),
      RequestTimeoutError,
    );
  }));

test('a serve handler answering with a detached Uint8Array: the caller gets RemoteError (HandlerError), nothing escapes as a throw, and the server answers the next request', () =>
  watched(40_000, async (scope) => {
    const name = channel(scope);
    const server = hostile(scope, { role: 'server', name, script: 'serve', options: SMALL });
    const { connection } = await clientOf(scope, server, name);
    const error = await failure(connection.request(Uint8Array.of(1), { method: 1, timeout: 10_000 }));
    assert.ok(
      error instanceof RemoteError && error.status === Status.HandlerError,
      `${nameOf(error)}: ${(error as Error).message}; server: ${server.stderr}`,
    );
    const answer = await firstValueFrom(connection.request(Uint8Array.of(5, 6), { method: 2, timeout: 10_000 }));
    assert.equal(Array.from(answer), [5, 6]);
    await sleep(100);
    assert.is(server.process.exitCode, null, server.stderr);
    assert.not.ok(server.stderr.includes('TypeError'), server.stderr);
  }));

// 6. Reconnecting at once is not Busy -----------------------------------------------------------------------------

test('a client reconnecting at once after its predecessor closed cleanly is never refused Busy: 300 cycles against a server process', () =>
  watched(90_000, async (scope) => {
    const name = channel(scope);
    const server = scope.peer({ role: 'server', name, script: 'echo' });
    await server.next('subscribed');
    let slowest = 0;
    for (let cycle = 0; cycle < 300; cycle++) {
      const started = performance.now();
      const opened = new Opened(connect(name, { timeout: 20_000 }));
      let connection: Connection;
      try {
        connection = await opened.connection();
      } catch (e) {
        opened.close();
        assert.unreachable(`cycle ${cycle}: ${nameOf(e)} ${(e as Error).message}`);
        return;
      }
      if (cycle > 0) slowest = Math.max(slowest, performance.now() - started);
      const echo = firstValueFrom(connection);
      connection.next(Uint8Array.of(cycle & 0xff));
      assert.is((await echo)[0], cycle & 0xff);
      // Half close with complete() and wait for the server's Close; half just unsubscribe (Close goes out, then it ends).
      if (cycle % 2 === 0) connection.complete();
      else opened.close();
      await until(() => connection.ended, `cycle ${cycle}: the connection to end`, 10_000);
      opened.close();
    }
    assert.ok(slowest < 2000, `the slowest reconnect took ${Math.round(slowest)} ms`);
    assert.not.ok(
      server.events.some((e) => e.ev === 'source-error'),
      JSON.stringify(server.events.find((e) => e.ev === 'source-error')),
    );
  }));

test.run();
