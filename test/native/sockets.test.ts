/**
 * The raw local sockets of the Linux backend, inside one process: abstract addresses only, non-blocking calls that
 * say "not yet" instead of blocking, bounded waits, one descriptor passed with SCM_RIGHTS, typed errors, the struct
 * layouts sendmsg/recvmsg need, a connected pair (`pair`), the hand-over of a raw socket to `net.Socket`, and no descriptor leaked.
 * Cross-process behaviour (peers that die, impostors) is in fd-passing.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MapSegmentError,
  MAX_SOCKET_MESSAGE_BYTES,
  MAX_SOCKET_WAIT_MS,
  native,
  SocketError,
} from '../../src/native/index.js';
import { cmsgSpace, messageLayout } from '../../src/native/linux/socket-libc.js';
import { acceptNext, receiveNext, sockets } from '../fixtures/native-fd-steps.js';
import { expectError } from '../helpers/assertions.js';
import { socketFd } from '../helpers/native.js';
import { nativeName } from '../helpers/names.js';
import { within } from '../helpers/waiting.js';

const test = suite('native raw sockets (linux)');
const address = (tag: string): string => `\0${nativeName(tag)}`;
const openFds = (): number => readdirSync('/proc/self/fd').length;

/** A connected pair through a listener; the listener is closed again. */
async function pair(): Promise<{ client: number; server: number }> {
  const s = sockets();
  const where = address('pair');
  const listener = s.listen(where);
  try {
    const client = s.connect(where);
    return { client, server: await acceptNext(listener) };
  } finally {
    s.close(listener);
  }
}

test('msghdr and cmsghdr layouts: 64-bit as the C compiler says, 32-bit as glibc i386 defines them', () => {
  const l64 = messageLayout(8);
  assert.equal(
    [l64.msghdr.iov, l64.msghdr.iovlen, l64.msghdr.control, l64.msghdr.controllen, l64.msghdr.flags, l64.msghdr.size],
    [16, 24, 32, 40, 48, 56],
  );
  assert.equal([l64.iovec, l64.cmsgHeader, cmsgSpace(l64, 4), cmsgSpace(l64, 8)], [16, 16, 24, 24]);
  const l32 = messageLayout(4);
  assert.equal(
    [l32.msghdr.iov, l32.msghdr.iovlen, l32.msghdr.control, l32.msghdr.controllen, l32.msghdr.flags, l32.msghdr.size],
    [8, 12, 16, 20, 24, 28],
  );
  assert.equal([l32.iovec, l32.cmsgHeader, cmsgSpace(l32, 4), cmsgSpace(l32, 8)], [8, 12, 16, 20]);
  if (process.arch !== 'x64' || spawnSync('cc', ['--version']).status !== 0) {
    return console.log('  skipped: the C cross-check needs cc on x64');
  }
  const dir = mkdtempSync(join(tmpdir(), 'rxshm-layout-'));
  try {
    const source = `#include <stdio.h>
#include <stddef.h>
#include <sys/socket.h>
int main(void) { printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu", offsetof(struct msghdr, msg_iov),
  offsetof(struct msghdr, msg_iovlen), offsetof(struct msghdr, msg_control), offsetof(struct msghdr, msg_controllen),
  offsetof(struct msghdr, msg_flags), sizeof(struct msghdr), sizeof(struct iovec), (size_t)CMSG_LEN(0),
  (size_t)CMSG_SPACE(4)); return 0; }`;
    writeFileSync(join(dir, 'layout.c'), source);
    execFileSync('cc', ['-o', join(dir, 'layout'), join(dir, 'layout.c')]);
    const fromC = execFileSync(join(dir, 'layout'), { encoding: 'utf8' }).split(' ').map(Number);
    assert.equal(fromC, [16, 24, 32, 40, 48, 56, 16, 16, 24]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only abstract addresses: a path, an empty name or one beyond sun_path is InvalidAddress', () => {
  const s = sockets();
  expectError(() => s.listen(join(tmpdir(), 'rxshm-never.sock')), SocketError, 'InvalidAddress');
  expectError(() => s.listen('\0'), SocketError, 'InvalidAddress');
  expectError(() => s.connect(`\0${'x'.repeat(108)}`), SocketError, 'InvalidAddress');
  const longest = s.listen(`\0${'y'.repeat(106)}${process.pid % 10}`);
  s.close(longest);
});

test('listen twice on one address is AddressInUse; connect where nobody listens is NotListening', () => {
  const s = sockets();
  const where = address('inuse');
  const listener = s.listen(where);
  try {
    const error = expectError(() => s.listen(where), SocketError, 'AddressInUse');
    assert.ok(error.message.includes(`"@${where.slice(1)}"`), error.message);
  } finally {
    s.close(listener);
  }
  expectError(() => s.connect(where), SocketError, 'NotListening');
});

test('accept, receive and waitReadable say "not yet" instead of blocking, and a wait is bounded', async () => {
  const s = sockets();
  const where = address('notyet');
  const listener = s.listen(where);
  const { client, server } = await pair();
  try {
    assert.is(s.accept(listener), null);
    assert.is(s.receive(client, 16), null);
    assert.is(await s.waitReadable(client, 20), 'timeout');
    const started = performance.now();
    assert.is(await s.waitReadable(client, 60_000), 'timeout', 'a long wait is clamped to MAX_SOCKET_WAIT_MS');
    assert.ok(performance.now() - started < MAX_SOCKET_WAIT_MS + 2000);
    assert.is(s.send(server, Uint8Array.of(7)), 1);
    assert.is(await s.waitReadable(client, 1000), 'readable');
    assert.equal(s.receive(client, 16), { bytes: Uint8Array.of(7), fd: null, ended: false });
  } finally {
    for (const fd of [listener, client, server]) s.close(fd);
  }
});

test('a descriptor sent with the bytes arrives as a new descriptor on the same memory; the end reads as ended', async () => {
  const s = sockets();
  const { client, server } = await pair();
  const segment = native.segments.createSealed(4096);
  try {
    new Uint8Array(segment.buffer)[100] = 0xab;
    assert.is(s.send(server, Buffer.from('SEG!'), segment.fd), 4);
    const message = await receiveNext(client, 16);
    assert.equal(Buffer.from(message.bytes).toString(), 'SEG!');
    assert.ok(message.fd !== null && message.fd !== segment.fd);
    const received = native.segments.openReceived(message.fd!);
    assert.is(new Uint8Array(received.buffer)[100], 0xab);
    new Uint8Array(received.buffer)[101] = 0xcd;
    assert.is(new Uint8Array(segment.buffer)[101], 0xcd);
    received.close();
    s.close(server);
    assert.equal(await receiveNext(client, 16), { bytes: new Uint8Array(0), fd: null, ended: true });
  } finally {
    segment.close();
    s.close(client);
  }
});

test('bad arguments are typed errors: lengths, descriptors, a closed socket', async () => {
  const s = sockets();
  const { client, server } = await pair();
  try {
    expectError(() => s.send(server, new Uint8Array(0)), SocketError, 'InvalidArgument');
    expectError(() => s.send(server, new Uint8Array(MAX_SOCKET_MESSAGE_BYTES + 1)), SocketError, 'InvalidArgument');
    expectError(() => s.receive(client, 0), SocketError, 'InvalidArgument');
    expectError(() => s.send(-1, Uint8Array.of(1)), SocketError, 'InvalidHandle');
    expectError(() => s.send(server, Uint8Array.of(1), 1.5), SocketError, 'InvalidHandle');
  } finally {
    s.close(client);
  }
  expectError(() => s.send(server, Uint8Array.of(1)), SocketError, 'PeerGone');
  s.close(server);
  expectError(() => s.close(server), SocketError, 'InvalidHandle');
  const waited = await s.waitReadable(server, 50).catch((error: unknown) => error);
  assert.ok(waited instanceof SocketError && waited.code === 'InvalidHandle', String(waited));
});

test('a raw socket handed to net.Socket after the exchange carries bells, and its end is the death notice', async () => {
  const s = sockets();
  const { client, server } = await pair();
  const segment = native.segments.createSealed(4096);
  s.send(server, Uint8Array.of(0), segment.fd);
  const received = await receiveNext(client, 4);
  native.segments.openReceived(received.fd!).close();
  segment.close();
  const clientSocket = new net.Socket({ fd: client, readable: true, writable: true });
  const serverSocket = new net.Socket({ fd: server, readable: true, writable: true });
  try {
    const bell = new Promise((resolve) => clientSocket.once('data', resolve));
    serverSocket.write(Uint8Array.of(1));
    assert.equal([...((await within(bell, 5000, 'bell')) as Buffer)], [1]);
    const closed = new Promise((resolve) => serverSocket.once('close', resolve));
    clientSocket.destroy();
    await within(closed, 5000, 'the server sees the end');
  } finally {
    clientSocket.destroy();
    serverSocket.destroy();
  }
});

/** The names of listening sockets on `where` in /proc/net/unix (flag __SO_ACCEPTCON; NULs shown as '@'). */
const listed = (where: string): string[] =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '00010000' && (fields[7] ?? '').startsWith(`@${where.slice(1)}`))
    .map((fields) => fields[7]!);

test("a raw listener taken over by a net.Server paused on connect: the server passes the descriptor on the accepted socket's fd", async () => {
  const s = sockets();
  const where = address('hybrid');
  const segment = native.segments.createSealed(4096);
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen({ fd: s.listen(where) }, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = s.connect(where);
  try {
    assert.equal(listed(where), [`@${where.slice(1)}`], 'bound at the exact length a C client uses');
    const socket = await within(accepted, 5000, 'connection');
    assert.is(native.identity.peerOf(socketFd(socket)).pid, process.pid);
    assert.is(s.send(socketFd(socket), Buffer.from('SEG!'), segment.fd), 4);
    const message = await receiveNext(client, 16);
    native.segments.openReceived(message.fd!).close();
    socket.resume();
    const bell = new Promise((resolve) => socket.once('data', resolve));
    s.send(client, Uint8Array.of(1));
    assert.equal([...((await within(bell, 5000, 'bell')) as Buffer)], [1]);
    socket.destroy();
  } finally {
    s.close(client);
    segment.close();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(listed(where), [], 'closing the net.Server released the address');
});

test("net.Server#listen('\\0name') binds a padded name on this Node: only a padded connect reaches it", async () => {
  const s = sockets();
  const where = address('padded');
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(where, resolve));
  try {
    const padded = listed(where).some((name) => name.length > where.length);
    console.log(
      `  Node ${process.version} (libuv ${process.versions.uv}) binds '\\0name' ${padded ? 'padded' : 'exact'}`,
    );
    s.close(s.connect(where, { padded }));
    expectError(() => s.connect(where, { padded: !padded }), SocketError, 'NotListening');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('pair(): two connected, blocking, close-on-exec ends whose peer is this process; a descriptor crosses it', async () => {
  const s = sockets();
  const before = openFds();
  const [a, b] = s.pair();
  const segment = native.segments.createSealed(4096);
  try {
    for (const fd of [a, b]) {
      const flags = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      const octal = Number.parseInt(/flags:\s*([0-7]+)/.exec(flags)![1]!, 8);
      assert.is(octal & 0o2000000, 0o2000000, 'O_CLOEXEC');
      assert.is(octal & 0o4000, 0, 'blocking (O_NONBLOCK clear)');
      assert.is(native.identity.peerOf(fd).pid, process.pid);
    }
    assert.is(s.send(a, new Uint8Array([9]), segment.fd), 1);
    const got = await receiveNext(b, 1);
    assert.equal([[...got.bytes], native.segments.sealsOf(got.fd!) !== 0], [[9], true]);
    s.close(got.fd!);
  } finally {
    segment.close();
    s.close(a);
    s.close(b);
  }
  assert.is(openFds(), before, 'nothing left open');
});

test('200 full exchanges leave the descriptor count where it was', async () => {
  const s = sockets();
  await pair().then(({ client, server }) => [client, server].forEach((fd) => s.close(fd))); // warm up koffi
  const before = openFds();
  for (let i = 0; i < 200; i++) {
    const { client, server } = await pair();
    const segment = native.segments.createSealed(4096);
    s.send(server, Uint8Array.of(i & 0xff), segment.fd);
    const unsealed = native.segments.createAnonymous(4096);
    const message = await receiveNext(client, 4);
    native.segments.openReceived(message.fd!).close();
    s.send(server, Uint8Array.of(1), unsealed.fd);
    const refused = await receiveNext(client, 4);
    expectError(() => native.segments.openReceived(refused.fd!), MapSegmentError, 'NotSealed');
    assert.throws(() => fstatSync(refused.fd!), /EBADF/, 'a refused descriptor is closed');
    unsealed.close();
    segment.close();
    s.close(client);
    s.close(server);
  }
  assert.is(openFds(), before);
});

test.run();
