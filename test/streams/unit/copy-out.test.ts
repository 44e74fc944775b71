/**
 * copyOut (the receiver's copy of a payload for a subscriber that keeps it): on both sides of UNFILLED_MIN_BYTES the
 * copy is byte-exact, a plain Uint8Array at byteOffset 0 over an ArrayBuffer of exactly its length (the `copy`
 * contract: the message is the user's, and transferring its buffer detaches nothing else), independent of the source
 * afterwards, and two copies never share memory. Large copies come from unfilled memory: every byte must be the
 * source's, none left over from earlier allocations.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyOut, UNFILLED_MIN_BYTES } from '../../../src/streams/engine/copy-out.js';

const test = suite('copyOut');

/** A shared source like a ring's bytes: `length` bytes where byte i is (seed + i) & 255, after `at` junk bytes. */
function source(at: number, length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(new SharedArrayBuffer(at + length + 16)).fill(0xee);
  for (let i = 0; i < length; i++) bytes[at + i] = (seed + i) & 255;
  return bytes;
}

const LENGTHS = [0, 1, 64, UNFILLED_MIN_BYTES - 1, UNFILLED_MIN_BYTES, 65_536, 65_536 + 3];

for (const length of LENGTHS) {
  test(`${length} bytes: exact, its own buffer of exactly its length, independent of the source`, () => {
    const ring = source(40, length, 7);
    const copy = copyOut(ring, 40, length);
    assert.is(copy.constructor, Uint8Array, 'a plain Uint8Array (a Buffer would slice into views)');
    assert.is(copy.length, length);
    assert.is(copy.byteOffset, 0);
    assert.is(copy.buffer.byteLength, length);
    assert.not.ok(copy.buffer instanceof SharedArrayBuffer);
    assert.equal(copy, ring.slice(40, 40 + length));
    ring.fill(0); // the ring's record is reused
    for (let i = 0; i < length; i++) if (copy[i] !== ((7 + i) & 255)) assert.unreachable(`byte ${i} changed`);
  });
}

test('unfilled memory never shows through: many large copies over freed memory are all byte-exact', () => {
  const length = UNFILLED_MIN_BYTES * 16;
  for (let round = 0; round < 200; round++) {
    const ring = source(8, length, round);
    const copy = copyOut(ring, 8, length);
    for (let i = 0; i < length; i++) {
      if (copy[i] !== ((round + i) & 255)) assert.unreachable(`round ${round}: byte ${i} is ${copy[i]}`);
    }
  }
});

test('two copies of the same bytes never share memory', () => {
  const ring = source(0, UNFILLED_MIN_BYTES * 4, 1);
  const a = copyOut(ring, 0, UNFILLED_MIN_BYTES * 4);
  const b = copyOut(ring, 0, UNFILLED_MIN_BYTES * 4);
  assert.is.not(a.buffer, b.buffer);
  a[0] = 99;
  assert.is(b[0], 1);
});

test.run();
