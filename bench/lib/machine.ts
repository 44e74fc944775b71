/** The machine a run happened on, recorded beside the numbers. */
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { Machine } from './results.js';

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    platform: platform(),
    arch: arch(),
    release: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    // Other processes skew results; the 1-minute load average at start tells a reader whether the box was quiet.
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}
