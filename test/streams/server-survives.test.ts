/**
 * A server outlives its clients: each of the README's server patterns (test/fixtures/survival-server.ts, written
 * as the README shows them) serves SURVIVAL_CLIENTS clients in a row (default 300), each SIGKILLed at a random
 * moment (before or during the handshake, mid-stream, with requests in flight) or misbehaving (a malformed frame,
 * a message its codec cannot decode). After every batch this process connects and is served; at the end the
 * server process is still up with nothing on stderr (no unhandled error), exits by itself on SIGTERM (on Windows,
 * which has no SIGTERM to handle, when told on stdin), and leaves nothing in /dev/shm. Seeded, so a failure replays.
 * Under Wine (`npm run test:windows`) SURVIVAL_CLIENTS=10 clients for the echo and serve patterns: a Windows
 * node.exe takes ~2 s to start there.
 */
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, take } from 'rxjs';
import { connect, f64, fixedUtf8, struct } from '../../src/index.js';
import type { Child } from '../helpers/processes.js';
import { prngFloat } from '../helpers/random.js';
import { channelName } from '../helpers/names.js';
import { sleep } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const test = suite('servers outlive their clients');
const CLIENTS = Number(process.env['SURVIVAL_CLIENTS'] ?? 300);
const PROBE_EVERY = 25;
const WINDOWS = process.platform === 'win32';
const Price = struct({ symbol: fixedUtf8(8), bid: f64, ask: f64 });

/** This process connects, gets one answer, and closes: the server still serves. */
async function probe(pattern: string, name: string): Promise<void> {
  const connection = await firstValueFrom(connect(name, { timeout: 20_000 }));
  try {
    if (pattern === 'serve') {
      const answer = await firstValueFrom(connection.request(Uint8Array.of(1, 2, 3), { method: 1 }));
      assert.equal([...answer], [3, 2, 1]);
    } else if (pattern === 'typed') {
      const answer = firstValueFrom(connection.pipe(take(1)));
      connection.next(Price.encode({ symbol: 'PROBE', bid: 1, ask: 2 }));
      assert.equal(Price.decode(await answer), { _tag: 'Right', right: { symbol: 'PROBE', bid: 2, ask: 2 } });
    } else {
      const answer = firstValueFrom(connection.pipe(take(1)));
      connection.next(Uint8Array.of(1, 2, 3));
      assert.equal([...(await answer)], pattern === 'jobs' ? [3, 2, 1] : [1, 2, 3]);
    }
  } finally {
    connection.complete();
  }
}

/**
 * Kills `victim` at the moment `kind` picks; misbehaving clients are given time to be noticed first. `connected`
 * runs once the victim holds the slot (or died): the caller starts the next client then, so start-up costs overlap
 * without the next one taking the slot first.
 */
async function kill(victim: Child, kind: number, rand: () => number, connected: () => void): Promise<void> {
  if (kind === 0)
    await Promise.race([sleep(rand() * 250), victim.exited]); // before or during the handshake
  else {
    const gone = victim.exited.then(() => ({ ev: 'exited' }));
    await Promise.race([victim.next('connected'), gone]);
    connected();
    if (kind === 1) await sleep(rand() * 2);
    else await Promise.race([victim.next('active'), gone]).then(() => sleep(kind === 2 ? rand() * 20 : 30)); // mid-stream, requests in flight
  }
  victim.kill('SIGKILL');
  await victim.exited;
}

for (const pattern of (process.env['SURVIVAL_PATTERNS'] ?? 'echo,jobs,serve,typed').split(',')) {
  test(`${pattern}: ${CLIENTS} clients killed at random moments or misbehaving; the server serves on`, () =>
    watched(60_000 + CLIENTS * 1_000, async (watch) => {
      const name = channelName();
      const rand = prngFloat(0x5e7e + pattern.length); // seeded: the same kill moments on every run
      const server = watch.child(['test/fixtures/survival-server.ts', pattern, name], { stdin: WINDOWS });
      await server.next('listening');
      const mode = (i: number): string => (i % 10 === 9 ? (i % 20 === 9 ? 'malformed' : 'garbage') : 'victim');
      const start = (i: number): Child => watch.child(['test/fixtures/survival-client.mjs', pattern, name, mode(i)]);
      let current = start(0);
      for (let i = 0; i < CLIENTS; i++) {
        let next: Child | null = null;
        const startNext = (): Child => (next ??= start(i + 1));
        await kill(current, mode(i) === 'victim' ? Math.floor(rand() * 3) : 3, rand, startNext);
        current = startNext();
        if (i % PROBE_EVERY === PROBE_EVERY - 1) await probe(pattern, name);
        assert.ok(server.running, `the server died after client ${i}: ${server.stderr}`);
      }
      await kill(current, 2, rand, () => undefined);
      await probe(pattern, name);
      assert.ok(server.running, 'the server is still up');
      assert.is(server.stderr, '', 'nothing on the server stderr (no unhandled error)');
      if (WINDOWS)
        server.send('stop'); // a Windows process cannot handle SIGTERM: Node's kill terminates it
      else server.kill('SIGTERM');
      const exit = await server.exited;
      assert.equal(
        [exit.code, exit.signal],
        [0, null],
        `the server exits by itself after unsubscribing: ${server.stderr}`,
      );
      assert.not.ok(existsSync(`/dev/shm/rxshm.${name}`), 'nothing left in /dev/shm');
    }));
}

test.run();
