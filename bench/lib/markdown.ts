/**
 * The Markdown report: machine line, then one table per section (calls and resources in markdown-calls.ts),
 * targets, notes. Row order follows the contenders' order; a table lists only contenders that produced rows for it
 * (the request/response tables keep their header and a placeholder row until a contender implements them).
 */
import { fmtBytesRate, fmtPercent, fmtRate, fmtUs } from './format.js';
import { sizeLabel } from './payload.js';
import type { Results } from './results.js';
import { CODECS } from './measure.js';
import { callsSection, resourcesSection } from './markdown-calls.js';
import { manyClientsSection } from './markdown-many.js';
import { table } from './markdown-table.js';

export function toMarkdown(r: Results): string {
  const label = new Map(r.contenders.map((c) => [c.name, c.label]));
  const order = r.contenders.map((c) => c.name);
  const present = (names: Iterable<string>): string[] => {
    const set = new Set(names);
    return order.filter((n) => set.has(n));
  };
  const m = r.machine;
  const out: string[] = [
    '# rxshm benchmark',
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.platform} ${m.release} ${m.arch} · Node ${m.node} · load ${m.loadAverage} · ${m.date}` +
      (r.plan.quick ? ' · **quick run (smoke numbers, not for comparison)**' : ''),
    '',
    `## Round trip (µs, median / p99 of ${r.plan.repetitions} repetitions)`,
    '',
  ];

  const rttSizes = r.plan.rttSizes;
  out.push(
    table(
      ['contender', ...rttSizes.flatMap((s) => [`${sizeLabel(s)} median`, `${sizeLabel(s)} p99`])],
      present(r.roundTrip.map((x) => x.contender)).map((name) => [
        label.get(name)!,
        ...rttSizes.flatMap((s) => {
          const row = r.roundTrip.find((x) => x.contender === name && x.size === s);
          return row ? [fmtUs(row.medianUs), fmtUs(row.p99Us)] : ['—', '—'];
        }),
      ]),
    ),
  );

  const tpSizes = r.plan.throughputSizes;
  out.push('', '## One-way throughput (messages/s and bytes/s)', '');
  out.push(
    table(
      ['contender', ...tpSizes.flatMap((s) => [`${sizeLabel(s)} msg/s`, `${sizeLabel(s)} bytes/s`])],
      present(r.throughput.map((x) => x.contender)).map((name) => [
        label.get(name)!,
        ...tpSizes.flatMap((s) => {
          const row = r.throughput.find((x) => x.contender === name && x.size === s);
          return row ? [fmtRate(row.messagesPerSecond), fmtBytesRate(row.bytesPerSecond)] : ['—', '—'];
        }),
      ]),
    ),
  );

  out.push('', '## Request/response with codecs (typed call(), 64 B objects, operations/s, sequential)', '');
  const rrNames = present(r.requestResponse.map((x) => x.contender));
  out.push(
    table(
      ['contender', ...CODECS.map((c) => `${c} codec ops/s`)],
      rrNames.length === 0
        ? [['_no contender implements request/response yet_', ...CODECS.map(() => '—')]]
        : rrNames.map((name) => [
            label.get(name)!,
            ...CODECS.map((c) => {
              const row = r.requestResponse.find((x) => x.contender === name && x.codec === c);
              return row ? fmtRate(row.opsPerSecond) : '—';
            }),
          ]),
    ),
  );

  out.push(...callsSection(r, label, present), ...resourcesSection(r, label, present));

  out.push('', `## Idle CPU (connected, silent pair, ${(r.plan.idleMs / 1000).toFixed(1)} s; % of one core)`, '');
  out.push(
    table(
      ['contender', 'harness side', 'peer', 'pair'],
      present(r.idle.map((x) => x.contender)).map((name) => {
        const row = r.idle.find((x) => x.contender === name)!;
        return [
          label.get(name)!,
          fmtPercent(row.harnessPercent),
          fmtPercent(row.peerPercent),
          fmtPercent(row.pairPercent),
        ];
      }),
    ),
  );

  const late = r.lateSubscriber ?? [];
  if (late.length > 0) {
    out.push(
      '',
      `## Late subscriber drain (rxshm default, messages/s, median of ${late[0]!.repetitions} repetitions)`,
      '',
    );
    out.push(
      table(
        ['burst', 'live subscriber', 'late subscriber', 'late / live'],
        late.map((x) => [
          `${x.messages.toLocaleString('en-US')} × ${sizeLabel(x.size)}`,
          fmtRate(x.liveMessagesPerSecond),
          fmtRate(x.lateMessagesPerSecond),
          `${x.ratio.toFixed(2)}x`,
        ]),
      ),
    );
  }

  out.push(...manyClientsSection(r));

  if (r.codecs.length > 0) {
    out.push('', '## Codecs (in-process, operations/s)', '');
    out.push(
      table(
        ['codec', 'ops/s'],
        r.codecs.map((c) => [c.name, fmtRate(c.opsPerSec)]),
      ),
    );
    const struct = r.codecs.find((c) => c.name.startsWith('struct') && c.name.includes('encode+decode'));
    const json = r.codecs.find((c) => c.name.startsWith('json'));
    if (struct && json) out.push('', `struct / json encode+decode: ${(struct.opsPerSec / json.opsPerSec).toFixed(1)}x`);
  }

  out.push('', '## Targets (issues 6 and 12)', '');
  out.push(
    table(
      ['target', 'measured', 'goal', 'status'],
      r.targets.map((t) => [t.label, t.text, t.goal, t.met === null ? 'n/a' : t.met ? 'met' : '**not met**']),
    ),
  );

  const notes = [...r.notes, ...r.contenders.flatMap((c) => c.notes.map((n) => `${c.name}: ${n}`))];
  if (notes.length > 0) out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}
