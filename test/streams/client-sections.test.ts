/**
 * The named-channel setup of backends that pass no descriptors (Windows; here the fake with `clientSections`, in
 * this process): HELLO2, then a SECTION REPLY naming a fresh segment of the client's own. Slots and Busy, a segment
 * per client that is never reused (a departed client's name is gone, the next client's memory is other memory),
 * the wire, and what the client refuses: a malformed reply, a segment naming another server pid, a segment owned by
 * another uid; a server that gives nothing to a client stating a pid of another user; and a client whose connection
 * ended while its pipe stays open (a stalled or hostile one): its slot is free, but its segment counts against
 * maxClients until the pipe closes, and a server that stops destroys that pipe. Every test is bounded.
 * Not in the Windows set: there the fake's `pipeServerOf` names this process for any pipe, served or not; the real
 * backend's runs of listen and many-clients cover this setup under Wine.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, ConnectError, listen, ListenError, type Connection } from '../../src/index.js';
import { createFakeNative } from '../../src/native/fake.js';
import type { NativeApi, Segment } from '../../src/native/contract.js';
import { ChannelSession, SERVER_PID_OFFSET } from '../../src/layout/index.js';
import { SETUP_ACCEPTED, SETUP_BUSY, encodeSetupHello } from '../../src/streams/handshake/setup-wire.js';
import { readClientChannel } from '../../src/streams/handshake/join-channel.js';
import { buildConnection } from '../../src/streams/connection/build-connection.js';
import {
  SECTION_REPLY_LENGTH,
  clientSectionName,
  decodeSectionReply,
  encodeSectionReply,
} from '../../src/streams/handshake/section-wire.js';
import { createClientSegment } from '../../src/streams/handshake/client-setup.js';
import { resolveOptions } from '../../src/streams/channel/options.js';
import { Opened, receive } from '../helpers/connections.js';
import { channelName } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';
import { until } from '../helpers/waiting.js';

const test = suite('client sections (fake backend)');
const SMALL = { ringCapacity: 4096, maxMessage: 512 } as const;

/** A client of `name` on `native`, closed with the scope. */
async function client(scope: Watch, native: NativeApi, name: string, options = {}): Promise<Connection> {
  const opened = new Opened(connect(name, { native, timeout: 3000, ...SMALL, ...options }));
  scope.defer(() => opened.close());
  return opened.connection();
}

/** A hand-made server on the channel's doorbell that answers each HELLO2 with `answer(socket)`. */
function fakeServer(scope: Watch, native: NativeApi, name: string, answer: (socket: Socket) => void): Server {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => answer(socket));
  });
  server.listen(native.doorbellPath(name));
  scope.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

test('the SECTION REPLY round-trips; its name is 128 random bits in a fixed form; anything else is not a reply', () => {
  const nonce = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const reply = encodeSectionReply(SETUP_ACCEPTED, 7, nonce);
  assert.is(reply.length, SECTION_REPLY_LENGTH);
  assert.equal(decodeSectionReply(reply), {
    status: SETUP_ACCEPTED,
    clientId: 7,
    section: `rxshm.client.00112233445566778899aabbccddeeff`,
  });
  assert.is(clientSectionName(nonce), 'rxshm.client.00112233445566778899aabbccddeeff');
  assert.equal(decodeSectionReply(encodeSectionReply(SETUP_BUSY)), { status: SETUP_BUSY, clientId: 0, section: null });
  assert.is(decodeSectionReply(reply.subarray(0, 31)), null);
  const wrongMagic = Buffer.from(reply);
  wrongMagic[0] ^= 1;
  assert.is(decodeSectionReply(wrongMagic), null);
});

test('slots, Busy, and a segment of its own per client whose name is gone once the client has left', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const name = channelName();
    const server = new Opened(listen(name, { native, ...SMALL, maxClients: 2 }));
    scope.defer(() => server.close());
    const a = await client(scope, native, name);
    const b = await client(scope, native, name);
    const [sa, sb] = [await server.connection(), await server.connection()];
    assert.equal([a.clientId, b.clientId, sa.clientId, sb.clientId], [0, 1, 0, 1]);
    assert.is(a.peerPid, process.pid);
    const busy = await new Opened(connect(name, { native, timeout: 200 })).failure();
    assert.is((busy as ConnectError).code, 'Busy', String(busy));
    // A message to A travels only in A's rings: B's segment is other memory.
    const got: number[][] = [[], []];
    receive(a, (m) => got[0]!.push(...m));
    receive(b, (m) => got[1]!.push(...m));
    sa.next(Uint8Array.of(1));
    sb.next(Uint8Array.of(2));
    await until(() => got[0]!.length === 1 && got[1]!.length === 1, 'both messages');
    assert.equal(got, [[1], [2]]);
    a.complete();
    await until(() => sa.ended, "A's connection ending");
    const c = await client(scope, native, name);
    assert.is(c.clientId, 0, 'the slot is reused');
    assert.ok(c.generation > sb.generation, 'with a new generation');
  }));

test('the server unlinks each client segment name when its doorbell closes, and every name when it stops', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const created: string[] = [];
    const segments = Object.create(native.segments) as NativeApi['segments'];
    segments.create = (n, size, o) => (created.push(n), native.segments.create(n, size, o));
    const spying: NativeApi = { ...native, segments };
    const name = channelName();
    const server = new Opened(listen(name, { native: spying, ...SMALL }));
    scope.defer(() => server.close());
    const a = await client(scope, native, name);
    await client(scope, native, name);
    assert.is(created.length, 2);
    assert.not.equal(created[0], created[1]);
    for (const n of created) assert.match(n, /^rxshm\.client\.[0-9a-f]{32}$/);
    const exists = (n: string): boolean => {
      try {
        native.segments.peek(n, 0);
        return true;
      } catch {
        return false;
      }
    };
    a.complete();
    await until(() => !exists(created[0]!), "the departed client's name removed");
    assert.ok(exists(created[1]!), "the other client's segment is untouched");
    server.close();
    await until(() => !exists(created[1]!), 'every name removed when the server stops');
  }));

test('a malformed reply fails the connect with HandshakeFailed', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const name = channelName();
    fakeServer(scope, native, name, (socket) => socket.write(Buffer.alloc(SECTION_REPLY_LENGTH, 0x41)));
    const error = await new Opened(connect(name, { native, timeout: 3000 })).failure();
    assert.instance(error, ConnectError);
    assert.is((error as ConnectError).code, 'HandshakeFailed', String(error));
  }));

test('a segment naming another server pid, or owned by another uid, is refused', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const options = resolveOptions(SMALL);
    /** A server that creates a proper client segment, then lets `tamper` change it before replying. */
    const serveWith = (name: string, tamper: (segment: Segment) => void): void => {
      fakeServer(scope, native, name, (socket) => {
        const nonce = randomBytes(16);
        const create = (size: number): Segment => native.segments.create(clientSectionName(nonce), size);
        const { segment } = createClientSegment(native, options, { clientPid: process.pid, generation: 1 }, create);
        scope.defer(() => segment.close());
        tamper(segment);
        socket.write(encodeSectionReply(SETUP_ACCEPTED, 0, nonce));
      });
    };
    const otherPid = channelName();
    serveWith(otherPid, (segment) => new DataView(segment.buffer).setUint32(SERVER_PID_OFFSET, process.pid + 1, true));
    const lie = await new Opened(connect(otherPid, { native, ...SMALL, timeout: 3000 })).failure();
    assert.is((lie as ConnectError).code, 'Refused', String(lie));
    assert.match(String(lie), `server pid ${process.pid + 1}`);

    const otherUid = channelName();
    const stranger = native.identity.uid() + 1;
    const opened = native.segments.open.bind(native.segments);
    // The client's open of that segment reports another owner, as Windows would for another user's section.
    const segments = Object.create(native.segments) as NativeApi['segments'];
    segments.open = (n) => Object.defineProperty(opened(n), 'ownerUid', { get: () => stranger });
    serveWith(otherUid, () => undefined);
    const foreign = await new Opened(
      connect(otherUid, { native: { ...native, segments }, ...SMALL, timeout: 3000 }),
    ).failure();
    assert.is((foreign as ConnectError).code, 'Refused', String(foreign));
    assert.match(String(foreign), `uid ${stranger}`);
  }));

test("a client stating a pid of another user gets nothing; connect ends ServerAbsent, the server's slots stay free", () =>
  watched(15_000, async (scope) => {
    const fake = createFakeNative({ clientSections: true });
    const stranger = fake.identity.uid() + 1;
    const native: NativeApi = { ...fake, identity: { ...fake.identity, processOwnerOf: () => stranger } };
    const name = channelName();
    const server = new Opened(listen(name, { native, ...SMALL, maxClients: 1 }));
    scope.defer(() => server.close());
    const error = await new Opened(connect(name, { native, timeout: 500 })).failure();
    assert.is((error as ConnectError).code, 'ServerAbsent', String(error));
    assert.is(server.connections.length, 0);
  }));

test('a second listen on a served name fails AlreadyServing; the first keeps serving', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const name = channelName();
    const first = new Opened(listen(name, { native, ...SMALL }));
    scope.defer(() => first.close());
    await client(scope, native, name);
    const error = await new Opened(listen(name, { native, ...SMALL })).failure();
    assert.instance(error, ListenError);
    assert.is((error as ListenError).code, 'AlreadyServing', String(error));
    assert.is((await client(scope, native, name)).clientId, 1);
  }));

/**
 * A client that sends Close but keeps its pipe open (half-open: it never ends its side): its bells go to a socket of
 * its own, so the server finds the Close by its timed re-check. Returns its raw doorbell.
 */
async function lingeringClient(scope: Watch, native: NativeApi, name: string): Promise<Socket> {
  const raw = netConnect({ path: native.doorbellPath(name), allowHalfOpen: true });
  raw.on('error', () => undefined);
  scope.defer(() => void raw.destroy());
  await new Promise((resolve) => raw.once('connect', resolve));
  raw.write(encodeSetupHello(process.pid));
  const reply = await new Promise<Buffer>((resolve) => {
    let got = Buffer.alloc(0);
    raw.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= SECTION_REPLY_LENGTH) resolve(got.subarray(0, SECTION_REPLY_LENGTH));
    });
  });
  const { clientId, section } = decodeSectionReply(reply)!;
  const segment = native.segments.open(section!);
  scope.defer(() => segment.close());
  const bells = createServer((s) => s.on('error', () => undefined)).listen(native.doorbellPath(`${name}.bells`));
  scope.defer(() => void bells.close());
  const bellSocket = netConnect(native.doorbellPath(`${name}.bells`));
  scope.defer(() => void bellSocket.destroy());
  const layout = readClientChannel(segment.buffer);
  const generation = new ChannelSession(segment.buffer).generation;
  const options = resolveOptions(SMALL);
  const side = { channel: name, buffer: segment.buffer, layout, socket: bellSocket, options, generation, clientId };
  const connection = buildConnection({ ...side, side: 'client', peerPid: process.pid });
  connection.complete();
  return raw;
}

test('a client whose connection ended but whose pipe stays open frees its slot yet still counts against maxClients', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const name = channelName();
    const server = new Opened(listen(name, { native, ...SMALL, maxClients: 1 }));
    scope.defer(() => server.close());
    const raw = await lingeringClient(scope, native, name);
    const toRaw = await server.connection();
    receive(toRaw);
    await until(() => toRaw.ended, "the server's connection ending on the client's Close");
    const busy = await new Opened(connect(name, { native, ...SMALL, timeout: 300 })).failure();
    assert.is((busy as ConnectError).code, 'Busy', `its segment still mapped: ${String(busy)}`);
    raw.end(); // the pipe closes: the server lets go of that segment
    assert.is((await client(scope, native, name)).clientId, 0);
  }));

test('a server that stops destroys the pipe of a client whose connection ended', () =>
  watched(15_000, async (scope) => {
    const native = createFakeNative({ clientSections: true });
    const name = channelName();
    const server = new Opened(listen(name, { native, ...SMALL }));
    scope.defer(() => server.close());
    const raw = await lingeringClient(scope, native, name);
    const toRaw = await server.connection();
    receive(toRaw);
    await until(() => toRaw.ended, "the server's connection ending on the client's Close");
    const closed = new Promise((resolve) => raw.once('close', resolve));
    server.close();
    // The client's read side ended long ago: only a write can find that the server destroyed its end (EPIPE).
    const poke = setInterval(() => raw.write(Uint8Array.of(1)), 50);
    scope.defer(() => clearInterval(poke));
    await closed;
  }));

test.run();
