/** Shared assertions for the codec suites (not a suite: the runner only picks `*.test.ts`). */
import * as assert from 'uvu/assert';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

/** The value of a Right, failing the test with the PathReporter lines on a Left. */
export function right<A>(result: t.Validation<A>): A {
  if (result._tag === 'Left') assert.unreachable(`expected Right, got Left: ${PathReporter.report(result).join('; ')}`);
  return (result as { right: A }).right;
}

/** The PathReporter lines of a Left, failing the test on a Right. */
export function leftLines<A>(result: t.Validation<A>): string[] {
  if (result._tag === 'Right') assert.unreachable(`expected Left, got Right: ${String(result.right)}`);
  return PathReporter.report(result);
}

/** Bytes from a list of numbers or hex pairs. */
export function u8a(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A copy of `bytes` placed at `offset` inside a larger buffer, to prove `byteOffset` is honoured. */
export function offsetView(bytes: Uint8Array, offset = 5): Uint8Array {
  const backing = new Uint8Array(offset + bytes.length + 3).fill(0xee);
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

/** A small seeded PRNG (mulberry32): the fuzz suites print the seed so failures reproduce. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
