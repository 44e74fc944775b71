/**
 * A dependency-free SVG chart of a run: one panel of round-trip medians, one of throughput (grouped by message
 * size) and one of request/response calls (grouped by calls in flight); horizontal bars on a log scale, one colour
 * per contender (the same in every panel).
 */
import { fmtBytesRate, fmtRate, fmtUs, inFlightLabel } from './format.js';
import { sizeLabel } from './payload.js';
import type { Results } from './results.js';

const WIDTH = 980;
const LABEL_X = 250; // bar labels end here
const PLOT_X0 = 260;
const PLOT_X1 = 800; // value text goes right of the bar, up to WIDTH
const BAR = 14;
const GAP = 4;
const PALETTE = [
  '#555555',
  '#d62728',
  '#ff7f0e',
  '#e377c2',
  '#1f77b4',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#17becf',
  '#bcbd22',
];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Bar {
  readonly contender: string;
  readonly value: number;
  readonly text: string;
}
interface Group {
  readonly title: string;
  readonly bars: readonly Bar[];
}

function panel(
  title: string,
  groups: readonly Group[],
  y0: number,
  colour: (name: string) => string,
  label: (name: string) => string,
  tick: (v: number) => string,
): { svg: string[]; height: number } {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0 && Number.isFinite(v));
  const svg: string[] = [`<text x="10" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  if (values.length === 0) {
    svg.push(`<text x="${PLOT_X0}" y="${y0 + 44}" font-size="12" fill="#777">no results</text>`);
    return { svg, height: 60 };
  }
  const lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi <= lo) hi = lo + 1;
  const x = (v: number): number => PLOT_X0 + ((Math.log10(v) - lo) / (hi - lo)) * (PLOT_X1 - PLOT_X0);
  let y = y0 + 44;
  const top = y - 12;
  const body: string[] = [];
  for (const g of groups) {
    if (g.bars.length === 0) continue;
    body.push(`<text x="10" y="${y + 11}" font-size="12" font-weight="bold">${esc(g.title)}</text>`);
    y += BAR + GAP;
    for (const b of g.bars) {
      const w = Math.max(1, x(b.value) - PLOT_X0);
      body.push(
        `<text x="${LABEL_X}" y="${y + 11}" font-size="11" text-anchor="end">${esc(label(b.contender))}</text>`,
        `<rect x="${PLOT_X0}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${colour(b.contender)}"/>`,
        `<text x="${(PLOT_X0 + w + 4).toFixed(1)}" y="${y + 11}" font-size="11">${esc(b.text)}</text>`,
      );
      y += BAR + GAP;
    }
    y += 8;
  }
  // Decade grid lines under the bars, with their labels above the plot.
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d).toFixed(1);
    svg.push(
      `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${y - 8}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${top - 3}" font-size="10" text-anchor="middle" fill="#777">${esc(tick(10 ** d))}</text>`,
    );
  }
  svg.push(...body);
  return { svg, height: y - y0 + 10 };
}

export function toSvg(r: Results): string {
  const names = r.contenders.map((c) => c.name);
  const colour = (name: string): string => PALETTE[names.indexOf(name) % PALETTE.length] ?? '#000';
  const labels = new Map(r.contenders.map((c) => [c.name, c.label]));
  const label = (name: string): string => labels.get(name) ?? name;
  const byOrder = <T extends { contender: string }>(rows: T[]): T[] =>
    [...rows].sort((a, b) => names.indexOf(a.contender) - names.indexOf(b.contender));

  const rttGroups = r.plan.rttSizes.map((size): Group => ({
    title: sizeLabel(size),
    bars: byOrder(r.roundTrip.filter((x) => x.size === size)).map((x) => ({
      contender: x.contender,
      value: x.medianUs,
      text: `${fmtUs(x.medianUs)} µs`,
    })),
  }));
  const tpGroups = r.plan.throughputSizes.map((size): Group => ({
    title: sizeLabel(size),
    bars: byOrder(r.throughput.filter((x) => x.size === size)).map((x) => ({
      contender: x.contender,
      value: x.messagesPerSecond,
      text: `${fmtRate(x.messagesPerSecond)} msg/s · ${fmtBytesRate(x.bytesPerSecond)}`,
    })),
  }));
  const callGroups = r.plan.callsInFlight.map((inFlight): Group => ({
    title: `${sizeLabel(r.plan.callBytes)}, ${inFlightLabel(inFlight)}`,
    bars: byOrder(r.calls.filter((x) => x.inFlight === inFlight)).map((x) => ({
      contender: x.contender,
      value: x.callsPerSecond,
      text: `${fmtRate(x.callsPerSecond)} calls/s`,
    })),
  }));
  const m = r.machine;
  const header = `${m.cpu}, ${m.cores} cores · Node ${m.node} · ${m.date.slice(0, 10)}${r.plan.quick ? ' · quick run' : ''}`;
  const a = panel('Round trip, median µs (log scale, lower is better)', rttGroups, 30, colour, label, fmtUs);
  const b = panel(
    'One-way throughput, messages/s (log scale, higher is better)',
    tpGroups,
    30 + a.height + 10,
    colour,
    label,
    fmtRate,
  );
  const c = panel(
    'Request/response calls, calls/s (log scale, higher is better)',
    callGroups,
    30 + a.height + 10 + b.height + 10,
    colour,
    label,
    fmtRate,
  );
  const height = 30 + a.height + 10 + b.height + 10 + c.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="12" fill="#555">${esc('rxshm benchmark · ' + header)}</text>`,
    ...a.svg,
    ...b.svg,
    ...c.svg,
    '</svg>',
    '',
  ].join('\n');
}
