/**
 * connect() across real processes: its typed errors (ServerAbsent after `timeout`, Busy, IncompatibleSegment and
 * HandshakeFailed against a hand-made server of the raw sockets), a
 * SIGKILLed server noticed within one second and a reconnect to its successor, complete() on the client side, and
 * a client process that exits by itself after unsubscribing. Every test has a watchdog.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, ConnectError, listen, PeerExitedError } from '../../src/index.js';
import type { Segment } from '../../src/native/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { acceptWith, rawServer } from '../helpers/raw-server.js';
import { until } from '../helpers/waiting.js';

const test = suite('connect');

test('ServerAbsent after options.timeout when nobody serves the name', async () => {
  await watched(10_000, async () => {
    const started = performance.now();
    const error = await new Opened(connect(channelName(), { timeout: 200 })).failure();
    const waited = performance.now() - started;
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'ServerAbsent');
    assert.ok(waited >= 190, `gave up after ${waited.toFixed(0)} ms, before the 200 ms timeout`);
    assert.ok(waited < 4000, `waited ${waited.toFixed(0)} ms: the 200 ms timeout was not honoured (default is 5000)`);
  });
});

test('Busy when the one slot of maxClients: 1 is taken', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { maxClients: 1 }));
    scope.defer(() => server.close());
    const first = scope.peer({ role: 'client', name, script: 'hold', stdin: true });
    await server.connection();
    await first.next('ready');
    const error = await new Opened(connect(name, { timeout: 2000 })).failure();
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'Busy');
    first.send('quit');
    await first.exited;
  });
});

/** Writes `header` at the start of a segment. */
const header = (bytes: number[]) => (segment: Segment) => new Uint8Array(segment.buffer).set(bytes);

test('IncompatibleSegment at once for a segment with a wrong (non-zero) magic', async () => {
  await watched(10_000, async (scope) => {
    const name = channelName();
    rawServer(scope, name, acceptWith(header(Array(256).fill(0xab))));
    const started = performance.now();
    const error = await new Opened(connect(name, { timeout: 1500 })).failure();
    assert.instance(error, ConnectError);
    assert.is(
      (error as ConnectError).code,
      'IncompatibleSegment',
      `got ${(error as Error).message} after ${(performance.now() - started).toFixed(0)} ms`,
    );
  });
});

test('IncompatibleSegment for the right magic with an unsupported layout version', async () => {
  await watched(10_000, async (scope) => {
    const name = channelName();
    // "RXSH" then version 0x7777.
    rawServer(scope, name, acceptWith(header([0x52, 0x58, 0x53, 0x48, 0x77, 0x77, 1, 0])));
    const error = await new Opened(connect(name, { timeout: 1500 })).failure();
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'IncompatibleSegment', (error as Error).message);
    assert.match((error as Error).message, 'version');
  });
});

test('a segment descriptor without seals is refused (HandshakeFailed naming NotSealed), never mapped', async () => {
  await watched(10_000, async (scope) => {
    const name = channelName();
    rawServer(
      scope,
      name,
      acceptWith(() => undefined, { sealed: false }),
    );
    const error = await new Opened(connect(name, { timeout: 1500 })).failure();
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'HandshakeFailed', (error as Error).message);
    assert.match((error as Error).message, /seal/i);
  });
});

test('a listener that never replies: the client waits until its timeout, then ServerAbsent', async () => {
  await watched(10_000, async (scope) => {
    const name = channelName();
    rawServer(scope, name, () => undefined);
    const started = performance.now();
    const error = await new Opened(connect(name, { timeout: 300 })).failure();
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'ServerAbsent', (error as Error).message);
    assert.ok(performance.now() - started >= 290);
  });
});

test('complete() on the client completes the server receive; SIGKILL of the server errors the client with PeerExitedError within one second; reconnect to its successor', async () => {
  await watched(40_000, async (scope) => {
    const name = channelName();
    // A server process; this process is the client.
    const first = scope.peer({ role: 'server', name, script: 'echo', stdin: true });
    await first.next('subscribed');
    const client = new Opened(connect(name));
    scope.defer(() => client.close());
    const one = await client.connection();
    assert.is(one.peerPid, first.pid);
    let echoes = 0;
    const { ended } = receive(one, () => echoes++);
    one.next(Uint8Array.of(1, 2));
    await until(() => echoes === 1, 'the echo');
    const killedAt = performance.now();
    first.kill('SIGKILL');
    const ending = await ended;
    assert.is(ending.how, 'error');
    assert.instance(ending.error, PeerExitedError);
    assert.is((ending.error as PeerExitedError).peerPid, first.pid);
    assert.ok(ending.at - killedAt < 1000, `noticed ${(ending.at - killedAt).toFixed(0)} ms after the kill`);
    client.close();

    // A new server takes over the name; connecting again works, and the client's complete() ends it cleanly.
    const successor = scope.peer({ role: 'server', name, script: 'echo', stdin: true });
    await successor.next('subscribed');
    const again = new Opened(connect(name));
    scope.defer(() => again.close());
    const two = await again.connection();
    assert.is(two.peerPid, successor.pid);
    const got: number[][] = [];
    const second = receive(two, (m) => got.push([...m]));
    two.next(Uint8Array.of(3));
    await until(() => got.length === 1, 'the echo from the successor');
    assert.equal(got, [[3]]);
    two.complete();
    await successor.next('recv-complete'); // the server's receive completed on our Close
    const secondEnding = await second.ended;
    assert.is(secondEnding.how, 'complete', String(secondEnding.error));
    await until(() => again.completed, 'connect() completing once its connection ended');
    successor.send('quit');
    const exit = await successor.exited;
    assert.equal([exit.code, exit.signal], [0, null], successor.stderr);
  });
});

test('a client process that exchanges messages and unsubscribes exits by itself within one second', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const child = scope.peer({ role: 'client', name, script: 'echo', leaveAfter: 5 });
    const connection = await server.connection();
    const got: number[] = [];
    const { ended } = receive(connection, (m) => got.push(m[0]!));
    for (let i = 0; i < 5; i++) connection.next(Uint8Array.of(i));
    const left = await child.next('unsubscribed');
    const exit = await child.exited;
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
    assert.ok(exit.at - left.at < 1000, `exited ${exit.at - left.at} ms after unsubscribing`);
    assert.is((await ended).how, 'complete', 'the unsubscribing client sent Close');
    assert.equal(got, [0, 1, 2, 3, 4]);
  });
});

test('leaves no rxshm.* segment of this process in /dev/shm', () => {
  assert.equal(shmLeft(), []);
});

test.run();
