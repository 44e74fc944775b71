/** Idle-CPU measurement shared by contenders: CPU time of both parties over a silent window. */
import { readFileSync } from 'node:fs';
import type { IdleSample } from './contender.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CPU seconds this process has used (all threads, so an in-process worker counts too). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * CPU seconds (utime+stime) of any process from /proc/<pid>/stat, for peers that cannot report themselves
 * (e.g. a C program). Resolution is one clock tick (10 ms), so prefer a peer's own report when it has one.
 */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Measure the silent pair over `ms`; `peerCpu` reads the peer's CPU seconds (0 for an in-process peer). */
export async function measureIdle(ms: number, peerCpu: () => Promise<number> | number): Promise<IdleSample> {
  const peer0 = await peerCpu();
  const self0 = selfCpuSeconds();
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const self1 = selfCpuSeconds();
  const t1 = process.hrtime.bigint();
  const peer1 = await peerCpu();
  return { seconds: Number(t1 - t0) / 1e9, harnessCpuSeconds: self1 - self0, peerCpuSeconds: peer1 - peer0 };
}
