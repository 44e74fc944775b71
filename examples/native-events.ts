/**
 * Native events: a C program fills a shared frame buffer and futex-wakes a Node consumer built from segment() and
 * wakeups(); the consumer checks each frame and answers with wake(), which the C program waits on.
 *
 * This file compiles examples/native-events.c with `cc` into a temporary folder, creates the segment, starts the C
 * producer on it and consumes 10 frames; then everything ends by itself (nothing is left in /dev/shm):
 *
 *   npm run build && node --import tsx examples/native-events.ts
 *
 * Segment layout (shared with the C file): u32 frame counter at 0 (the C side's wake-ups), u32 frames consumed at 4
 * (ours), f64 checksum at 8, u32 sample count at 16, f64 samples from 64.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMPTY, defer, map, merge, switchMap, take, tap, type Observable } from 'rxjs';
import { segment, wake, wakeups } from 'rxshm';

const FRAMES = 10;
const SIZE = 64 + 1000 * 8;

if (spawnSync('cc', ['--version']).status !== 0) {
  console.log('[node] skipped: this example needs a C compiler (cc)');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'rxshm-native-events-'));
const program = join(dir, 'native-events');
execFileSync('cc', [
  '-std=c11',
  '-O2',
  '-o',
  program,
  fileURLToPath(new URL('native-events.c', import.meta.url)),
  '-lm',
]);

const name = `native-events-${process.pid}`;

/** Starts the C producer on the segment; emits nothing (its frames arrive through wakeups). */
function startProducer(): Observable<never> {
  const producer = spawn(program, [name, String(FRAMES)], { stdio: ['ignore', 'inherit', 'inherit'] });
  producer.on('exit', (code) => {
    console.log(`[node] the C producer exited with code ${code}`);
    rmSync(dir, { recursive: true, force: true });
  });
  return EMPTY;
}
segment(name, { size: SIZE })
  .pipe(
    switchMap((shm) => {
      const header = new DataView(shm.buffer, 0, 64);
      const frames = wakeups(shm, 0).pipe(
        map((frame) => {
          const count = header.getUint32(16, true);
          const samples = new Float64Array(shm.buffer, 64, count);
          const sum = samples.reduce((a, b) => a + b, 0);
          return { frame, count, mean: sum / count, ok: sum === header.getFloat64(8, true) };
        }),
        tap(() => wake(shm, 4)), // frame consumed: the C program may overwrite the buffer
      );
      // Watch first, then start the producer (merge subscribes in order): wakeups() emits changes after it began
      // watching, so a frame written before that would be folded into the value it starts from.
      return merge(frames, defer(startProducer));
    }),
    take(FRAMES),
  )
  .subscribe({
    next: ({ frame, count, mean, ok }) =>
      console.log(`[node] frame ${frame}: ${count} samples, mean ${mean.toFixed(4)}, checksum ${ok ? 'ok' : 'WRONG'}`),
    error: (error) => {
      console.error('[node] error:', error);
      process.exitCode = 1;
    },
    complete: () => console.log(`[node] consumed ${FRAMES} frames; the segment is unmapped and removed`),
  });
