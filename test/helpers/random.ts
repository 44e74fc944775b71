/**
 * Seeded pseudo-random numbers (mulberry32) for the fuzz and property tests: a failing run prints its seed and
 * replays from it. Invariant: the same seed gives the same sequence in every process, so a child program
 * (test/fixtures/layout-fuzz.ts, the corruption fuzz) regenerates what the test process expects.
 */

/** A seeded generator of u32s (mulberry32). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same generator scaled to [0, 1), where a test would otherwise call Math.random(). */
export function prngFloat(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}
