/**
 * c/rxshm.h against the TypeScript reference, byte for byte and verdict for verdict: the same segment headers, ring
 * regions and frames (Batch frames included; well-formed ones, every check of LAYOUT.md 3.3 and 4.5 broken on purpose, and seeded random
 * corruptions) are judged by src/layout + src/codecs in this process and by test/fixtures/c-layout-judge.c, which
 * must agree on each; the header and the ring bytes the C code writes must equal what the TypeScript writers write.
 * The judge runs 64-bit, 32-bit and under ASan + UBSan, with each case in a buffer of exactly its size, so an
 * out-of-bounds read of a hostile length is a sanitizer report, not a silent pass.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRight } from 'fp-ts/lib/Either.js';
import {
  RingCorruptError,
  RingReader,
  RingWriter,
  SegmentHeaderError,
  channelSegmentLength,
  initChannelSegment,
  readChannelSegment,
} from '../../src/layout/index.js';
import { FrameC } from '../../src/codecs/index.js';
import { linuxDoorbellPath } from '../../src/native/doorbell.js';
import { C_VARIANTS, SANITIZER_ENV, buildC } from '../helpers/c-build.js';
import type { Child } from '../helpers/processes.js';
import { prng } from '../helpers/random.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: c/rxshm.h judges and writes layout bytes exactly as src/layout and src/codecs do');
const CAPACITY = 1024;
const MAX_MESSAGE = 1000;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** One question to the judge, its answer. */
async function ask(judge: Child, line: string): Promise<Record<string, unknown>> {
  judge.send(line);
  return judge.next('a');
}

/** The TypeScript verdict on a segment: 'ok' or the SegmentHeaderError code. */
function tsSegment(bytes: Uint8Array): string {
  try {
    readChannelSegment(bytes.slice().buffer);
    return 'ok';
  } catch (error) {
    if (error instanceof SegmentHeaderError) return error.code;
    throw error;
  }
}

/** The TypeScript reader over a ring region: the payload lengths it delivers, then 'empty' or the corruption code. */
function tsRing(region: Uint8Array, maxMessage: number): { lengths: number[]; end: string } {
  const reader = new RingReader(region.slice().buffer, 0, CAPACITY, maxMessage, 'auto');
  const lengths: number[] = [];
  try {
    while (reader.poll()) {
      lengths.push(reader.payloadLength);
      reader.release();
    }
    return { lengths, end: 'empty' };
  } catch (error) {
    if (error instanceof RingCorruptError) return { lengths, end: error.code };
    throw error;
  }
}

/** Writes `ops` (wN: a record of N bytes, byte i = N + i; r: read one) with the TypeScript writer and reader. */
function tsProduce(ops: string[]): Uint8Array {
  const buffer = new ArrayBuffer(128 + CAPACITY);
  const writer = new RingWriter(buffer, 0, CAPACITY);
  const reader = new RingReader(buffer, 0, CAPACITY, CAPACITY - 8);
  for (const op of ops) {
    if (op.startsWith('w')) {
      const n = Number(op.slice(1));
      assert.ok(writer.tryWrite(Uint8Array.from({ length: n }, (_, i) => (n + i) & 0xff)), `room for ${op}`);
    } else if (reader.poll()) reader.release();
  }
  return new Uint8Array(buffer);
}

/** Ring regions with records unread: the read position on a padding record (at a wrap), or on a message. */
function ringsWithRecords(): Uint8Array[] {
  return [
    tsProduce(['w300', 'w200', 'r', 'w400', 'r', 'r', 'w100', 'w500', 'w16', 'w0']),
    tsProduce(['w300', 'w200', 'r', 'w9']),
  ];
}

/** A valid channel segment of CAPACITY-byte rings. */
function segment(): Uint8Array {
  const bytes = new Uint8Array(channelSegmentLength(CAPACITY));
  initChannelSegment(bytes.buffer, {
    ringCapacity: CAPACITY,
    maxMessage: MAX_MESSAGE,
    token: 0x1122334455667788n,
    creatorPid: 4242,
  });
  return bytes;
}

/** `bytes` with the u32 at `offset` replaced (little-endian). */
function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value >>> 0, true);
  return copy;
}

/** Segments breaking each check of LAYOUT.md 3.3 on purpose, and seeded random corruptions of the header. */
function segmentCases(): Uint8Array[] {
  const good = segment();
  const cases = [good, good.slice(0, 100), good.slice(0, 255), good.slice(0, 2559)];
  const fields: [number, number[]][] = [
    [0, [0, 0x48535853]],
    [4, [2, 0x20001]],
    [8, [255, 257]],
    [12, [1, 3]],
    [16, [2561, 0]],
    [20, [1]],
    [24, [0, 1008, 1016, 1017, 0xffffffff]],
    [128, [0, 250, 255, 320, 1280, 1408, 2432, 0xffffffc0]],
    [132, [0, 1000, 2048, 0x80000000, 0x40000000]],
    [144, [256, 1344, 1472, 0xffffffc0]],
    [148, [512, 2048]],
  ];
  for (const [offset, values] of fields) for (const value of values) cases.push(withU32(good, offset, value));
  const random = prng(15);
  for (let i = 0; i < 300; i++) {
    let bytes = good;
    for (let k = 0; k <= random() % 3; k++)
      bytes = withU32(bytes, (random() % 64) * 4, random() % 4 === 0 ? random() : random() % 3000);
    cases.push(bytes);
  }
  return cases;
}

/** Ring regions breaking each record check of LAYOUT.md 4.5 and the position checks, and random corruptions. */
function ringCases(): [Uint8Array, number][] {
  const cases: [Uint8Array, number][] = [];
  const random = prng(16);
  for (const good of ringsWithRecords()) {
    const view = new DataView(good.buffer);
    const read = view.getUint32(64, true);
    const write = view.getUint32(0, true);
    const at = 128 + (read & (CAPACITY - 1)); // the record under the read position
    cases.push(
      [good, MAX_MESSAGE],
      [good, 100], // MessageTooLarge
      [withU32(good, 0, write + 8), MAX_MESSAGE],
      [withU32(good, 0, write + 4), MAX_MESSAGE], // MisalignedPosition
      [withU32(good, 0, read + CAPACITY + 8), MAX_MESSAGE], // PositionOutOfRange
      [withU32(good, 0, read - 8), MAX_MESSAGE],
      [withU32(good, 64, read + 4), MAX_MESSAGE],
      [withU32(good, at, 0xffffffff), MAX_MESSAGE],
      [withU32(good, at, 1000), MAX_MESSAGE], // LengthOutOfRange (or BadPadding)
      [withU32(good, at + 4, 2), MAX_MESSAGE], // UnknownRecordType
      [withU32(good, at + 4, 0), MAX_MESSAGE], // padding in the middle: BadPadding
      [withU32(withU32(good, at + 4, 1), at, 100), MAX_MESSAGE], // RecordCrossesEnd at the wrap
      [withU32(good, 32, 1), MAX_MESSAGE], // PRODUCER_FLAGS says drop-oldest: CAS releases, same verdicts
    );
    for (let i = 0; i < 150; i++) {
      let bytes = good;
      for (let k = 0; k <= random() % 2; k++) {
        const offset = random() % 2 === 0 ? [0, 64, at, at + 4][random() % 4]! : (random() % 288) * 4;
        const value = random() % 3 === 0 ? random() : (view.getUint32(offset, true) + (random() % 64) - 32) >>> 0;
        bytes = withU32(bytes, offset, value);
      }
      cases.push([bytes, random() % 4 === 0 ? 200 : MAX_MESSAGE]);
    }
  }
  return cases;
}

/** Frames of every kind with fields and payloads that break (or keep) the rules of LAYOUT.md section 6. */
function frameCases(): Uint8Array[] {
  const random = prng(17);
  const payloads = [[], [0x41], [0xc3, 0xa9], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98, 0x80]];
  const cases: Uint8Array[] = [new Uint8Array(0), new Uint8Array(15)];
  for (let i = 0; i < 600; i++) {
    const payload = payloads[random() % payloads.length]!;
    const frame = new Uint8Array(16 + payload.length);
    const view = new DataView(frame.buffer);
    frame[0] = random() % 10;
    frame[1] = random() % 4 === 0 ? random() & 0xff : 0;
    view.setUint16(2, random() % 3 === 0 ? random() & 0xffff : 0, true);
    view.setUint32(4, random() % 2 === 0 ? random() : 0, true);
    view.setUint32(8, random() % 3 === 0 ? random() : 0, true);
    view.setUint32(12, random() % 5 === 0 ? random() : 0, true);
    frame.set(payload, 16);
    cases.push(frame);
  }
  return cases;
}

/** Batch frames (kind 9): well-formed ones of 1 to 12 entries, and copies with a length, the size or a header field broken. */
function batchCases(): Uint8Array[] {
  const random = prng(19);
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    const lengths = Array.from({ length: 1 + (random() % 12) }, () => (random() % 3 === 0 ? 0 : random() % 40));
    const payload = new Uint8Array(lengths.reduce((sum, n) => sum + ((8 + n + 7) & ~7), 0));
    const view = new DataView(payload.buffer);
    let at = 0;
    for (const n of lengths) {
      view.setUint32(at, n, true);
      view.setUint32(at + 4, random() % 4 === 0 ? random() : 0, true); // reserved: ignored
      for (let k = 0; k < n; k++) payload[at + 8 + k] = random() & 0xff;
      at += (8 + n + 7) & ~7;
    }
    let frame: Uint8Array = Uint8Array.from([
      9,
      random() % 4 === 0 ? random() & 0xff : 0,
      ...new Uint8Array(14),
      ...payload,
    ]);
    const change = random() % 6;
    if (change === 1) frame = frame.subarray(0, 16 + (random() % payload.length)); // cut short
    if (change === 2) frame = Uint8Array.from([...frame, ...new Uint8Array(1 + (random() % 12))]); // bytes left over
    if (change === 3) frame = withU32(frame, 16 + (random() % (payload.length / 4)) * 4, random() % 64); // a length
    if (change === 4) frame = withU32(frame, 16 + (random() % (payload.length / 4)) * 4, random()); // a huge one
    if (change === 5) {
      const field = [0, 4, 8][random() % 3]!; // the status (kind 9 and flags 0 kept), the correlation or the method
      frame = withU32(frame, field, field === 0 ? 9 | ((1 + (random() % 300)) << 16) : 1 + (random() % 300));
    }
    cases.push(frame);
  }
  cases.push(Uint8Array.from([9, ...new Uint8Array(15)])); // no entries
  cases.push(Uint8Array.from([9, ...new Uint8Array(15), ...new Uint8Array(8 * 4096)])); // 4096 empty entries
  cases.push(Uint8Array.from([9, ...new Uint8Array(15), ...new Uint8Array(8 * 4097)])); // one too many
  return cases;
}

for (const variant of C_VARIANTS) {
  test(`${variant}: the same verdicts on segments, rings and frames, and the same bytes written`, () =>
    watched(120_000, async (watch) => {
      const program = buildC('c-layout-judge.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const env = { ...process.env, ...SANITIZER_ENV };
      const judge = watch.child(spawn(program, [], { stdio: ['pipe', 'pipe', 'pipe'], env }));

      const header = await ask(judge, `init ${CAPACITY} ${MAX_MESSAGE} 4242 ${0x1122334455667788n}`);
      assert.is(
        header.hex,
        hex(segment().subarray(0, 256)),
        'rxshm_segment_init writes what initChannelSegment writes',
      );

      const verdicts = new Map<string, number>();
      for (const bytes of segmentCases()) {
        const expected = tsSegment(bytes);
        verdicts.set(expected, (verdicts.get(expected) ?? 0) + 1);
        assert.equal(
          await ask(judge, `segment ${hex(bytes)}`),
          { ev: 'a', problem: expected },
          `segment ${hex(bytes.subarray(0, 160))}`,
        );
      }
      for (const code of [
        'ok',
        'SizeMismatch',
        'BadMagic',
        'UnsupportedVersion',
        'WrongKind',
        'BadHeaderLength',
        'BadRingTable',
        'BadMaxMessage',
      ])
        assert.ok(verdicts.has(code), `a segment case gives ${code}: ${[...verdicts.keys()].join(', ')}`);

      const endings = new Set<string>();
      for (const [region, maxMessage] of ringCases()) {
        const expected = tsRing(region, maxMessage);
        endings.add(expected.end);
        const answer = await ask(judge, `ring ${CAPACITY} ${maxMessage} ${hex(region)}`);
        assert.equal(answer, { ev: 'a', ...expected }, `ring header ${hex(region.subarray(0, 72))}`);
      }
      for (const code of [
        'empty',
        'PositionOutOfRange',
        'MisalignedPosition',
        'BadPadding',
        'UnknownRecordType',
        'MessageTooLarge',
        'LengthOutOfRange',
        'RecordCrossesEnd',
      ])
        assert.ok(endings.has(code), `a ring case ends ${code}: ${[...endings].join(', ')}`);

      let valid = 0;
      for (const frame of frameCases()) {
        const expected = isRight(FrameC.decode(frame));
        valid += expected ? 1 : 0;
        assert.equal(await ask(judge, `frame ${hex(frame)}`), { ev: 'a', ok: expected }, `frame ${hex(frame)}`);
      }
      assert.ok(valid > 20 && valid < 580, `both valid and invalid frames were judged (${valid} valid)`);

      const batches = { valid: 0, invalid: 0 };
      for (const frame of batchCases()) {
        const expected = isRight(FrameC.decode(frame));
        batches[expected ? 'valid' : 'invalid']++;
        assert.equal(await ask(judge, `frame ${hex(frame)}`), { ev: 'a', ok: expected }, `batch ${hex(frame)}`);
      }
      assert.ok(batches.valid > 50 && batches.invalid > 100, `valid and invalid Batch frames: ${batches.valid} valid`);

      const random = prng(18);
      for (let i = 0; i < 40; i++) {
        const ops: string[] = [];
        let backlog = 0;
        for (let k = 0; k < 30; k++) {
          // At most two records wait, each under 208 bytes: every write fits, wraps and padding happen often.
          const read = backlog > 1 || (backlog > 0 && random() % 2 === 0);
          ops.push(read ? 'r' : `w${random() % 3 === 0 ? random() % 200 : random() % 40}`);
          backlog += read ? -1 : 1;
        }
        const answer = await ask(judge, `produce ${CAPACITY} ${ops.join(',')}`);
        assert.is(answer.hex, hex(tsProduce(ops)), `the C writer's bytes for ${ops.join(',')}`);
      }
      const names = [
        'x',
        'prices',
        'a'.repeat(100),
        'b'.repeat(101),
        'é'.repeat(60),
        'ü'.repeat(100),
        'a/b',
        '',
        '..',
        'a\u0085',
      ];
      for (const channel of names) {
        let expected: string | null;
        try {
          expected = hex(Buffer.from(linuxDoorbellPath(channel), 'utf8'));
        } catch {
          expected = null; // a name rxshm refuses
        }
        const answer = await ask(judge, `address ${hex(Buffer.from(channel, 'utf8'))}`);
        assert.is(answer.hex, expected, `the doorbell address of ${JSON.stringify(channel)}`);
      }
      judge.process.stdin!.end();
      const exit = await judge.exited;
      assert.equal([exit.code, exit.signal], [0, null], `judge exit; stderr: ${judge.stderr}`);
      assert.is(judge.stderr, '', 'no sanitizer report');
    }));
}

test.run();
