/** Targets are computed from rows by contender name; missing inputs print n/a, never a guess. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QUICK_PLAN } from '../../bench/lib/plan.js';
import type { Results } from '../../bench/lib/results.js';
import { computeTargets, NAMES, TARGETS } from '../../bench/lib/targets.js';

function results(partial: Partial<Results>): Results {
  return {
    machine: {
      cpu: 'x',
      cores: 2,
      node: 'v20',
      platform: 'linux',
      arch: 'x64',
      release: '6',
      memoryGiB: 1,
      loadAverage: 0,
      date: '',
    },
    plan: QUICK_PLAN,
    contenders: [],
    roundTrip: [],
    throughput: [],
    requestResponse: [],
    idle: [],
    codecs: [],
    targets: [],
    notes: [],
    ...partial,
  };
}
const rtt = (contender: string, medianUs: number) => ({
  contender,
  size: 8,
  medianUs,
  p99Us: medianUs,
  repetitions: 1,
  iterations: 1,
});
const tput = (contender: string, size: number, messagesPerSecond: number) => ({
  contender,
  size,
  messagesPerSecond,
  bytesPerSecond: messagesPerSecond * size,
  repetitions: 1,
  messages: 1,
});

test('without rxshm every target is n/a (no rxshm result)', () => {
  const targets = computeTargets(results({ roundTrip: [rtt(NAMES.unixSocket, 20), rtt(NAMES.cLimit, 0.3)] }));
  assert.is(targets.length, TARGETS.length);
  for (const t of targets) {
    assert.is(t.text, 'n/a (no rxshm result)');
    assert.is(t.met, null);
  }
});

test('ratios come from the same run, by name', () => {
  const targets = computeTargets(
    results({
      roundTrip: [
        rtt(NAMES.unixSocket, 20),
        rtt(NAMES.cLimit, 0.3),
        rtt(NAMES.rxshmSpin, 0.6),
        rtt(NAMES.rxshmDefault, 6),
        rtt(NAMES.rxshmParked, 19),
      ],
      throughput: [
        tput(NAMES.unixSocket, 64, 1e5),
        tput(NAMES.rxshmDefault, 64, 2e6),
        tput(NAMES.unixSocket, 65536, 2e4),
        tput(NAMES.rxshmDefault, 65536, 3e4),
      ],
      idle: [{ contender: NAMES.rxshmDefault, seconds: 2, harnessPercent: 0.1, peerPercent: 0.1, pairPercent: 0.2 }],
    }),
  );
  const byId = new Map(targets.map((t) => [t.id, t]));
  assert.is(byId.get('spin-rtt')!.met, false); // 2x the C limit
  assert.is(byId.get('spin-rtt')!.text, '2.00x');
  assert.is(byId.get('default-rtt')!.met, true); // 0.3x
  assert.is(byId.get('parked-rtt')!.met, true); // 0.95x
  assert.is(byId.get('throughput-64')!.met, true); // 20x
  assert.is(byId.get('throughput-64k')!.met, false); // 1.5x
  assert.is(byId.get('idle-cpu')!.met, true);
});

test('a missing baseline is named', () => {
  const targets = computeTargets(results({ roundTrip: [rtt(NAMES.rxshmSpin, 0.4)] }));
  assert.is(targets.find((t) => t.id === 'spin-rtt')!.text, `n/a (no ${NAMES.cLimit} result)`);
});

test.run();
