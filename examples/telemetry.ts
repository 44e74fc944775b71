/**
 * Telemetry over rxshm: one process streams typed samples to another, and the receiver aggregates them with
 * ordinary RxJS operators (typed, bufferTime, map, reduce).
 *
 * This file plays both roles. Run without arguments, it starts itself as a producer child with spawnConnected;
 * the producer sends 200 samples (a fixed-size struct: seq, timestamp, cpu, mem, host), one every 5 ms, then
 * closes. The monitor prints a line per 250 ms window and a summary once the producer closed; both exit.
 *
 *   node --import tsx examples/telemetry.ts
 */
import { hostname, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bufferTime, filter, finalize, interval, map, reduce, switchMap, take, tap } from 'rxjs';
import { connectParent, f32, f64, fixedUtf8, spawnConnected, struct, typed, u32, u64 } from 'rxshm';

/** 36 bytes on the wire, little-endian, no padding. */
const Sample = struct({ seq: u32, timestamp: f64, cpu: f32, mem: u64, host: fixedUtf8(16) });
type Sample = typeof Sample._A;
const COUNT = 200;

function producer(): void {
  const host = hostname().slice(0, 16);
  connectParent()
    .pipe(
      typed(Sample),
      switchMap((samples) => {
        // Close after the last sample; the monitor then closes its side and the connection ends.
        samples.subscribe({ complete: () => samples.complete(), error: () => undefined });
        return interval(5).pipe(
          take(COUNT),
          map((seq): Sample => ({
            seq,
            timestamp: Date.now(),
            cpu: Math.fround(loadavg()[0]!),
            mem: BigInt(process.memoryUsage().rss),
            host,
          })),
          tap((sample) => samples.next(sample)),
          finalize(() => samples.complete()),
        );
      }),
    )
    .subscribe({ error: (error) => console.error('[Producer] error:', error) });
}

interface Window {
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly cpuAvg: number;
  readonly memMax: bigint;
  readonly host: string;
}

function monitor(): void {
  const self = fileURLToPath(import.meta.url);
  const mib = (bytes: bigint): string => (Number(bytes) / 2 ** 20).toFixed(1);
  spawnConnected(process.execPath, [...process.execArgv, self, 'producer'])
    .pipe(
      typed(Sample),
      // Values until the producer closes; then close our side too, so the connection ends and spawnConnected completes.
      switchMap((samples) => samples.pipe(tap({ complete: () => samples.complete() }))),
      bufferTime(250),
      filter((batch) => batch.length > 0),
      map((batch): Window => ({
        count: batch.length,
        firstSeq: batch[0]!.seq,
        lastSeq: batch.at(-1)!.seq,
        cpuAvg: batch.reduce((sum, s) => sum + s.cpu, 0) / batch.length,
        memMax: batch.reduce((max, s) => (s.mem > max ? s.mem : max), 0n),
        host: batch[0]!.host,
      })),
      tap((w) =>
        console.log(
          `[Monitor] window: ${w.count} samples, seq ${w.firstSeq}..${w.lastSeq}, load ${w.cpuAvg.toFixed(2)}, rss max ${mib(w.memMax)} MiB`,
        ),
      ),
      reduce((all, w) => [...all, w], [] as Window[]),
    )
    .subscribe({
      next: (windows) => {
        const total = windows.reduce((n, w) => n + w.count, 0);
        const inOrder = windows.every(
          (w, i) => w.lastSeq - w.firstSeq + 1 === w.count && (i === 0 || w.firstSeq === windows[i - 1]!.lastSeq + 1),
        );
        console.log(
          `[Monitor] ${total} samples from ${windows[0]?.host ?? '?'} in ${windows.length} windows, ${inOrder && total === COUNT ? 'in order, none missing' : 'SOME MISSING'}.`,
        );
        if (total !== COUNT || !inOrder) process.exitCode = 1;
      },
      error: (error) => {
        console.error('[Monitor] error:', error);
        process.exitCode = 1;
      },
    });
}

if (process.argv[2] === 'producer') producer();
else monitor();
