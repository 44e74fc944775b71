/**
 * A nameless channel setup across real processes (Linux): a server creates a sealed memfd and sends it with
 * SCM_RIGHTS over an abstract socket; the client checks who listens (SO_PEERCRED), maps it, cannot resize it, and
 * both exchange data through it. Either side SIGKILLed at any moment leaves nothing in /dev/shm, no listener on
 * the address and no socket file; an unexpected peer is refused; no descriptor leaks; a hostile sender of extra
 * or unsealed descriptors is refused with every descriptor closed. Children run under the watchdog (watched.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MapSegmentError, native, SocketError } from '../../src/native/index.js';
import { acceptNext, receiveNext, sockets, untilEnded, untilWord } from '../fixtures/native-fd-steps.js';
import { expectError } from '../helpers/assertions.js';
import { nativeName } from '../helpers/names.js';
import { root, type Child } from '../helpers/processes.js';
import { prng } from '../helpers/random.js';
import { sleep, within } from '../helpers/waiting.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('native descriptor passing across processes (linux)');
const PEER = 'test/fixtures/native-fd-peer.ts';
const SIZE = 64 * 1024;
const OTHER_UID = 54_321;
/** Sockets and memfds this process holds (the pipes to its children do not count). */
const openFds = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return /^socket:|^\/memfd:/.test(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false; // the directory's own descriptor, gone by now
    }
  }).length;

/** Listening sockets on `address` in /proc/net/unix (flag __SO_ACCEPTCON). */
const listeners = (address: string): number =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '00010000' && fields[7] === `@${address.slice(1)}`).length;

/** Everything a run could have left behind, by name: /dev/shm entries, socket files, a listener. */
function leftovers(address: string, tag: string): string[] {
  const named = (dir: string): string[] =>
    readdirSync(dir)
      .filter((f) => f.includes(tag))
      .map((f) => join(dir, f));
  const found = [...named('/dev/shm'), ...named(tmpdir()), ...named(root)];
  if (listeners(address) > 0) found.push(`listener on @${address.slice(1)}`);
  return found;
}

/** Python peers (a hostile sender, another user's client) need socket.send_fds / recv_fds (3.9+). */
const hasPython = (): boolean => spawnSync('python3', ['-c', 'import socket; socket.send_fds']).status === 0;
const asStranger = [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups'];
/** A python3 another uid may run (not a shim in root's home), or null. */
function strangerPython(): string | null {
  for (const python of ['/usr/bin/python3', '/usr/local/bin/python3']) {
    const probe = spawnSync('setpriv', [...asStranger, python, '-c', 'import socket; socket.recv_fds'], {
      stdio: 'ignore',
    });
    if (probe.status === 0) return python;
  }
  return null;
}
/** The child reported that its peer went away (`refused`: an end before any descriptor came). */
const endedByPeer = (child: Child): boolean => child.lines.some((l) => /"ev":"(peer-gone|refused)"/.test(l));
/** The child mapped a segment it received. */
const mapped = (child: Child): boolean => child.lines.some((l) => l.includes('"ev":"mapped"'));

const startServer = (watch: Watch, address: string, expected = 'any'): Child =>
  watch.child([PEER, 'server', address.slice(1), expected]);
const startClient = (watch: Watch, address: string, expected = 'any', hold = ''): Child =>
  watch.child([PEER, 'client', address.slice(1), expected, hold]);

test('this process serves a sealed memfd to a child: both map it, exchange data, and the child cannot resize it', () =>
  watched(30_000, async (watch) => {
    const s = sockets();
    const tag = nativeName('fdpass');
    const address = `\0${tag}`;
    const listener = s.listen(address);
    const before = openFds();
    const client = startClient(watch, address, String(process.pid));
    const fd = await acceptNext(listener);
    const segment = native.segments.createSealed(SIZE);
    try {
      assert.is(native.identity.peerOf(fd).pid, client.pid, 'SO_PEERCRED names the child');
      assert.is(native.identity.peerOf(fd).uid, native.identity.uid());
      const server = await client.next('server');
      assert.equal([server.pid, server.uid], [process.pid, native.identity.uid()], 'and the child sees us');
      assert.is((await receiveNext(fd, 4)).bytes.length, 4);
      const words = new Int32Array(segment.buffer);
      const bytes = new Uint8Array(segment.buffer);
      for (let i = 64; i < SIZE / 2; i++) bytes[i] = (i * 31 + 7) & 0xff;
      Atomics.store(words, 1, SIZE);
      Atomics.store(words, 0, 0x5345414c);
      assert.is(s.send(fd, Buffer.from('SEG!'), segment.fd), 4);
      assert.equal(await client.next('mapped'), { ev: 'mapped', size: SIZE, seals: 7 });
      assert.equal(await client.next('resize'), { ev: 'resize', truncate: 'EPERM', grow: 'EPERM' });
      assert.ok((await client.next('wrote')).ok, 'the child read what we wrote');
      assert.ok(await untilWord(words, 2, 1, fd));
      for (let i = SIZE / 2; i < SIZE; i++) assert.is(bytes[i], ((i * 31 + 7) & 0xff) ^ 0xff);
      Atomics.store(words, 3, 1);
      assert.is((await client.next('answered')).lastByte, bytes[SIZE - 1]);
      await client.next('done');
      assert.equal(await client.exited.then((e) => [e.code, e.signal]), [0, null]);
      await untilEnded(fd);
    } finally {
      segment.close();
      s.close(fd);
    }
    assert.is(openFds(), before, 'no descriptor left open here');
    s.close(listener);
    assert.equal(leftovers(address, tag), []);
  }));

test('two children: the memfd has no name (/memfd:... (deleted)), and a clean run leaves nothing behind', () =>
  watched(30_000, async (watch) => {
    const tag = nativeName('fdpair');
    const address = `\0${tag}`;
    const server = startServer(watch, address);
    await server.next('listening');
    const client = startClient(watch, address);
    assert.match((await server.next('sent')).memfd as string, /^\/memfd:rxshm \(deleted\)$/);
    assert.ok((await server.next('client-wrote')).ok);
    await client.next('done');
    await server.next('peer-gone');
    for (const child of [server, client]) assert.equal(await child.exited.then((e) => [e.code, e.signal]), [0, null]);
    assert.equal(leftovers(address, tag), []);
  }));

/** Stages to kill at: the victim, and the event of the other side after which it dies. */
const STAGES: readonly { victim: 'server' | 'client'; after: 'server' | 'client'; ev: string }[] = [
  { victim: 'server', after: 'client', ev: 'connected' },
  { victim: 'server', after: 'client', ev: 'mapped' },
  { victim: 'server', after: 'client', ev: 'answered' },
  { victim: 'client', after: 'server', ev: 'accepted' },
  { victim: 'client', after: 'server', ev: 'sent' },
  { victim: 'client', after: 'server', ev: 'client-wrote' },
];

for (const stage of STAGES) {
  test(`SIGKILL of the ${stage.victim} after the ${stage.after}'s '${stage.ev}': the other notices, nothing is left`, () =>
    watched(30_000, async (watch) => {
      const tag = nativeName('fdkill');
      const address = `\0${tag}`;
      const server = startServer(watch, address);
      await server.next('listening');
      const client = startClient(watch, address, 'any', 'hold');
      const [victim, survivor] = stage.victim === 'server' ? [server, client] : [client, server];
      await (stage.after === 'server' ? server : client).next(stage.ev);
      victim.kill('SIGKILL');
      assert.is((await victim.exited).signal, 'SIGKILL');
      const exit = await within(survivor.exited, 10_000, 'the survivor notices and leaves');
      assert.equal([exit.code, exit.signal], [0, null], 'no SIGBUS, no crash');
      assert.ok(endedByPeer(survivor), survivor.lines.join(' '));
      assert.equal(leftovers(address, tag), []);
    }));
}

test('SIGKILL of either side at 12 random moments: nothing is left in /dev/shm, no listener, no socket file', () =>
  watched(120_000, async (watch) => {
    const seed = Number(process.env.RXSHM_SEED ?? 0x5eed);
    const random = prng(seed);
    for (let trial = 0; trial < 12; trial++) {
      const tag = nativeName('fdrand');
      const address = `\0${tag}`;
      const server = startServer(watch, address);
      await server.next('listening');
      const client = startClient(watch, address, 'any', 'hold');
      await sleep(random() % 600);
      (trial % 2 === 0 ? server : client).kill('SIGKILL');
      await sleep(random() % 50);
      if (random() % 2 === 0) (trial % 2 === 0 ? client : server).kill('SIGKILL');
      // A survivor that never met its peer (killed before connecting) waits for one: stop it after a grace time.
      const grace = sleep(2000);
      for (const child of [server, client]) {
        await Promise.race([child.exited, grace]);
        child.kill();
        const { signal, code } = await child.exited;
        assert.ok(signal === 'SIGKILL' || code === 0, `trial ${trial} (seed ${seed}): code=${code} signal=${signal}`);
      }
      assert.equal(leftovers(address, tag), [], `trial ${trial} (seed ${seed})`);
    }
  }));

test('a client whose pid is not the expected one is refused: it gets an end and no descriptor', () =>
  watched(30_000, async (watch) => {
    const tag = nativeName('fdpid');
    const address = `\0${tag}`;
    const server = startServer(watch, address, '1'); // pid 1 (init) never connects
    await server.next('listening');
    const client = startClient(watch, address);
    const refused = await server.next('refused');
    assert.equal([refused.pid, refused.uid], [client.pid, native.identity.uid()]);
    assert.equal(await client.exited.then((e) => e.code), 0);
    assert.ok(endedByPeer(client) && !mapped(client), client.lines.join(' '));
    server.kill();
    await server.exited;
    assert.equal(leftovers(address, tag), []);
  }));

test('a client of another uid is refused by SO_PEERCRED (root and setpriv only)', () =>
  watched(30_000, async (watch) => {
    const python = process.getuid?.() === 0 ? strangerPython() : null;
    if (python === null)
      return console.log('  skipped: a client of another uid needs root, setpriv and python3 >= 3.9');
    const tag = nativeName('fduid');
    const address = `\0${tag}`;
    const server = startServer(watch, address);
    await server.next('listening');
    // Python, not Node: Node 20 connects to '\0name' padded to 108 bytes, the server listens at the exact length.
    const script = `import json, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(${JSON.stringify(address)})
msg, fds, flags, addr = socket.recv_fds(s, 64, 4)
print(json.dumps({"ev": "closed", "got": len(msg), "fds": len(fds)}), flush=True)`;
    const stranger = watch.child(
      spawn('setpriv', [...asStranger, python, '-c', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const refused = await server.next('refused');
    assert.is(refused.uid, OTHER_UID);
    assert.equal(await stranger.next('closed'), { ev: 'closed', got: 0, fds: 0 }, 'no byte, no descriptor');
  }));

/** A Python peer that connects and sends one byte with the given memfds in one SCM_RIGHTS message. */
function hostileSender(watch: Watch, address: string, memfds: number, sealed: boolean): Child {
  const script = `import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(${JSON.stringify(address)})
fds = [os.memfd_create('hostile', os.MFD_ALLOW_SEALING if ${sealed ? 'True' : 'False'} else 0) for _ in range(${memfds})]
for fd in fds: os.ftruncate(fd, 4096)
socket.send_fds(s, [b'x'], fds)
print('{"ev":"sent"}', flush=True)
time.sleep(30)`;
  return watch.child(spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

test('a hostile peer sending two descriptors at once is refused, and both are closed here', () =>
  watched(30_000, async (watch) => {
    if (!hasPython()) return console.log('  skipped: needs python3 >= 3.9 (socket.send_fds)');
    const s = sockets();
    const address = `\0${nativeName('fdtwo')}`;
    const listener = s.listen(address);
    const peer = hostileSender(watch, address, 2, false);
    const fd = await acceptNext(listener);
    const before = openFds();
    try {
      await peer.next('sent');
      await s.waitReadable(fd, 1000);
      const error = expectError(() => s.receive(fd, 16), SocketError, 'UnexpectedDescriptors');
      assert.match(error.message, /descriptors=2/);
      assert.is(openFds(), before, 'no descriptor is left from the message');
    } finally {
      s.close(fd);
      s.close(listener);
    }
  }));

test('a peer sending an unsealed memfd is refused before mapping, and its descriptor is closed', () =>
  watched(30_000, async (watch) => {
    if (!hasPython()) return console.log('  skipped: needs python3 >= 3.9 (socket.send_fds)');
    const s = sockets();
    const address = `\0${nativeName('fdunsealed')}`;
    const listener = s.listen(address);
    const peer = hostileSender(watch, address, 1, true);
    const fd = await acceptNext(listener);
    const before = openFds();
    try {
      await peer.next('sent');
      const message = await receiveNext(fd, 16);
      assert.ok(message.fd !== null);
      assert.is(native.segments.sealsOf(message.fd!), 0, 'sealable, but not sealed');
      expectError(() => native.segments.openReceived(message.fd!), MapSegmentError, 'NotSealed');
      assert.is(openFds(), before, 'no descriptor is left from the message');
    } finally {
      s.close(fd);
      s.close(listener);
    }
  }));

test('a pending waitReadable never holds a process: exit() right after starting one on a silent socket returns', () =>
  watched(30_000, async (watch) => {
    const api = JSON.stringify(new URL('../../src/native/index.ts', import.meta.url).pathname);
    const script = `import { native } from ${api};
      const s = native.sockets; const where = '\\0' + ${JSON.stringify(nativeName('fdexit'))};
      const listener = s.listen(where); const fd = s.connect(where);
      s.waitReadable(fd, 60_000).then((r) => console.log(JSON.stringify({ ev: 'waited', r })));
      setTimeout(() => { console.log(JSON.stringify({ ev: 'exiting' })); process.exit(0); }, 20);`;
    const child = watch.child(
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await child.next('exiting');
    const exit = await within(child.exited, 5_000, 'exit while a poll is pending');
    assert.equal([exit.code, exit.signal], [0, null], child.stderr);
  }));

test.run();
