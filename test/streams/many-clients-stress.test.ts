/**
 * Many clients under load and under fire (issue 13), with real processes under watchdogs:
 * - STRESS_CLIENTS (32) client processes connect at once and each exchanges STRESS_MESSAGES (10,000) checksummed
 *   messages both ways with the server; all complete; afterwards nothing is left in /dev/shm and the server holds no
 *   segment and no more descriptors than before;
 * - VICTIMS (200) client processes SIGKILLed at random moments (before or during the handshake, mid-stream, with
 *   requests in flight that the server answers after a random delay) while one client keeps exchanging: only the victims' connections end, every slot frees, and new clients use them;
 * - SERVER_KILLS (100) server processes and as many clients SIGKILLed at random moments: nothing in /dev/shm, and a
 *   server on the same name starts at once;
 * - CYCLES (2,000) connect/close cycles: descriptors and memory return to their starting level;
 * - FULL_HOUSE (4,096) clients connected at once to a server of that maxClients (in this process): distinct slots,
 *   the next one Busy, and a message to the last one.
 * Counts can be lowered through the environment for a quick run.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { firstValueFrom, map, timer } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, listen, serve, type Connection } from '../../src/index.js';
import { checkMessage, message } from '../fixtures/checksummed.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { prngFloat } from '../helpers/random.js';
import { watched } from '../helpers/watched.js';
import { sleep, until, within } from '../helpers/waiting.js';

const test = suite('many clients under load');
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const STRESS_CLIENTS = env('STRESS_CLIENTS', 32);
const STRESS_MESSAGES = env('STRESS_MESSAGES', 10_000);
const VICTIMS = env('VICTIMS', 200);
const SERVER_KILLS = env('SERVER_KILLS', 100);
const CYCLES = env('CYCLES', 2000);
const FULL_HOUSE = env('FULL_HOUSE', 4096);
const SMALL = { ringCapacity: 64 * 1024 } as const;

const fds = (): number => readdirSync('/proc/self/fd').length;
const segmentFds = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:rxshm');
    } catch {
      return false;
    }
  }).length;

test(`${STRESS_CLIENTS} client processes at once, ${STRESS_MESSAGES} checksummed messages each way each: all complete, nothing left`, () =>
  watched(240_000, async (scope) => {
    const name = channelName();
    await until(() => segmentFds() === 0, 'no segment held before', 10_000);
    const problems: string[] = [];
    const finished: number[] = [];
    const connected: Connection[] = [];
    let go: () => void = () => undefined;
    const everyone = new Promise<void>((resolve) => (go = resolve));
    const server = listen(name, { ...SMALL, maxClients: STRESS_CLIENTS }).subscribe((connection) => {
      const tag = connection.peerPid;
      let received = 0;
      connection.subscribe({
        next: (bytes) => {
          const problem = checkMessage(bytes, tag, received++);
          if (problem) problems.push(`from client ${connection.clientId}: ${problem}`);
          if (received === STRESS_MESSAGES) finished.push(connection.clientId);
        },
        error: (e: Error) => problems.push(`client ${connection.clientId}: ${e.message}`),
      });
      // Everyone sends once all are connected: they overlap, so each has a slot of its own.
      void (async () => {
        connected.push(connection);
        if (connected.length === STRESS_CLIENTS) go();
        await everyone;
        for (let seq = 0; seq < STRESS_MESSAGES; seq++) {
          connection.next(message(connection.clientId + 1, seq));
          if (!connection.writable) await until(() => connection.writable || connection.ended, 'room', 60_000);
          if (seq % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
        }
      })().catch((e: Error) => problems.push(`sending to ${connection.clientId}: ${e.message}`));
    });
    scope.defer(() => server.unsubscribe());
    const children = Array.from({ length: STRESS_CLIENTS }, () =>
      scope.child(['test/fixtures/many-client.ts', name, String(STRESS_MESSAGES), 'exchange']),
    );
    const reports = await Promise.all(children.map((child) => within(child.next('done'), 200_000, 'a client done')));
    for (const report of reports) {
      assert.equal([report['sent'], report['received'], report['problem']], [STRESS_MESSAGES, STRESS_MESSAGES, null]);
    }
    assert.equal(
      reports.map((r) => r['clientId'] as number).sort((a, b) => a - b),
      [...Array(STRESS_CLIENTS).keys()],
      'distinct slots',
    );
    await until(() => finished.length === STRESS_CLIENTS, 'the server received everything', 30_000);
    assert.equal(problems, []);
    for (const child of children) assert.equal((await child.exited).code, 0, child.stderr);
    await until(() => segmentFds() === 0, 'the server holds no segment once they left', 10_000);
    assert.equal(shmLeft(), []);
  }));

test(`${VICTIMS} clients SIGKILLed at random moments: only their connections end, every slot frees, new clients use them`, () =>
  watched(60_000 + VICTIMS * 1000, async (scope) => {
    const name = channelName();
    const rand = prngFloat(0x13);
    const batch = 8;
    const arrivals = new Opened(listen(name, { ...SMALL, maxClients: batch + 1 }));
    scope.defer(() => arrivals.close());
    const watching = new Opened(connect(name, { timeout: 5000 }));
    scope.defer(() => watching.close());
    const survivor = await watching.connection();
    const toSurvivor = await arrivals.connection();
    const echoes: number[] = [];
    receive(survivor, (m) => echoes.push(m[0]!));
    let sent = 0;
    const traffic = setInterval(() => toSurvivor.next(Uint8Array.of(sent++ & 0xff)), 2);
    scope.defer(() => clearInterval(traffic));
    let ended = 0;
    let requestsTaken = 0;
    const endedOthers: string[] = [];
    const tracked = new Set<Connection>();
    const track = (c: Connection): void => {
      tracked.add(c);
      // Every request is answered after a random delay, so victims die with requests in flight on both sides.
      const answer = (bytes: Uint8Array) => {
        requestsTaken++;
        return timer(Math.floor(rand() * 20)).pipe(map(() => bytes.slice()));
      };
      serve(c, answer, { concurrency: 64 }).subscribe({ error: () => undefined });
    };
    track(toSurvivor);
    const sweep = setInterval(() => {
      for (const c of arrivals.connections)
        if (!tracked.has(c)) {
          track(c);
          c.subscribe({ error: () => undefined });
          void firstValueFrom(c.end$).then((end) => {
            ended++;
            if (end.by !== 'peer') endedOthers.push(`${c.clientId}: ${end.by}`);
          });
        }
    }, 5);
    scope.defer(() => clearInterval(sweep));
    for (let done = 0; done < VICTIMS; done += batch) {
      const victims = Array.from({ length: Math.min(batch, VICTIMS - done) }, () =>
        scope.child(['test/fixtures/many-client.ts', name, '0', 'victim']),
      );
      await Promise.all(
        victims.map(async (victim) => {
          const moment = rand();
          if (moment < 0.3)
            await sleep(Math.floor(rand() * 400)); // before or during its handshake
          else await within(victim.next('ready'), 30_000, 'a victim connected').then(() => sleep(rand() * 50));
          victim.kill('SIGKILL');
          await victim.exited;
        }),
      );
    }
    await until(() => ended === tracked.size - 1, 'every victim connection ended', 10_000);
    assert.equal(endedOthers, [], 'victims end as their peer failing');
    assert.not.ok(toSurvivor.ended, 'the survivor was not disturbed');
    assert.ok(requestsTaken > 0, `victims had requests in flight (${requestsTaken} taken)`);
    const before = echoes.length;
    await until(() => echoes.length > before + 10, 'the survivor still receiving');
    const answer = await within(firstValueFrom(survivor.request(Uint8Array.of(7, 9))), 5000, 'the survivor answered');
    assert.equal([...answer], [7, 9], 'the survivor still gets answers');
    // Every slot but the survivor's is free again: eight new clients at once get exactly those.
    const fresh = await Promise.all(
      Array.from({ length: batch }, async () => {
        const opened = new Opened(connect(name, { timeout: 5000 }));
        scope.defer(() => opened.close());
        return (await opened.connection()).clientId;
      }),
    );
    assert.equal(
      fresh.sort((a, b) => a - b),
      [...Array(batch + 1).keys()].filter((id) => id !== toSurvivor.clientId),
    );
    assert.equal(shmLeft(), []);
  }));

test(`${SERVER_KILLS} servers and as many clients SIGKILLed at random moments: nothing in /dev/shm, a new server starts at once`, () =>
  watched(60_000 + SERVER_KILLS * 2000, async (scope) => {
    const rand = prngFloat(0x5eed);
    for (let i = 0; i < SERVER_KILLS; i++) {
      const name = channelName();
      const server = scope.peer({ role: 'server', name, script: 'echo' });
      const client = scope.child(['test/fixtures/many-client.ts', name, '0', 'victim']);
      await sleep(Math.floor(rand() * 600)); // anywhere from the server's start to mid-stream
      const [first, second] = rand() < 0.5 ? [server, client] : [client, server];
      first.kill('SIGKILL');
      await sleep(Math.floor(rand() * 20));
      second.kill('SIGKILL');
      await Promise.all([server.exited, client.exited]);
      assert.equal(shmLeft(), [], `round ${i}: nothing in /dev/shm`);
      // The name is free at once: listen in this process binds it and serves.
      const again = new Opened(listen(name, SMALL));
      const joined = new Opened(connect(name, { timeout: 2000 }));
      await within(Promise.all([again.connection(), joined.connection()]), 5000, `round ${i}: a new server serving`);
      joined.close();
      again.close();
    }
  }));

test(`${CYCLES} connect/close cycles: descriptors and memory return to their starting level`, () =>
  watched(120_000 + CYCLES * 50, async (scope) => {
    const name = channelName();
    const server = listen(name, { ringCapacity: 4096 }).subscribe((c) => c.subscribe({ error: () => undefined }));
    scope.defer(() => server.unsubscribe());
    const cycle = async (): Promise<void> => {
      const opened = new Opened(connect(name, { timeout: 5000, ringCapacity: 4096 }));
      const connection = await opened.connection();
      connection.next(Uint8Array.of(1));
      connection.complete();
      await firstValueFrom(connection.end$);
      opened.close();
    };
    for (let i = 0; i < 50; i++) await cycle(); // warm up
    await until(() => segmentFds() === 0, 'warm-up segments released');
    global.gc?.();
    const [fdsBefore, rssBefore] = [fds(), process.memoryUsage().rss];
    for (let i = 0; i < CYCLES; i++) await cycle();
    await until(() => segmentFds() === 0, 'every segment released', 10_000);
    await until(() => fds() <= fdsBefore, `descriptors back to ${fdsBefore} (now ${fds()})`, 10_000);
    global.gc?.();
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB over ${CYCLES} cycles`);
    assert.equal(shmLeft(), []);
  }));

test(`${FULL_HOUSE} clients at once on a server of maxClients ${FULL_HOUSE}: distinct slots, the next is Busy`, () =>
  watched(120_000 + FULL_HOUSE * 50, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name, { ringCapacity: 1024, maxClients: FULL_HOUSE }));
    scope.defer(() => server.close());
    const ids: number[] = [];
    const members: Opened[] = [];
    scope.defer(() => members.forEach((m) => m.close()));
    for (let done = 0; done < FULL_HOUSE; done += 256) {
      const batch = Array.from({ length: Math.min(256, FULL_HOUSE - done) }, () => {
        const opened = new Opened(connect(name, { timeout: 30_000, ringCapacity: 1024 }));
        members.push(opened);
        return opened.connection();
      });
      for (const connection of await Promise.all(batch)) ids.push(connection.clientId);
    }
    assert.equal(
      ids.sort((a, b) => a - b),
      [...Array(FULL_HOUSE).keys()],
    );
    const busy = await new Opened(connect(name, { timeout: 200 })).failure();
    assert.is((busy as { code?: string }).code, 'Busy', String(busy));
    const last = members.at(-1)!.connections[0]!;
    const got = new Promise<Uint8Array>((resolve) => receive(last, resolve));
    const serverSide = server.connections.find((c) => c.clientId === last.clientId)!;
    serverSide.next(Uint8Array.of(42));
    assert.equal([...(await got)], [42]);
  }));

test.run();
