/**
 * A C program (test/fixtures/c-peer.c over c/rxshm.h) on the Node side's anonymous channel, reached two ways: as the
 * child of spawnConnected (rxshm_connect_parent reads RXSHM_PARENT) and through nativeChannel's descriptors passed
 * as fds 3 and 4 by spawn's `stdio` (rxshm_adopt(3, 4)). The Node side is this process. Each way: checksummed
 * messages of random sizes both ways, bursts packed into Batch frames for the C side, requests both ways with
 * liveness, Close from the C side (Node completes cleanly), SIGKILL of the C side (PeerExitedError within 1 s), and
 * the Node side unsubscribing (the C side reads RXSHM_CLOSED and exits 0); the C side built 64-bit, 32-bit and with
 * ASan + UBSan.
 */
import { spawn } from 'node:child_process';
import {
  filter,
  firstValueFrom,
  from,
  lastValueFrom,
  map,
  mergeMap,
  of,
  range,
  switchMap,
  toArray,
  type Subscription,
} from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  PeerExitedError,
  RemoteError,
  StatusError,
  liveness,
  nativeChannel,
  serve,
  spawnConnected,
  type Connection,
} from '../../src/index.js';
import { burstMessage, burstSize } from '../fixtures/bursts.js';
import { checkCMessage, cMessage } from '../fixtures/c-messages.js';
import { C_VARIANTS, SANITIZER_ENV, TEST_RING, buildC } from '../helpers/c-build.js';
import type { Child } from '../helpers/processes.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('c: a C program on the anonymous channel of spawnConnected and of nativeChannel');
const MESSAGES = 3000;
const MAX_LENGTH = 16_000;
const REQUESTS = 20;
const OPTIONS = { ringCapacity: TEST_RING, timeout: 30_000 };
const ENV = { ...process.env, ...SANITIZER_ENV };

type Way = 'spawnConnected' | 'nativeChannel';

/** The C side and this side's connection; `subscription` owns the channel. */
interface Started {
  readonly c: Child;
  readonly connection: Connection;
  readonly subscription: Subscription;
}

/** Starts the C program with `args` on a new anonymous channel, the `way` says; resolves once both sides joined. */
async function start(watch: Watch, way: Way, program: string, args: string[]): Promise<Started> {
  let c: Child | undefined;
  let subscription!: Subscription;
  const connected = new Promise<Connection>((resolve, reject) => {
    const source =
      way === 'spawnConnected'
        ? spawnConnected(program, ['parent', '-', ...args], {
            ...OPTIONS,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: ENV,
            onSpawn: (child) => (c = watch.child(child)),
          })
        : nativeChannel(OPTIONS).pipe(
            switchMap(({ segmentFd, doorbellFd, connection }) => {
              const stdio = ['ignore', 'pipe', 'pipe', segmentFd, doorbellFd] as const;
              c = watch.child(spawn(program, ['adopt', '-', ...args], { stdio: [...stdio], env: ENV }));
              return connection;
            }),
          );
    subscription = source.subscribe({ next: resolve, error: reject });
  });
  watch.defer(() => subscription.unsubscribe());
  const connection = await Promise.race([connected, watch.aborted]);
  const ready = await c!.next('ready');
  assert.equal([ready.clientId, ready.peerPid], [0, process.pid], 'the C side names this process as its peer');
  assert.is(connection.peerPid, c!.pid, 'this side names the C process');
  return { c: c!, connection, subscription };
}

/** Asserts a clean exit and no sanitizer report. */
async function exitedCleanly(c: Child): Promise<void> {
  const exit = await c.exited;
  assert.equal([exit.code, exit.signal, c.stderr], [0, null, ''], `C exit; stderr: ${c.stderr}`);
}

/** Runs `body` for each way and each variant, skipping (with the reason printed) a variant that cannot be built. */
function forEach(what: string, body: (watch: Watch, way: Way, program: string) => Promise<void>): void {
  for (const way of ['spawnConnected', 'nativeChannel'] as const) {
    for (const variant of C_VARIANTS) {
      test(`${way}, ${variant}: ${what}`, () =>
        watched(60_000, async (watch) => {
          const program = buildC('c-peer.c', variant);
          if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
          await body(watch, way, program);
        }));
    }
  }
}

forEach(`${MESSAGES} checksummed messages each way; the C side closes, Node completes`, async (watch, way, program) => {
  const { c, connection } = await start(watch, way, program, ['traffic', `${MESSAGES}`, `${MAX_LENGTH}`]);
  const problems: string[] = [];
  let received = 0;
  const completed = new Promise<void>((resolve, reject) =>
    connection.subscribe({
      next: (bytes) => {
        const problem = checkCMessage(bytes, 2, received++, MAX_LENGTH); // the C client sends stream 2
        if (problem) problems.push(problem);
      },
      error: reject,
      complete: resolve,
    }),
  );
  for (let seq = 0; seq < MESSAGES; seq++) {
    connection.next(cMessage(1, seq, MAX_LENGTH));
    if (!connection.writable) await firstValueFrom(connection.writable$.pipe(filter(Boolean)));
  }
  assert.equal(await c.next('done'), { ev: 'done', sent: MESSAGES, received: MESSAGES });
  await completed; // the C side's Close, after every message
  assert.equal([received, problems.slice(0, 3)], [MESSAGES, []]);
  connection.complete();
  assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
  const end = await firstValueFrom(connection.end$);
  assert.equal([end.clean, end.error], [true, null], 'the Node side ended cleanly');
  await exitedCleanly(c);
});

forEach(`${MESSAGES} messages in bursts reach the C side, most in Batch frames`, async (watch, way, program) => {
  const { c, connection } = await start(watch, way, program, ['bursts', `${MESSAGES}`]);
  const completed = new Promise<void>((resolve, reject) => connection.subscribe({ error: reject, complete: resolve }));
  for (let burst = 0, sent = 0; sent < MESSAGES; burst++) {
    for (let k = 0; k < burstSize(burst) && sent < MESSAGES; k++) connection.next(burstMessage(sent++));
    if (!connection.writable) await firstValueFrom(connection.writable$.pipe(filter(Boolean)));
    await new Promise((resolve) => setImmediate(resolve)); // ends the synchronous burst
  }
  const done = await c.next('done'); // every message checked in order by the C side
  assert.equal([done.received, done.requests], [MESSAGES, 0]);
  // About 150 bursts: the sender packs only because rxshm_adopt announced that the C side reads Batch frames.
  assert.ok(done.batches >= 30, `Batch frames reached the C side: ${done.batches}`);
  await completed; // the C side's Close
  connection.complete();
  assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
  await exitedCleanly(c);
});

forEach(`${REQUESTS} requests each way with Error answers, liveness both ways, Close`, async (watch, way, program) => {
  const { c, connection } = await start(watch, way, program, ['rpc', `${REQUESTS}`, `${REQUESTS}`]);
  const reversed = (bytes: Uint8Array): Uint8Array => bytes.slice().reverse();
  const alive = firstValueFrom(
    of(connection).pipe(
      liveness({ interval: 100 }),
      filter((s) => s === 'alive'),
    ),
  );
  // The C side closes once all is answered: its answers wait for our Alive, so the check cannot race the Close.
  const serving = serve(connection, {
    1: (bytes) => from(alive).pipe(map(() => reversed(bytes))),
    2: () => {
      throw new StatusError(256, 'nope');
    },
  }).subscribe();
  const outcomes = await lastValueFrom(
    range(0, REQUESTS).pipe(
      mergeMap(async (i) => {
        const payload = new Uint8Array([i, 1, 2, 3]);
        const method = i % 10 === 9 ? 2 : 1;
        try {
          const answer = await firstValueFrom(connection.request(payload, { method, timeout: 30_000 }));
          return method === 1 && answer.join() === reversed(payload).join();
        } catch (error) {
          return method === 2 && error instanceof RemoteError && error.status === 256;
        }
      }),
      toArray(),
    ),
  );
  assert.equal(outcomes, new Array(REQUESTS).fill(true), 'the C side answered each request as asked');
  assert.is(await alive, 'alive', 'the C side answered LivenessCheck');
  const done = await c.next('done');
  assert.equal([done.answered, done.served, done.alive], [REQUESTS, REQUESTS, 3], JSON.stringify(done));
  await lastValueFrom(connection, { defaultValue: null }); // the C side's Close
  serving.unsubscribe();
  connection.complete();
  assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
  await exitedCleanly(c);
});

forEach('SIGKILL of the C side: PeerExitedError within 1 s', async (watch, way, program) => {
  const { c, connection } = await start(watch, way, program, ['echo']);
  connection.subscribe({ error: () => undefined });
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the C side park
  const killedAt = Date.now();
  c.kill('SIGKILL');
  const end = await firstValueFrom(connection.end$);
  const noticed = Date.now() - killedAt;
  assert.instance(end.error, PeerExitedError);
  assert.ok(noticed < 1000, `noticed ${noticed} ms after the kill`);
});

forEach('the Node side unsubscribes: the C side reads RXSHM_CLOSED and exits 0', async (watch, way, program) => {
  const { c, connection, subscription } = await start(watch, way, program, ['echo']);
  const echoed = firstValueFrom(connection);
  connection.next(new Uint8Array([1, 2, 3]));
  assert.equal([...(await echoed)], [1, 2, 3]);
  subscription.unsubscribe();
  assert.equal(await c.next('end'), { ev: 'end', result: 'closed', checksAnswered: 0 });
  await exitedCleanly(c);
});

test.run();
