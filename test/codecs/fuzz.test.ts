/**
 * Fuzz: random byte strings into every decoder must yield a Left of io-ts errors or a value that passes `is` (and
 * re-encodes to something that decodes) — never an exception, never a hang. Reproduce with FUZZ_SEED=<seed>.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as t from 'io-ts';
import {
  array,
  bool,
  bytes,
  f32,
  f64,
  fixedBytes,
  fixedUtf8,
  FrameC,
  FrameHeaderC,
  i64,
  json,
  optional,
  struct,
  u16,
  u32,
  u64,
  u8,
  utf8,
} from '../../src/codecs/index.js';
import { prngFloat } from '../helpers/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 32);
const RUNS = 100_000;
const MAX_LENGTH = 256;

const decoders: t.Type<any, Uint8Array, Uint8Array>[] = [
  FrameHeaderC,
  FrameC,
  json(t.type({ id: t.string, price: t.number })),
  json(t.unknown),
  utf8,
  bytes,
  struct({ x: f64, y: f64 }),
  struct({ a: u8, b: bool, c: optional(u16), s: fixedUtf8(5) }),
  struct({
    id: u64,
    n: i64,
    levels: array(f32, 3),
    raw: fixedBytes(3),
    inner: struct({ on: bool, name: fixedUtf8(3) }),
  }),
  array(optional(bool), 4),
  u32,
];

/** Fixed-size decoders get an input of exactly their size when the random string is long enough. */
const fit = (codec: t.Type<any, Uint8Array, Uint8Array>, input: Uint8Array): Uint8Array => {
  const size = (codec as { size?: number }).size;
  return size !== undefined && input.length >= size ? input.subarray(0, size) : input;
};

/** Fails with a reproducible message; the message is only built on failure (building it per check costs seconds). */
function fail(codec: t.Type<any, Uint8Array, Uint8Array>, input: Uint8Array, what: string): never {
  assert.unreachable(`seed=${SEED} ${codec.name}: ${what} on [${Array.from(input)}]`);
  throw new Error('unreachable');
}

function check(codec: t.Type<any, Uint8Array, Uint8Array>, input: Uint8Array): void {
  let result: t.Validation<unknown>;
  try {
    result = codec.decode(input);
  } catch (e) {
    fail(codec, input, `threw ${String(e)}`);
  }
  if (result._tag === 'Left') {
    const errors = result.left;
    if (!Array.isArray(errors) || errors.length === 0) fail(codec, input, 'empty errors');
    for (const e of errors)
      if (!Array.isArray(e.context) || e.context.length === 0) fail(codec, input, 'error without context');
    return;
  }
  if (!codec.is(result.right)) fail(codec, input, 'decoded value fails is');
  if (codec.decode(codec.encode(result.right))._tag !== 'Right') fail(codec, input, 're-encoded value fails to decode');
}

test(`${RUNS} random byte strings into every decoder (seed=${SEED})`, () => {
  console.log(`  fuzz seed=${SEED} (reproduce with FUZZ_SEED=${SEED})`);
  const random = prngFloat(SEED);
  const backing = new Uint8Array(MAX_LENGTH + 8);
  for (let run = 0; run < RUNS; run++) {
    const length = Math.floor(random() * (MAX_LENGTH + 1));
    const offset = Math.floor(random() * 8); // exercise byteOffset handling
    const input = backing.subarray(offset, offset + length);
    // Bias half the inputs towards plausible frames and small bytes, so the decoders get past their first check.
    const plausible = random() < 0.5;
    for (let i = 0; i < length; i++) {
      const r = random();
      input[i] = plausible && r < 0.6 ? (r < 0.45 ? 0 : Math.floor(r * 4)) : Math.floor(random() * 256);
    }
    if (plausible && length > 0) input[0] = 1 + Math.floor(random() * 8);
    for (const codec of decoders) check(codec, fit(codec, input));
  }
});

test.run();
