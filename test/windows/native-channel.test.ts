/**
 * nativeChannel() on Windows (run by `npm run test:windows` under Wine; skipped elsewhere): no descriptors, two
 * names instead: the section `rxshm.spawn.<32 hex>` and the one-shot doorbell pipe `\\.\pipe\rxshm.native.<32 hex>`,
 * with RXSHM_PARENT "@segmentName,@pipeName". A Windows node child given only that environment joins with
 * connectParent (test/fixtures/streams-peer.ts, `parent`/`echo`): a round trip both ways, then its death
 * (TerminateProcess) reaching this side as PeerExitedError within about a second; a second client connecting to the
 * pipe after the first joined is refused and the connection goes on; nobody joining is ConnectError
 * HandshakeFailed after the timeout, with the pipe and the section gone; so after an unsubscribe before anyone joined;
 * a hello with the wrong token on the pipe is answered BAD_TOKEN and fails the channel; connectParent given a pipe name
 * nobody listens on fails with HandshakeFailed.
 * Every test runs under a watchdog.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as connectPipe } from 'node:net';
import { firstValueFrom, switchMap, type Subscription } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ConnectError,
  PARENT_CHANNEL_ENV,
  PeerExitedError,
  connectParent,
  nativeChannel,
  type Connection,
  type NativeChannel,
} from '../../src/index.js';
import { native, SegmentError } from '../../src/native/index.js';
import { HANDSHAKE_BAD_TOKEN, encodeHello } from '../../src/streams/handshake/handshake.js';
import { nativePipeName } from '../../src/streams/channel/parent-channel.js';
import { peerArgs, root } from '../helpers/processes.js';
import { until } from '../helpers/waiting.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('win32: nativeChannel');

/** Whether a section of that name exists now (this process may open it: the same user). */
function sectionExists(name: string): boolean {
  try {
    native.segments.open(name).close();
    return true;
  } catch (error) {
    if (error instanceof SegmentError && error.code === 'NotFound') return false;
    throw error;
  }
}

/** How a client connecting to `pipeName` fares: 'refused' (error or closed without a byte) or 'open' (connected). */
function tryPipe(pipeName: string, ms = 3000): Promise<'refused' | 'open'> {
  return new Promise((resolve) => {
    const socket = connectPipe(pipeName);
    let connected = false;
    socket.on('connect', () => (connected = true));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve('refused'));
    socket.on('close', () => resolve('refused'));
    // Still connected after `ms`: nobody destroyed it.
    setTimeout(() => {
      resolve(connected ? 'open' : 'refused');
      socket.destroy();
    }, ms);
  });
}

/** nativeChannel with an echo child (connectParent) started from the environment alone; the handles and the pid. */
async function joinChild(watch: Watch): Promise<{ handles: NativeChannel; connection: Connection; pid: number }> {
  let subscription!: Subscription;
  let handles!: NativeChannel;
  let pid = 0;
  const joined = new Promise<Connection>((resolve, reject) => {
    subscription = nativeChannel({ timeout: 20_000 })
      .pipe(
        switchMap((emitted) => {
          handles = emitted;
          const env = { ...process.env, RXSHM_PARENT: emitted.environment };
          const args = peerArgs({ role: 'parent', script: 'echo' });
          pid = watch.child(spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })).pid;
          return emitted.connection;
        }),
      )
      .subscribe({ next: resolve, error: reject });
  });
  watch.defer(() => subscription.unsubscribe());
  const connection = await Promise.race([joined, watch.aborted]);
  return { handles, connection, pid };
}

/** The next message on `connection`, once `send` ran. */
async function roundTrip(watch: Watch, connection: Connection, bytes: number[]): Promise<number[]> {
  const echoed = firstValueFrom(connection);
  connection.next(Uint8Array.from(bytes));
  return [...(await Promise.race([echoed, watch.aborted]))];
}

test('emits -1 for the descriptors, the two names and RXSHM_PARENT "@segmentName,@pipeName"; both exist', () =>
  watched(20_000, async (watch) => {
    let handles: NativeChannel | undefined;
    const subscription = nativeChannel({ timeout: 10_000 }).subscribe((h) => (handles = h));
    watch.defer(() => subscription.unsubscribe());
    assert.ok(handles, 'emitted on subscribe');
    const { segmentFd, doorbellFd, segmentName, pipeName, environment } = handles!;
    assert.equal([segmentFd, doorbellFd], [-1, -1]);
    assert.match(segmentName!, /^rxshm\.spawn\.[0-9a-f]{32}$/);
    assert.match(pipeName!, /^\\\\\.\\pipe\\rxshm\.native\.[0-9a-f]{32}$/);
    assert.is(environment, `@${segmentName},@${pipeName}`);
    assert.ok(sectionExists(segmentName!), 'the section exists');
  }));

test('a Windows child joins by the names (connectParent): round trips both ways, then its death is PeerExitedError', () =>
  watched(40_000, async (watch) => {
    const { connection, pid } = await joinChild(watch);
    assert.is(connection.peerPid, pid);
    assert.equal(await roundTrip(watch, connection, [5, 6, 7]), [5, 6, 7]);
    assert.equal(await roundTrip(watch, connection, [0xff, 0, 1, 2]), [0xff, 0, 1, 2]);
    connection.subscribe({ error: () => undefined });
    const ending = firstValueFrom(connection.end$);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const end = await Promise.race([ending, watch.aborted]);
    assert.instance(end.error, PeerExitedError, 'the pipe ended: nobody else holds its far end');
    const ms = Date.now() - killedAt;
    assert.ok(ms < 1500, `reported ${ms} ms after the kill`);
  }));

test('a second client connecting to the pipe after the first joined is refused; the connection goes on', () =>
  watched(40_000, async (watch) => {
    const { handles, connection } = await joinChild(watch);
    assert.is(await tryPipe(handles.pipeName!), 'refused');
    assert.equal(await roundTrip(watch, connection, [1, 2, 3]), [1, 2, 3], 'the joined connection still echoes');
  }));

test('nobody joins: ConnectError HandshakeFailed after the timeout; the pipe and the section are gone', () =>
  watched(20_000, async (watch) => {
    let handles: NativeChannel | undefined;
    const started = Date.now();
    const error = await Promise.race([
      new Promise<unknown>((resolve) => {
        const subscription = nativeChannel({ timeout: 300 })
          .pipe(switchMap((h) => ((handles = h), h.connection)))
          .subscribe({ next: () => resolve(null), error: resolve });
        watch.defer(() => subscription.unsubscribe());
      }),
      watch.aborted,
    ]);
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'HandshakeFailed');
    assert.match((error as Error).message, /did not join: nobody connected to the pipe within 300 ms/);
    assert.ok(Date.now() - started >= 250, 'not before the timeout');
    assert.is(await tryPipe(handles!.pipeName!, 500), 'refused', 'the listener is closed');
    await until(() => !sectionExists(handles!.segmentName!), 'the section gone', 5000);
  }));

test('unsubscribing before anyone joined closes the listener and the section', () =>
  watched(20_000, async () => {
    let handles: NativeChannel | undefined;
    const subscription = nativeChannel({ timeout: 10_000 }).subscribe((h) => (handles = h));
    assert.ok(sectionExists(handles!.segmentName!));
    subscription.unsubscribe();
    assert.is(await tryPipe(handles!.pipeName!, 500), 'refused', 'the listener is closed');
    await until(() => !sectionExists(handles!.segmentName!), 'the section gone', 5000);
  }));

test('a hello with the wrong token on the pipe is refused (status 2) and the connection errors HandshakeFailed', () =>
  watched(20_000, async (watch) => {
    let answer: number[] | null = null;
    const error = await Promise.race([
      new Promise<unknown>((resolve) => {
        const subscription = nativeChannel({ timeout: 10_000 })
          .pipe(
            switchMap(({ pipeName, connection }) => {
              const taker = connectPipe(pipeName!); // knows the pipe, not the token
              taker.on('error', () => undefined);
              taker.on('data', (bytes: Buffer) => (answer = [...bytes]));
              taker.write(encodeHello(process.pid, 12345n));
              watch.defer(() => taker.destroy());
              return connection;
            }),
          )
          .subscribe({ next: () => resolve('joined'), error: resolve });
        watch.defer(() => subscription.unsubscribe());
      }),
      watch.aborted,
    ]);
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'HandshakeFailed');
    assert.match((error as Error).message, /wrong token/);
    await until(() => answer !== null, 'the answer read', 5000);
    assert.equal(answer, [HANDSHAKE_BAD_TOKEN], 'the refusal was answered before the channel closed');
  }));

test('connectParent given a pipe name nobody listens on: ConnectError HandshakeFailed naming the failure', () =>
  watched(20_000, async (watch) => {
    let handles: NativeChannel | undefined;
    const subscription = nativeChannel({ timeout: 10_000 }).subscribe((h) => (handles = h));
    watch.defer(() => subscription.unsubscribe());
    const elsewhere = nativePipeName(randomBytes(16)); // a well-formed name, but not this channel's
    process.env[PARENT_CHANNEL_ENV] = `@${handles!.segmentName},@${elsewhere}`;
    const error = await Promise.race([
      new Promise<unknown>((resolve) => connectParent().subscribe({ next: () => resolve(null), error: resolve })),
      watch.aborted,
    ]);
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'HandshakeFailed');
    assert.match((error as Error).message, /the parent closed the doorbell: .*ENOENT/);
    assert.is(process.env[PARENT_CHANNEL_ENV], undefined, 'single use');
  }));

if (process.platform === 'win32') test.run();
