/**
 * The many-clients section of the report (issue 13): one row per measurement, rxshm and the Unix socket from the
 * same run, and rxshm / socket. No targets: the issue asks for the ratios, not for a goal.
 */
import { fmtRate, fmtUs } from './format.js';
import { table } from './markdown-table.js';
import { sizeLabel } from './payload.js';
import type { ManyClientsRow, Results } from './results.js';

function what(row: ManyClientsRow): string {
  switch (row.id) {
    case 'fan-in':
      return `${row.clients} clients → server, ${sizeLabel(row.size)} each (aggregate msg/s received)`;
    case 'broadcast':
      return `broadcast ${sizeLabel(row.size)} to ${row.clients} clients (messages delivered/s)`;
    case 'setup':
      return `connect → first message, ${sizeLabel(row.size)} (µs, median of each repetition's connects)`;
  }
}

const value = (row: ManyClientsRow, x: number): string => (row.higherIsBetter ? fmtRate(x) : fmtUs(x));
const ratio = (x: number): string => (x >= 10 ? `${x.toFixed(1)}x` : `${x.toFixed(2)}x`);

/** The section's lines (empty when the run has no many-clients rows). */
export function manyClientsSection(r: Results): string[] {
  const rows = r.manyClients ?? [];
  if (rows.length === 0) return [];
  const clients = Math.max(...rows.map((x) => x.clients));
  return [
    '',
    `## Many clients (issue 13: ${clients} client processes, one server; medians of ${rows[0]!.repetitions} interleaved repetitions)`,
    '',
    table(
      ['row', 'rxshm', 'Unix socket', 'rxshm / socket', 'better'],
      rows.map((x) => [
        what(x),
        value(x, x.rxshm),
        value(x, x.socket),
        ratio(x.ratio),
        x.higherIsBetter ? 'higher' : 'lower',
      ]),
    ),
    '',
    'Same client processes for both transports, default options; rxshm: one `listen()`, `clients()` and `broadcast()`; ' +
      'socket: one `net` server, length-framed messages, a `write()` loop over the sockets for broadcast. Every ' +
      'message is numbered and checked: each client gets every broadcast exactly once, in order.',
  ];
}
