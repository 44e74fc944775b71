/**
 * The C peer (c/rxshm.h) facing a hostile other side, in real processes. As a client: a server made here of the raw
 * sockets hands it an unsealed segment, a segment naming another server pid, a corrupt header, a MAX_MESSAGE that
 * cannot hold a frame header, or a refusal; then, once joined, a record of an unknown type, or a misaligned position
 * in its own send ring. The C client refuses each with the right result and names the failed check; on a corrupt
 * ring it sets its aborted bit and shuts its doorbell (LAYOUT.md section 5). As a server: a client made here writes a
 * record longer than what is published (the server reports it the same way), and a malformed HELLO2 is answered
 * with status 3 while the server goes on serving the next client.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SocketError, native } from '../../src/native/index.js';
import type { Segment } from '../../src/native/contract.js';
import { ChannelSession, channelSegmentLength, initChannelSegment } from '../../src/layout/index.js';
import {
  SETUP_REPLY_MAGIC,
  decodeSetupHello,
  encodeSetupHello,
  encodeSetupReply,
} from '../../src/streams/handshake/setup-wire.js';
import { acceptNext, connectWhenListening, receiveNext, sockets, untilEnded } from '../fixtures/native-fd-steps.js';
import { C_VARIANTS, TEST_RING, buildC, startC, startNode } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('c: the C peer refuses a hostile server, reports a corrupt ring, answers a bad hello');
const CAPACITY = 4096;
const REFUSED = -6;
const CORRUPT = -5;

/** A segment as a server makes it (header, session line), with `tamper` applied before MAGIC is checked. */
function serverSegment(sealed: boolean, tamper: (view: DataView, segment: Segment) => void = () => undefined): Segment {
  const segment = sealed
    ? native.segments.createSealed(channelSegmentLength(CAPACITY))
    : native.segments.createAnonymous(channelSegmentLength(CAPACITY));
  const session = new ChannelSession(segment.buffer);
  session.serverPid = process.pid;
  session.generation = 1;
  initChannelSegment(segment.buffer, { ringCapacity: CAPACITY, maxMessage: 1000, token: 1n, creatorPid: process.pid });
  tamper(new DataView(segment.buffer), segment);
  return segment;
}

/** Listens here on the raw sockets, starts the C client, and answers its HELLO2 with `reply` status and `segment`. */
async function serveOnce(watch: Watch, program: string, status: number, segment: Segment | null, scenario = ['echo']) {
  const s = sockets();
  const name = channelName();
  const listener = s.listen(native.doorbellPath(name));
  watch.defer(() => s.close(listener));
  const c = startC(watch, program, ['client', name, ...scenario]);
  const fd = await acceptNext(listener);
  watch.defer(() => s.close(fd));
  assert.is(decodeSetupHello((await receiveNext(fd, 16)).bytes), c.pid, 'HELLO2 with the C pid');
  assert.is(s.send(fd, encodeSetupReply(status, 3), segment?.fd), 16);
  return { c, fd };
}

/**
 * Rings the C side after publishing a corrupt record. It may have found the record already (it looks without a bell
 * while it spins) and shut its doorbell: then the bell meets PeerGone, which is no failure of the C side.
 */
function ringBell(fd: number): void {
  try {
    sockets().send(fd, new Uint8Array([1]));
  } catch (error) {
    if (!(error instanceof SocketError && error.code === 'PeerGone')) throw error;
  }
}

/** Starts the C server (echo) on a fresh channel and connects a raw client socket to it, as a hostile client would. */
async function cServerAndRawClient(watch: Watch, program: string) {
  const name = channelName();
  const c = startC(watch, program, ['server', name, 'echo']);
  await c.next('listening');
  const fd = await connectWhenListening(native.doorbellPath(name));
  watch.defer(() => sockets().close(fd));
  return { name, c, fd };
}

for (const variant of C_VARIANTS) {
  const cases: [string, number, () => Segment | null, number, string][] = [
    ['an unsealed segment', 0, () => serverSegment(false), REFUSED, 'NotSealed'],
    [
      'another server pid',
      0,
      () => serverSegment(true, (v) => v.setUint32(76, 1, true)),
      REFUSED,
      'the segment names another server pid',
    ],
    [
      'a corrupt ring table',
      0,
      () => serverSegment(true, (v) => v.setUint32(132, 2048, true)),
      CORRUPT,
      'BadRingTable',
    ],
    ['a bad magic', 0, () => serverSegment(true, (v) => v.setUint32(0, 0, true)), CORRUPT, 'BadMagic'],
    ['a MAX_MESSAGE of 16', 0, () => serverSegment(true, (v) => v.setUint32(24, 16, true)), CORRUPT, 'BadMaxMessage'],
    ['status 5 (refused)', 5, () => null, REFUSED, 'the server refused'],
  ];
  for (const [what, status, make, rc, problem] of cases) {
    test(`${variant}: the C client refuses ${what}`, () =>
      watched(30_000, async (watch) => {
        const program = buildC('c-peer.c', variant);
        if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
        const segment = make();
        if (segment) watch.defer(() => segment.close());
        const { c } = await serveOnce(watch, program, status, segment);
        const error = await c.next('error');
        assert.equal([error.what, error.rc, error.problem], ['connect', rc, problem], JSON.stringify(error));
        assert.is((await c.exited).code, 1);
        assert.is(c.stderr, '', 'no sanitizer report');
      }));
  }

  test(`${variant}: a record of an unknown type: the C client reports it, sets its aborted bit, shuts the doorbell`, () =>
    watched(30_000, async (watch) => {
      const program = buildC('c-peer.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const segment = serverSegment(true);
      watch.defer(() => segment.close());
      const { c, fd } = await serveOnce(watch, program, 0, segment);
      await c.next('ready');
      const view = new DataView(segment.buffer);
      const ring0 = 256;
      view.setUint32(ring0 + 128, 16, true); // LENGTH
      view.setUint16(ring0 + 128 + 4, 7, true); // TYPE 7: neither padding nor message
      Atomics.store(new Int32Array(segment.buffer), ring0 / 4, 24); // WRITE_POSITION: published
      ringBell(fd); // the C side may be parked
      const end = await c.next('end');
      assert.equal([end.result, end.problem], ['the channel is corrupt', 'UnknownRecordType'], JSON.stringify(end));
      await untilEnded(fd);
      assert.is(new ChannelSession(segment.buffer).closeFlags, 8, 'the client aborted bit, nothing else');
      assert.is((await c.exited).code, 0);
      assert.is(c.stderr, '', 'no sanitizer report');
    }));

  test(`${variant}: a misaligned WRITE_POSITION of its own send ring: the C client's first send reports it`, () =>
    watched(30_000, async (watch) => {
      const program = buildC('c-peer.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const ring1 = 256 + 128 + CAPACITY;
      const segment = serverSegment(true, (view) => view.setUint32(ring1, 4, true)); // WRITE_POSITION = 4
      watch.defer(() => segment.close());
      const { c } = await serveOnce(watch, program, 0, segment, ['send', '1', 'close']);
      const error = await c.next('error');
      assert.equal(
        [error.what, error.rc, error.problem],
        ['send', CORRUPT, 'MisalignedPosition'],
        JSON.stringify(error),
      );
      assert.is(new ChannelSession(segment.buffer).closeFlags, 8, 'the client aborted bit');
      assert.is(c.stderr, '', 'no sanitizer report');
    }));

  test(`${variant}: a client writes a record longer than the ring holds: the C server reports it and sets its aborted bit`, () =>
    watched(30_000, async (watch) => {
      const program = buildC('c-peer.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const { c, fd } = await cServerAndRawClient(watch, program);
      sockets().send(fd, encodeSetupHello(process.pid));
      const reply = await receiveNext(fd, 16);
      assert.ok(reply.fd !== null, 'the segment came with the reply');
      const segment = native.segments.openReceived(reply.fd!);
      watch.defer(() => segment.close());
      await c.next('ready');
      const view = new DataView(segment.buffer);
      const ring1 = view.getUint32(144, true); // ring table entry 1: client to server
      view.setUint32(ring1 + 128, 1000, true); // a message record claiming 1000 bytes...
      view.setUint16(ring1 + 128 + 4, 1, true);
      Atomics.store(new Int32Array(segment.buffer), ring1 / 4, 16); // ...where 16 are published
      ringBell(fd);
      const end = await c.next('end');
      assert.equal([end.result, end.problem], ['the channel is corrupt', 'LengthOutOfRange'], JSON.stringify(end));
      await untilEnded(fd);
      assert.is(new ChannelSession(segment.buffer).closeFlags, 4, 'the server aborted bit, nothing else');
      assert.equal([(await c.exited).code, c.stderr], [0, '']);
    }));

  test(`${variant}: the C server answers a malformed HELLO2 with status 3, then serves a Node client`, () =>
    watched(30_000, async (watch) => {
      const program = buildC('c-peer.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const { name, c, fd } = await cServerAndRawClient(watch, program);
      sockets().send(fd, new Uint8Array(16).fill(0x55));
      const reply = await receiveNext(fd, 16);
      assert.equal([Buffer.from(reply.bytes).readUInt32LE(0), reply.bytes[4], reply.fd], [SETUP_REPLY_MAGIC, 3, null]);
      await untilEnded(fd);
      const node = startNode(watch, ['client', name, 'closer', '2']);
      const ready = await c.next('ready');
      assert.equal([ready.peerPid, ready.clientId, ready.maxMessage], [node.pid, 0, TEST_RING - 24]);
      assert.equal(await c.next('end'), { ev: 'end', result: 'closed', checksAnswered: 0 });
      assert.equal(await node.next('echoes'), { ev: 'echoes', count: 2 });
      assert.is((await c.exited).code, 0);
    }));
}

test.run();
