/**
 * A section runs its warm-ups outside resource windows, then interleaved rounds each inside a window on both sides,
 * and records per key the samples of every round with the medians of the figures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResourcePeer } from '../../bench/lib/contender.js';
import type { SideResources } from '../../bench/lib/resources.js';
import type { RowResources } from '../../bench/lib/results.js';
import { runSeries, type Series, type SeriesContext } from '../../bench/lib/series.js';

/** A peer whose n-th window reports n MiB and n % GC; it logs its windows into `log`. */
function fakePeer(log: string[]): ResourcePeer {
  let n = 0;
  return {
    openWindow: async () => {
      log.push('open');
    },
    closeWindow: async (): Promise<SideResources> => {
      n++;
      log.push('close');
      return { peakRssBytes: n * 2 ** 20, gcPercent: n, peakRssScope: 'window' };
    },
  };
}

function context(peer: ResourcePeer | undefined, failures: string[] = []): SeriesContext {
  return {
    repetitions: 3,
    peer,
    call: (_what, run) => run(),
    attempt: async (what, run) => {
      try {
        await run();
        return true;
      } catch {
        failures.push(what);
        return false;
      }
    },
    step: () => undefined,
  };
}

interface Recorded {
  key: string;
  count: number;
  samples: number[];
  resources: RowResources | undefined;
}

function section(log: string[], recorded: Recorded[], windowed: boolean, failOn?: string): Series<string, number> {
  let calls = 0;
  return {
    name: 'fake',
    keys: ['a', 'b'],
    label: (key) => key,
    rep: async (key, count) => {
      log.push(`${key}${count}`);
      if (failOn === `${key}${count}` && calls++ === 1) throw new Error('second measured round failed');
      return count;
    },
    calibrate: async (key, rep) => (await rep(key, 1)) + 9, // one warm-up call of count 1, then count 10
    windowed,
    record: (key, count, samples, resources) => recorded.push({ key, count, samples, resources }),
  };
}

test('warm-ups run outside windows; every measured round inside one, keys interleaved', async () => {
  const log: string[] = [];
  const recorded: Recorded[] = [];
  const keys = await runSeries(section(log, recorded, true), context(fakePeer(log)));
  assert.is(keys, 2);
  const round = ['open', 'a10', 'close', 'open', 'b10', 'close'];
  assert.equal(log, ['a1', 'b1', ...round, ...round, ...round]);
  assert.equal(
    recorded.map((r) => [r.key, r.count, r.samples]),
    [
      ['a', 10, [10, 10, 10]],
      ['b', 10, [10, 10, 10]],
    ],
  );
  // Windows 1, 3, 5 were key a's: median 3; b's were 2, 4, 6: median 4.
  assert.is(recorded[0]!.resources!.peerPeakRssBytes, 3 * 2 ** 20);
  assert.is(recorded[1]!.resources!.peerGcPercent, 4);
  assert.ok(recorded[0]!.resources!.harnessPeakRssBytes > 0, 'the harness measured itself');
});

test('without a reporting peer the peer figures are null; unwindowed sections record none', async () => {
  const recorded: Recorded[] = [];
  await runSeries(section([], recorded, true), context(undefined));
  assert.is(recorded[0]!.resources!.peerPeakRssBytes, null);
  assert.is(recorded[0]!.resources!.peerGcPercent, null);
  const plain: Recorded[] = [];
  const log: string[] = [];
  await runSeries(section(log, plain, false), context(fakePeer(log)));
  assert.is(plain[0]!.resources, undefined);
  assert.not.ok(log.includes('open'), 'no window opened');
});

test('a key whose round fails is dropped; the others are still recorded', async () => {
  const recorded: Recorded[] = [];
  const failures: string[] = [];
  const log: string[] = [];
  await runSeries(section(log, recorded, true, 'b10'), context(fakePeer(log), failures));
  assert.equal(failures, ['fake b']);
  assert.equal(
    recorded.map((r) => [r.key, r.samples.length]),
    [['a', 3]],
  );
});

test.run();
