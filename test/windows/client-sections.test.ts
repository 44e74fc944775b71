/**
 * Named channels on the Windows backend (run by `npm run test:windows` under Wine): each client gets a section of
 * its own, `Local\rxshm.client.<32 hex digits>`, that exists while the two hold it and is gone once both have let
 * go, whether the client left cleanly or was killed (TerminateProcess): nothing is reused, nothing left behind.
 * The pid a client states is checked with `identity.processOwnerOf`, tested last. The sections' names are seen by
 * wrapping the server's `segments.create`. Every test runs under a watchdog; skipped elsewhere.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, listen, type Connection } from '../../src/index.js';
import { native, SegmentError, type NativeApi } from '../../src/native/index.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { until } from '../helpers/waiting.js';

const test = suite('win32 client sections');
const SMALL = { ringCapacity: 4096, maxMessage: 512 } as const;

/** The Windows backend with every segment name the server creates recorded in `created`. */
function recording(created: string[]): NativeApi {
  const segments = Object.create(native.segments) as NativeApi['segments'];
  segments.create = (name, size, options) => (created.push(name), native.segments.create(name, size, options));
  return { ...native, segments };
}

/** Whether a section of that name exists now (this process may open it: the same user). */
function exists(name: string): boolean {
  try {
    native.segments.open(name).close();
    return true;
  } catch (error) {
    if (error instanceof SegmentError && error.code === 'NotFound') return false;
    throw error;
  }
}

/** A client in this process, closed with the scope. */
async function client(scope: Watch, name: string): Promise<Connection> {
  const opened = new Opened(connect(name, { timeout: 10_000, ...SMALL }));
  scope.defer(() => opened.close());
  return opened.connection();
}

test('each client has a fresh section of its own; it is gone once the client left and the server let go', () =>
  watched(30_000, async (scope) => {
    const created: string[] = [];
    const name = channelName();
    const server = new Opened(listen(name, { native: recording(created), ...SMALL }));
    scope.defer(() => server.close());
    const a = await client(scope, name);
    const b = await client(scope, name);
    const [toA, toB] = [await server.connection(), await server.connection()];
    assert.is(created.length, 2);
    for (const section of created) assert.match(section, /^rxshm\.client\.[0-9a-f]{32}$/);
    assert.ok(created.every(exists), 'both sections exist while held');
    const ended = receive(toA).ended;
    a.complete();
    await ended;
    await until(() => !exists(created[0]!), "A's section gone once A left", 10_000);
    assert.ok(exists(created[1]!), "B's section untouched");
    const got: number[] = [];
    receive(b, (m) => got.push(...m));
    toB.next(Uint8Array.of(9));
    await until(() => got.length === 1, 'B still served');
    const c = await client(scope, name);
    assert.is(c.clientId, a.clientId, "A's slot is reused");
    assert.is(created.length, 3);
    assert.not.ok(created.slice(0, 2).includes(created[2]!), 'with a new section, never the old one');
  }));

test('a client process killed mid-exchange: the server serves on, and its section is gone', () =>
  watched(40_000, async (scope) => {
    const created: string[] = [];
    const name = channelName();
    const server = new Opened(listen(name, { native: recording(created), ...SMALL }));
    scope.defer(() => server.close());
    const victim = scope.peer({ role: 'client', name, script: 'hold', stdin: true });
    const toVictim = await server.connection();
    await victim.next('ready');
    const ended = receive(toVictim).ended;
    toVictim.next(Uint8Array.of(1));
    victim.kill('SIGKILL');
    assert.is((await ended).how, 'complete', "listen's connection completes when its client dies");
    await until(() => !exists(created[0]!), "the killed client's section gone", 10_000);
    const next = await client(scope, name);
    assert.is(next.clientId, 0, "the dead client's slot is free");
    const echo = new Promise<number>((resolve) => receive(next, (m) => resolve(m[0]!)));
    (await server.connection()).next(Uint8Array.of(4));
    assert.is(await echo, 4);
  }));

test("processOwnerOf (the server's check of a client's pid): this user's processes; null for an exited one", () =>
  watched(30_000, async (scope) => {
    const ownerOf = native.identity.processOwnerOf!;
    assert.is(ownerOf(process.pid), native.identity.uid());
    const child = scope.child(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'pipe' }));
    await until(() => ownerOf(child.pid) !== null, "the child's token readable", 10_000);
    assert.is(ownerOf(child.pid), native.identity.uid());
    child.kill('SIGKILL');
    await child.exited;
    assert.is(ownerOf(child.pid), null, 'an exited process owns nothing');
    assert.is(ownerOf(0), null);
  }));

if (process.platform === 'win32') test.run();
