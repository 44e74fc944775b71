/**
 * Codec throughput: encode+decode operations per second of one 64-byte fixed struct, the same struct through
 * `read`/`write` on a reused buffer (what a zero-copy send/receive path does), and the same object as `json`.
 * Median of several repetitions after a warm-up. Run: `node --import tsx bench/codecs.ts [--quick]`.
 */
import * as t from 'io-ts';
import { fileURLToPath } from 'node:url';
import { rxshm } from './lib/library.js';

const { array, bool, f32, f64, fixedUtf8, json, struct, u16, u32, u8 } = rxshm;

/** 64 bytes: 3×f64 + 2×u32 + u16 + u8 + bool + 16-byte name + 2×f32 + 2×u16. */
const Quote = struct({
  id: f64,
  ts: f64,
  price: f64,
  qty: u32,
  seq: u32,
  venue: u16,
  side: u8,
  active: bool,
  symbol: fixedUtf8(16),
  bid: f32,
  ask: f32,
  levels: array(u16, 2),
});

const QuoteJson = json(
  t.type({
    id: t.number,
    ts: t.number,
    price: t.number,
    qty: t.number,
    seq: t.number,
    venue: t.number,
    side: t.number,
    active: t.boolean,
    symbol: t.string,
    bid: t.number,
    ask: t.number,
    levels: t.array(t.number),
  }),
  'QuoteJson',
);

const quote = {
  id: 123456789,
  ts: 1_700_000_000_123.25,
  price: 1.08345,
  qty: 1_000_000,
  seq: 42,
  venue: 7,
  side: 1,
  active: true,
  symbol: 'EURUSD',
  bid: 1.5,
  ask: 1.75,
  levels: [10, 20],
};

/** Runs `op` `iterations` times, `repetitions` times after one warm-up run; returns the median ops/s. */
function measure(op: () => unknown, iterations: number, repetitions: number): number {
  let sink: unknown;
  for (let i = 0; i < iterations; i++) sink = op();
  const rates: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = op();
    const ns = Number(process.hrtime.bigint() - start);
    rates.push((iterations * 1e9) / ns);
  }
  if (sink === undefined) throw new Error('codec bench: the operation returned nothing');
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

/**
 * Measures the codecs; `quick` runs fewer iterations (for CI smoke runs).
 *
 * @example
 * ```ts
 * for (const row of await runCodecBench({ quick: true })) console.log(row.name, row.opsPerSec);
 * ```
 */
export async function runCodecBench(opts: { quick: boolean }): Promise<{ name: string; opsPerSec: number }[]> {
  const iterations = opts.quick ? 20_000 : 200_000;
  const repetitions = opts.quick ? 3 : 7;
  if (Quote.size !== 64) throw new Error(`codec bench: expected a 64-byte struct, size=${Quote.size}`);
  for (const codec of [Quote, QuoteJson] as t.Type<typeof quote, Uint8Array, Uint8Array>[]) {
    const back = codec.decode(codec.encode(quote));
    if (back._tag !== 'Right' || JSON.stringify(back.right) !== JSON.stringify(quote))
      throw new Error(`codec bench: ${codec.name} does not round-trip`);
  }
  const view = new DataView(new ArrayBuffer(Quote.size));
  return [
    {
      name: 'struct 64 B encode+decode',
      opsPerSec: measure(() => Quote.decode(Quote.encode(quote)), iterations, repetitions),
    },
    {
      name: 'struct 64 B write+read (reused buffer)',
      opsPerSec: measure(() => (Quote.write(view, 0, quote), Quote.read(view, 0)), iterations, repetitions),
    },
    {
      name: 'json encode+decode',
      opsPerSec: measure(() => QuoteJson.decode(QuoteJson.encode(quote)), iterations, repetitions),
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runCodecBench({ quick: process.argv.includes('--quick') });
  console.log('| codec | ops/s |\n| --- | ---: |');
  for (const row of rows) console.log(`| ${row.name} | ${Math.round(row.opsPerSec).toLocaleString('en-US')} |`);
  const ratio = rows[0]!.opsPerSec / rows[2]!.opsPerSec;
  console.log(`\nstruct / json: ${ratio.toFixed(1)}x`);
}
