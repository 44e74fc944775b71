/**
 * rxshm_adopt and rxshm_connect_parent (c/rxshm.h) handed wrong or hostile descriptors: test/fixtures/c-adopt-hostile.c
 * plays the other side itself (an unsealed memfd, a partly sealed one, one too small for a header, a zeroed header,
 * a header claiming more than the file holds, a pipe, a datagram socket or a memfd as the doorbell, a socket as the
 * segment, a refusal, a peer that closes or stays silent, malformed RXSHM_PARENT values). Each must give its typed
 * result with both descriptors closed (adopt owns them whatever happens), never a crash: built 64-bit, 32-bit and
 * with ASan + UBSan (any report fails). The accepted case shows the HELLO on the wire: "RXHI", the pid, the TOKEN.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, startC } from '../helpers/c-build.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: rxshm_adopt and rxshm_connect_parent refuse wrong descriptors with typed results');

const OK = 0;
const TIMEOUT = -1;
const CORRUPT = -5;
const REFUSED = -6;
const INVALID = -9;
/** "RXHI" as a little-endian u32: the anonymous channel's hello. */
const HELLO_MAGIC = 0x49485852;

/** Each case of the fixture, in its order: the result and the check `ch.problem` names. */
const EXPECTED: readonly [string, number, string][] = [
  ['negative', INVALID, 'two different descriptors are needed'],
  ['same-descriptor', INVALID, 'two different descriptors are needed'],
  ['doorbell-is-a-pipe', INVALID, 'the doorbell is not a Unix stream socket'],
  ['doorbell-is-a-datagram-socket', INVALID, 'the doorbell is not a Unix stream socket'],
  ['doorbell-is-a-memfd', INVALID, 'the doorbell is not a Unix stream socket'],
  ['unsealed', REFUSED, 'NotSealed'],
  ['shrink-seal-only', REFUSED, 'NotSealed'],
  ['segment-is-a-socket', REFUSED, 'NotSealed'],
  ['too-small', CORRUPT, 'SizeMismatch'],
  ['empty', CORRUPT, 'SizeMismatch'],
  ['zeroed-header', CORRUPT, 'BadMagic'],
  ['header-larger-than-file', CORRUPT, 'SizeMismatch'],
  ['refused-token', REFUSED, 'the peer refused the token'],
  ['peer-closed', REFUSED, 'the peer closed the doorbell before answering'],
  ['silent-peer', TIMEOUT, ''],
  ['accepted', OK, ''],
  ['parent-unset', INVALID, 'RXSHM_PARENT is unset: not started by spawnConnected'],
  ['parent-windows-form', INVALID, 'RXSHM_PARENT names a segment (Windows), not descriptors'],
  ['parent-windows-pipe-form', INVALID, 'RXSHM_PARENT names a segment (Windows), not descriptors'],
  ['parent-one-number', INVALID, 'RXSHM_PARENT is malformed'],
  ['parent-stdio', INVALID, 'RXSHM_PARENT is malformed'],
  ['parent-trailing', INVALID, 'RXSHM_PARENT is malformed'],
  ['parent-overflow', INVALID, 'RXSHM_PARENT is malformed'],
  ['parent-good', OK, ''],
];

for (const variant of C_VARIANTS) {
  test(`${variant}: every wrong descriptor gives its typed result, with the descriptors closed`, () =>
    watched(30_000, async (watch) => {
      const program = buildC('c-adopt-hostile.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const c = startC(watch, program, []);
      const exit = await c.exited;
      assert.equal([exit.code, exit.signal, c.stderr], [0, null, ''], 'exit 0, no sanitizer report');
      const cases = c.events.filter((e) => e.ev === 'case');
      assert.equal(
        cases.map((e) => [e.name, e.rc, e.problem]),
        EXPECTED,
      );
      // adopt owns both descriptors whatever happens; connect_parent refuses a bad value before taking any, and
      // unsets RXSHM_PARENT once it used it.
      for (const e of cases) assert.is(e.closed, 1, `${e.name}: descriptors as they must be after the call`);
      const hello = c.events.find((e) => e.ev === 'hello')!;
      assert.equal(
        [hello.magic, hello.pid, hello.tokenMatches, hello.peerPid],
        [HELLO_MAGIC, hello.ownPid, 1, hello.ownPid],
        'HELLO: "RXHI", the pid, the TOKEN; the peer is the creator of the socket pair',
      );
      const fds = c.events.find((e) => e.ev === 'fds')!;
      assert.is(fds.after, fds.before, 'no descriptor leaked');
    }));
}

test.run();
