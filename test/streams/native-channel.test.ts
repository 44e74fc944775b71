/**
 * nativeChannel(options?): the peer end of an anonymous channel handed out as two descriptors. What it emits (a
 * sealed memfd, a connected socket whose peer is this process, "3,4"), a Node child that joins through them
 * (connectParent, the fds passed by spawn's `stdio`): a round trip, then its death reaching this side as
 * PeerExitedError (this process closed its copy of the child's doorbell end once joined); nobody joining (a typed
 * error after the timeout); a taker with the wrong token (refused); unsubscribing before anyone joined (no descriptor left open); bad options and a backend
 * without descriptors (thrown at the call). The C side of it is test/c/parent.test.ts and test/c/adopt.test.ts.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { firstValueFrom, lastValueFrom, switchMap, tap, type Subscription } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ChannelOptionsError,
  ConnectError,
  PeerExitedError,
  nativeChannel,
  type Connection,
  type NativeChannel,
} from '../../src/index.js';
import { native } from '../../src/native/index.js';
import { createFakeNative } from '../../src/native/fake.js';
import { REQUIRED_SEALS } from '../../src/native/socket-contract.js';
import { expectError } from '../helpers/assertions.js';
import { peerArgs, root } from '../helpers/processes.js';
import { HANDSHAKE_BAD_TOKEN, encodeHello } from '../../src/streams/handshake/handshake.js';
import { until } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const test = suite('nativeChannel');

/** The descriptors this process has open now. */
const openFds = (): string[] => readdirSync('/proc/self/fd').sort();

test('emits a sealed segment, a connected socket whose peer is this process, RXSHM_PARENT "3,4" and no names', async () => {
  let handles: NativeChannel | undefined;
  const subscription = nativeChannel({ timeout: 10_000 }).subscribe((h) => (handles = h));
  try {
    assert.ok(handles, 'emitted on subscribe');
    const { segmentFd, doorbellFd, environment, segmentName, pipeName } = handles!;
    assert.is(environment, '3,4');
    assert.equal([segmentName, pipeName], [undefined, undefined], 'names are for Windows only');
    assert.is(native.segments.sealsOf(segmentFd) & REQUIRED_SEALS, REQUIRED_SEALS, 'sealed against resizing');
    assert.is(native.identity.peerOf(doorbellFd).pid, process.pid, 'the other end is this process');
  } finally {
    subscription.unsubscribe();
  }
});

test('a Node child joins through the fds (connectParent): round trip, then its SIGKILL is PeerExitedError', () =>
  watched(30_000, async (watch) => {
    let subscription!: Subscription;
    let childPid = 0;
    const spec = JSON.stringify({ role: 'parent', script: 'echo' });
    const joined = new Promise<Connection>((resolve, reject) => {
      subscription = nativeChannel({ timeout: 20_000 })
        .pipe(
          switchMap(({ segmentFd, doorbellFd, environment, connection }) => {
            const env = { ...process.env, RXSHM_PARENT: environment };
            const stdio = ['ignore', 'pipe', 'pipe', segmentFd, doorbellFd] as const;
            const child = watch.child(
              spawn(process.execPath, peerArgs(JSON.parse(spec)), { cwd: root, env, stdio: [...stdio] }),
            );
            childPid = child.pid;
            return connection;
          }),
        )
        .subscribe({ next: resolve, error: reject });
    });
    watch.defer(() => subscription.unsubscribe());
    const connection = await Promise.race([joined, watch.aborted]);
    assert.is(connection.peerPid, childPid);
    const echoed = firstValueFrom(connection);
    connection.next(new Uint8Array([5, 6, 7]));
    assert.equal([...(await echoed)], [5, 6, 7]);
    connection.subscribe({ error: () => undefined });
    process.kill(childPid, 'SIGKILL');
    const end = await Promise.race([firstValueFrom(connection.end$), watch.aborted]);
    assert.instance(end.error, PeerExitedError, 'the doorbell ended: this process holds no copy of its far end');
  }));

test('nobody joins: the connection errors with ConnectError HandshakeFailed after the timeout; nothing left open', async () => {
  const before = openFds();
  let completed = false;
  const error = await new Promise<unknown>((resolve) => {
    nativeChannel({ timeout: 200 })
      .pipe(switchMap(({ connection }) => connection))
      .subscribe({ next: () => resolve(null), error: resolve, complete: () => (completed = true) });
  });
  assert.instance(error, ConnectError);
  assert.is((error as ConnectError).code, 'HandshakeFailed');
  assert.match((error as Error).message, /did not join: no hello within 200 ms/);
  assert.not.ok(completed);
  await until(() => openFds().join() === before.join(), 'every descriptor closed', 2000);
});

test('a hello with the wrong token is refused (status 2) and the connection errors HandshakeFailed', async () => {
  const sockets = native.sockets!;
  let answer: number[] | null = null;
  const error = await new Promise<unknown>((resolve) => {
    nativeChannel({ timeout: 10_000 })
      .pipe(
        switchMap(({ doorbellFd, connection }) => {
          sockets.send(doorbellFd, encodeHello(process.pid, 12345n)); // a taker that does not know the token
          // Read the answer before the teardown closes the descriptor.
          const read = (): void => void (answer = [...(sockets.receive(doorbellFd, 1)?.bytes ?? [])]);
          return connection.pipe(tap({ error: read }));
        }),
      )
      .subscribe({ next: () => resolve('joined'), error: resolve });
  });
  assert.instance(error, ConnectError);
  assert.is((error as ConnectError).code, 'HandshakeFailed');
  assert.match((error as Error).message, /wrong token/);
  assert.equal(answer, [HANDSHAKE_BAD_TOKEN], 'the refusal was answered before the channel closed');
});

test('unsubscribing before anyone joined closes every descriptor it opened', async () => {
  const before = openFds();
  let handles: NativeChannel | undefined;
  const subscription = nativeChannel().subscribe((h) => (handles = h));
  assert.ok(openFds().length >= before.length + 3, 'segment, own end, peer end');
  subscription.unsubscribe();
  await until(() => openFds().join() === before.join(), 'every descriptor closed', 2000);
  assert.throws(() => native.segments.sealsOf(handles!.segmentFd), 'the segment fd is closed');
});

test('the connection completes the emitted observable when it ends', () =>
  watched(30_000, async (watch) => {
    const source = nativeChannel({ timeout: 20_000 }).pipe(
      switchMap(({ segmentFd, doorbellFd, environment, connection }) => {
        const env = { ...process.env, RXSHM_PARENT: environment };
        const args = peerArgs({ role: 'parent', script: 'echo' });
        watch.child(
          spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', segmentFd, doorbellFd] }),
        );
        return connection;
      }),
    );
    const connection = await Promise.race([firstValueFrom(source), watch.aborted]);
    connection.complete(); // Close: the echo child closes in turn
    const end = await Promise.race([lastValueFrom(connection.end$), watch.aborted]);
    assert.equal([end.clean, end.error], [true, null]);
  }));

test('bad options, and a backend that passes no descriptors, throw ChannelOptionsError at the call', () => {
  expectError(() => nativeChannel({ ringCapacity: 3 }), ChannelOptionsError, 'InvalidOption');
  expectError(() => nativeChannel({ timeout: -1 }), ChannelOptionsError, 'InvalidOption');
  expectError(() => nativeChannel(null as never), ChannelOptionsError, 'InvalidOption');
  const fake = expectError(() => nativeChannel({ native: createFakeNative() }), ChannelOptionsError, 'InvalidOption');
  assert.match(fake.message, /the fake backend passes no descriptors/);
});

test.run();
