/**
 * The report's issue-12 sections: request/response calls (rates, and rxshm's ratios to the baselines of the same
 * run) and the resource figures of the throughput and calls rows. Each returns Markdown lines, blank line first.
 */
import { fmtMiB, fmtPercent, fmtRate, inFlightLabel } from './format.js';
import { table } from './markdown-table.js';
import { sizeLabel } from './payload.js';
import type { Results, RowResources } from './results.js';
import { NAMES } from './targets.js';

/** Contender name → table label. */
type Labels = ReadonlyMap<string, string>;
/** The given names that ran, in the contenders' order. */
type Present = (names: Iterable<string>) => string[];

const ratio = (v: number): string => (Number.isFinite(v) ? `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x` : '—');

/** Calls per second per contender and mode, then rxshm / baseline per mode. */
export function callsSection(r: Results, label: Labels, present: Present): string[] {
  const modes = r.plan.callsInFlight;
  const bytes = r.calls[0]?.payloadBytes ?? r.plan.callBytes;
  const rate = (name: string, inFlight: number): number | undefined =>
    r.calls.find((x) => x.contender === name && x.inFlight === inFlight)?.callsPerSecond;
  const names = present(r.calls.map((x) => x.contender));
  const out = [
    '',
    `## Request/response calls, ${sizeLabel(bytes)} echo (calls/s, median of ${r.plan.repetitions})`,
    '',
  ];
  out.push(
    table(
      ['contender', ...modes.map(inFlightLabel)],
      names.length === 0
        ? [['_no contender implements calls_', ...modes.map(() => '—')]]
        : names.map((name) => [label.get(name)!, ...modes.map((m) => fmtRate(rate(name, m) ?? NaN))]),
    ),
  );
  const baselines = [NAMES.unixSocketRpc, NAMES.zeromq].filter((b) => names.includes(b));
  const rxshm = names.filter((n) => n.startsWith('rxshm'));
  if (baselines.length > 0 && rxshm.length > 0) {
    out.push('', 'rxshm / baseline, same run (above 1: rxshm completes more calls per second):', '');
    const rows = rxshm.flatMap((s) =>
      baselines.map((b) => [
        `${label.get(s)} / ${label.get(b)}`,
        ...modes.map((m) => ratio((rate(s, m) ?? NaN) / (rate(b, m) ?? NaN))),
      ]),
    );
    out.push(table(['ratio', ...modes.map(inFlightLabel)], rows));
  }
  return out;
}

/** Peak RSS and GC share of both sides for every throughput and calls row. */
export function resourcesSection(r: Results, label: Labels, present: Present): string[] {
  const rows: { readonly contender: string; readonly row: string; readonly resources: RowResources }[] = [
    ...r.throughput.map((x) => ({ ...x, row: `throughput ${sizeLabel(x.size)}` })),
    ...r.calls.map((x) => ({ ...x, row: `calls ${inFlightLabel(x.inFlight)}` })),
  ];
  if (rows.length === 0) return [];
  const peer = (v: number | null, fmt: (n: number) => string): string => (v === null ? '—' : fmt(v));
  const out = ['', '## Resources (peak RSS and share of wall time in GC, each side; medians over repetitions)', ''];
  out.push(
    table(
      ['contender', 'row', 'harness peak RSS', 'peer peak RSS', 'harness GC', 'peer GC'],
      present(rows.map((x) => x.contender)).flatMap((name) =>
        rows
          .filter((x) => x.contender === name)
          .map(({ row, resources: x }) => [
            label.get(name)!,
            row,
            fmtMiB(x.harnessPeakRssBytes),
            peer(x.peerPeakRssBytes, fmtMiB),
            fmtPercent(x.harnessGcPercent),
            peer(x.peerGcPercent, fmtPercent),
          ]),
      ),
      2,
    ),
  );
  const windowed = rows.every((x) => x.resources.peakRssScope === 'window');
  out.push(
    '',
    windowed
      ? 'Peak RSS: each process resets its high-water mark when a measured repetition starts and reads VmHWM ' +
          'when it ends; the harness figure includes what the harness process holds for the whole run. ' +
          "GC: PerformanceObserver 'gc' entries summed over the repetition. — : no peer process (in-process peer)."
      : 'Peak RSS: lifetime maxRSS of each process (this system refused the high-water-mark reset), so figures ' +
          "only grow through the run. GC: PerformanceObserver 'gc' entries summed over the repetition.",
  );
  return out;
}
