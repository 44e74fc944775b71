/**
 * Only the owner can serve a name. A second, unprivileged user (`rxshm-attacker`, created here with useradd when
 * missing), run with setpriv, binds a channel's doorbell first (test/fixtures/impostor-doorbell.py) or leaves a file
 * where segments were once named (test/fixtures/impostor-squatter.ts). connect() refuses to trust the impostor's
 * doorbell and sends it nothing (unless told to trust its uid); listen() names the squatter's uid and pid; a file
 * in /dev/shm means nothing to a channel any more. Same-user
 * listen/connect keeps working. Needs root (useradd, setpriv); otherwise the cross-user cases are skipped with a
 * printed reason. Every test runs under a watchdog that kills the squatter.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChannelOptionsError, connect, ConnectError, listen, ListenError } from '../../src/index.js';
import { native } from '../../src/native/index.js';
import type { SquatSpec } from '../fixtures/impostor-squatter.js';
import { Opened, failure, receive } from '../helpers/connections.js';
import { type Child, root } from '../helpers/processes.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { sleep } from '../helpers/waiting.js';

const test = suite('impostor');
const ATTACKER = 'rxshm-attacker';
const FIXTURE = join(root, 'test/fixtures/impostor-squatter.ts');
const DOORBELL_FIXTURE = join(root, 'test/fixtures/impostor-doorbell.py');
/** The system's Python (another user cannot run root's pyenv shims). */
const PYTHON = '/usr/bin/python3';

interface Attacker {
  readonly uid: number;
  readonly gid: number;
  /** The command that runs the squatter as the attacker with `spec`. */
  argv(spec: SquatSpec): string[];
}

const run = (command: string, args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync(command, args, { encoding: 'utf8', input: '', timeout: 30_000, cwd: root });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
};

/** The second user and a way to run the squatter as it, or why that is impossible here. */
async function setUpAttacker(): Promise<Attacker | string> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0)
    return `not root (uid ${process.getuid?.()}): cannot create a second user nor switch to it`;
  if (!run('setpriv', ['--version']).ok) return 'setpriv is missing (util-linux)';
  if (!run('id', ['-u', ATTACKER]).ok) {
    const added = run('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', ATTACKER]);
    if (!added.ok) return `useradd ${ATTACKER} failed: ${added.out}`;
  }
  const uid = Number(run('id', ['-u', ATTACKER]).out);
  const gid = Number(run('id', ['-g', ATTACKER]).out);
  if (!(uid > 0) || !(gid > 0)) return `${ATTACKER} has no usable uid/gid (${uid}/${gid})`;
  const as = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath];
  const probe = (argv: string[]): boolean =>
    run(argv[0]!, [...argv.slice(1), JSON.stringify({ channel: `probe-${process.pid}` })]).out.includes('"ready"');
  // The repository may be unreadable to that user: then run a plain-JavaScript copy from a temp dir it can read.
  const inPlace = [...as, '--import', 'tsx', FIXTURE];
  if (probe(inPlace)) return { uid, gid, argv: (spec) => [...inPlace, JSON.stringify(spec)] };
  try {
    const { transformSync } = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'rxshm-impostor-'));
    chmodSync(dir, 0o755);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const js = join(dir, 'impostor-squatter.mjs');
    // The fixture imports only Node's modules, so stripping its types is all it takes to run it without tsx.
    writeFileSync(js, transformSync(readFileSync(FIXTURE, 'utf8'), { loader: 'ts', format: 'esm' }).code, {
      mode: 0o644,
    });
    const copied = [...as, js];
    if (probe(copied)) return { uid, gid, argv: (spec) => [...copied, JSON.stringify(spec)] };
    return `${ATTACKER} can run neither the fixture in place nor a copy in ${dir} (node at ${process.execPath} not executable by it?)`;
  } catch (error) {
    return `${ATTACKER} cannot read the repository and the fixture could not be copied: ${(error as Error).message}`;
  }
}

const attacker = await setUpAttacker();
const skipped = (what: string): boolean => {
  if (typeof attacker !== 'string') return false;
  console.log(`  skipped: ${what}: ${attacker}`);
  return true;
};

/** Starts the squatter as the attacker; resolves once it holds what `spec` asks for. */
async function squat(scope: Watch, spec: SquatSpec): Promise<Child & { uid: number }> {
  const a = attacker as Attacker;
  const [command, ...args] = a.argv(spec);
  const peer = scope.child(spawn(command!, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] }));
  scope.defer(() => rmSync(`/dev/shm/rxshm.${spec.channel}`, { force: true }));
  const ready = await peer.next('ready');
  assert.is(ready.uid, a.uid, 'the squatter runs as the other user');
  return Object.assign(peer, { uid: a.uid });
}

/**
 * The attacker binding channel `name`'s doorbell first, at the exact length rxshm binds (test/fixtures/
 * impostor-doorbell.py: Node 20's net would bind a padded name, another address); it never replies.
 */
async function squatDoorbell(scope: Watch, name: string): Promise<Child & { uid: number }> {
  const a = attacker as Attacker;
  const as = ['setpriv', `--reuid=${a.uid}`, `--regid=${a.gid}`, '--clear-groups'];
  const script = readFileSync(DOORBELL_FIXTURE, 'utf8');
  const address = native.doorbellPath(name).slice(1);
  const peer = scope.child(
    spawn(as[0]!, [...as.slice(1), PYTHON, '-c', script, address], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const ready = await peer.next('ready');
  assert.is(ready.uid, a.uid, 'the squatter runs as the other user');
  return Object.assign(peer, { uid: a.uid });
}

test("another user's doorbell: connect is Refused at once, naming its uid and pid, and sends nothing", async () => {
  if (skipped('impostor doorbell')) return;
  await watched(30_000, async (scope) => {
    const name = channelName();
    const impostor = await squatDoorbell(scope, name);
    const started = performance.now();
    const error = await failure(connect(name, { timeout: 3000 }));
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'Refused', error.message);
    assert.ok(performance.now() - started < 1500, 'refused at once, not after the timeout');
    assert.match(error.message, `the doorbell is held by uid ${impostor.uid} (pid ${impostor.pid})`);
    assert.match(error.message, 'nothing was sent');
    await sleep(200);
    assert.equal(
      impostor.events.filter((e) => e.ev === 'data'),
      [],
      'no hello reached the impostor',
    );
  });
});

test("trustUids lets a client trust another user's listener: the hello goes out (and a listener that never replies is ServerAbsent)", async () => {
  if (skipped('trustUids')) return;
  await watched(30_000, async (scope) => {
    const name = channelName();
    const impostor = await squatDoorbell(scope, name);
    const error = await failure(connect(name, { timeout: 300, trustUids: [impostor.uid] }));
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'ServerAbsent', error.message);
    assert.ok(
      impostor.events.some((e) => e.ev === 'data' && e.n === 16),
      'the 16-byte hello reached the trusted listener',
    );
  });
});

test('a doorbell bound first by another user: listen fails Squatted naming its uid and pid, and leaves nothing', async () => {
  if (skipped('doorbell bound first')) return;
  await watched(30_000, async (scope) => {
    const name = channelName();
    const impostor = await squatDoorbell(scope, name);
    const error = await failure(listen(name));
    assert.instance(error, ListenError);
    assert.is((error as ListenError).code, 'Squatted', error.message);
    assert.match(error.message, `the doorbell is held by uid ${impostor.uid} (pid ${impostor.pid})`);
    assert.equal(shmLeft(), []);
  });
});

test("another user's file at /dev/shm/rxshm.<name> means nothing now: listen and connect work, the file is left as it was", async () => {
  if (skipped('a file of another user')) return;
  await watched(30_000, async (scope) => {
    const name = channelName();
    const garbage = Buffer.alloc(4096, 0xab);
    const impostor = await squat(scope, {
      channel: name,
      file: { size: garbage.length, bytes: garbage.toString('base64') },
    });
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const client = new Opened(connect(name, { timeout: 3000 }));
    scope.defer(() => client.close());
    const [ours, theirs] = await Promise.all([server.connection(), client.connection()]);
    const got = new Promise<Uint8Array>((resolve) => receive(theirs, resolve));
    ours.next(Uint8Array.of(5));
    assert.equal([...(await got)], [5]);
    assert.is(statSync(`/dev/shm/rxshm.${name}`).uid, impostor.uid);
    assert.ok(readFileSync(`/dev/shm/rxshm.${name}`).equals(garbage), 'not touched');
  });
});

test('the same user: listen and connect work, a second listen is AlreadyServing naming this process', async () => {
  await watched(30_000, async (scope) => {
    const name = channelName();
    const server = new Opened(listen(name));
    scope.defer(() => server.close());
    const client = new Opened(connect(name, { timeout: 3000 }));
    scope.defer(() => client.close());
    const [ours, theirs] = await Promise.all([server.connection(), client.connection()]);
    const got = new Promise<Uint8Array>((resolve) => receive(theirs, resolve));
    ours.next(Uint8Array.of(5, 6));
    assert.equal([...(await got)], [5, 6]);
    const again = await failure(listen(name));
    assert.is((again as ListenError).code, 'AlreadyServing', again.message);
    assert.match(again.message, `process ${process.pid} already serves it`);
  });
  assert.equal(shmLeft(), []);
});

test('trustUids is validated at creation', () => {
  for (const bad of [5, 'root', [-1], [1.5], [2 ** 32], [Number.NaN], [undefined], ['0']]) {
    assert.throws(
      () => connect(channelName(), { trustUids: bad as never }),
      (e: unknown) => e instanceof ChannelOptionsError && /trustUids/.test((e as Error).message),
      JSON.stringify(bad),
    );
  }
  connect(channelName(), { trustUids: [0, 1000, 4294967294] });
  assert.not.ok(existsSync(`/dev/shm/rxshm.${channelName()}`));
});

test.run();
