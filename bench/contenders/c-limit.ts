/**
 * The physical limit: bench/c/pingpong.c, two processes busy-spinning on a shared cache line (payloads
 * above 56 bytes copied through a shared buffer). Compiled with `cc -O2` into bench/bin/ at run time; skipped
 * with a note when there is no C compiler. Round trip only: it is the floor, not a transport.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { SkipContender, type Contender, type Session } from '../lib/contender.js';
import { killChild, track } from '../lib/peer.js';

interface PingPongOutput {
  size: number;
  iterations: number;
  median_ns: number;
  p99_ns: number;
  yields: number;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(
      execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        if (error) reject(new Error(`pingpong ${args.join(' ')}: ${error.message} ${stderr}`.trim()));
        else resolve(stdout);
      }),
    );
    // Belt and braces: if the promise is abandoned by a harness timeout, the 'exit' safety net still kills it.
    child.on('error', () => void killChild(child));
  });
}

export const contenders: Contender[] = [
  {
    name: 'c-limit',
    label: 'C spin, shared cache line (limit)',
    order: 0,
    async open(ctx): Promise<Session> {
      const source = join(ctx.benchDir, 'c', 'pingpong.c');
      const binary = join(ctx.benchDir, 'bin', 'pingpong');
      mkdirSync(join(ctx.benchDir, 'bin'), { recursive: true });
      // Compile to a private name, then rename: concurrent runs (a test beside a bench) never exec a half-written file.
      const partial = `${binary}.${process.pid}.tmp`;
      const cc = spawnSync('cc', ['-O2', '-o', partial, source], { encoding: 'utf8' });
      if (cc.error)
        throw new SkipContender(`no C compiler (cc: ${cc.error.message}); the physical limit is not measured`);
      if (cc.status !== 0) throw new SkipContender(`cc failed: ${cc.stderr.trim().slice(0, 300)}`);
      renameSync(partial, binary);
      ctx.note('C limit: both processes busy-spin, one core each (this is the setup the limit assumes).');
      return {
        async roundTrip(payload, iterations) {
          const warmup = Math.min(iterations, 10_000);
          // A time cap as well as a count: a descheduled spinner makes each round trip cost a time slice.
          const maxMs = Math.ceil(ctx.plan.repSeconds * 1500);
          const args = [payload.byteLength, iterations, warmup, maxMs].map(String);
          const out = await run(binary, args, ctx.plan.callTimeoutMs);
          const r = JSON.parse(out) as PingPongOutput;
          if (r.yields > 0)
            ctx.note(
              'C limit: some waits yielded the core (another process competed for it), so the limit is inflated in this run.',
            );
          return { iterations: r.iterations, medianNs: r.median_ns, p99Ns: r.p99_ns };
        },
        async close() {
          /* each repetition is its own short-lived process */
        },
      };
    },
  },
];
