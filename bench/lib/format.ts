/** Number and label formatting shared by the Markdown tables, the SVG chart and the progress lines. */

/** Microseconds with 3 significant digits, no exponent: 0.0912, 18.7, 1234. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us >= 1000) return Math.round(us).toLocaleString('en-US');
  return us >= 0.001 ? String(Number(us.toPrecision(3))) : us.toExponential(2);
}

/** A rate with an SI prefix: 955 k, 1.23 M. */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units: [number, string][] = [
    [1e9, ' G'],
    [1e6, ' M'],
    [1e3, ' k'],
  ];
  for (const [scale, unit] of units) if (n >= scale) return `${Number((n / scale).toPrecision(3))}${unit}`;
  return String(Number(n.toPrecision(3)));
}

/** Bytes per second, decimal units: 24.4 MB/s, 2.71 GB/s. */
export function fmtBytesRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units: [number, string][] = [
    [1e9, 'GB/s'],
    [1e6, 'MB/s'],
    [1e3, 'kB/s'],
  ];
  for (const [scale, unit] of units) if (n >= scale) return `${Number((n / scale).toPrecision(3))} ${unit}`;
  return `${Number(n.toPrecision(3))} B/s`;
}

export function fmtPercent(p: number): string {
  return Number.isFinite(p) ? `${p.toFixed(2)} %` : '—';
}

/** Bytes in MiB with 3 significant digits: 61.2 MiB. */
export function fmtMiB(bytes: number): string {
  return Number.isFinite(bytes) ? `${Number((bytes / 2 ** 20).toPrecision(3))} MiB` : '—';
}

/** Label of a calls mode: 1 outstanding call is the sequential case. */
export function inFlightLabel(inFlight: number): string {
  return inFlight === 1 ? 'sequential' : `${inFlight} in flight`;
}
