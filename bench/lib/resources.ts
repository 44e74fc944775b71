/**
 * Resource figures of one measured window, taken by a process of itself (the harness and every Node peer each run
 * one): the peak resident set size and the share of wall time spent in garbage collection (issue 12).
 *
 * Peak RSS: on Linux a window starts by resetting the process's RSS high-water mark (`5` into
 * /proc/self/clear_refs) and ends by reading it (VmHWM in /proc/self/status). process.resourceUsage().maxRSS is
 * the same counter but cannot serve here: it never goes down between windows, and it also keeps the high-water mark
 * of the image a process was exec'd from, so a peer spawned by a 300 MB harness reports >= 300 MB of its own.
 * Where the reset is refused (another OS, a locked-down /proc) the figure is maxRSS, marked as 'lifetime'.
 *
 * GC: a PerformanceObserver of 'gc' entries is connected for the window and the durations of entries that started
 * inside it are summed. Entries reach observers some event-loop turns after the collection, so closing waits for
 * them (a 0 ms timer, then an immediate, twice) before it sums; the window's end is taken before that wait.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** One side's figures over one window. */
export interface SideResources {
  /** Peak resident set size during the window, bytes. */
  readonly peakRssBytes: number;
  /** GC pause time as a share of the window's wall time, percent. */
  readonly gcPercent: number;
  /** 'window': the high-water mark was reset when the window opened; 'lifetime': maxRSS since the process started. */
  readonly peakRssScope: 'window' | 'lifetime';
}

/** Resets the RSS high-water mark; false when this system does not let the process do it. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM in bytes, or undefined without /proc. */
function highWaterMarkBytes(): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** A timer turn then an immediate: past the immediate that queues a GC entry and the one that dispatches it. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));

/**
 * One process's window, open from construction until `close()`. Windows of one process should not overlap: the
 * high-water mark is per process, so a second window's start resets the first one's peak.
 *
 * @example
 * const window = new ResourceWindow();
 * await work();
 * const { peakRssBytes, gcPercent } = await window.close();
 */
export class ResourceWindow {
  private readonly observer: PerformanceObserver;
  private readonly start: number;
  private end = Infinity;
  private gcMs = 0;
  private readonly scope: SideResources['peakRssScope'];

  constructor() {
    this.scope = resetPeakRss() && highWaterMarkBytes() !== undefined ? 'window' : 'lifetime';
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (entry.startTime >= this.start && entry.startTime < this.end) this.gcMs += entry.duration;
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.start = performance.now();
  }

  /** Ends the window now; resolves once the GC entries of the window have arrived. */
  async close(): Promise<SideResources> {
    this.end = performance.now();
    const peakRssBytes =
      (this.scope === 'window' ? highWaterMarkBytes() : undefined) ?? process.resourceUsage().maxRSS * 1024;
    // Twice: a collection that ended just before `end` may still be one turn behind on a busy loop.
    await settle();
    await settle();
    this.observer.disconnect();
    const wallMs = this.end - this.start;
    return { peakRssBytes, gcPercent: wallMs > 0 ? (this.gcMs / wallMs) * 100 : 0, peakRssScope: this.scope };
  }

  /** Ends the window without figures (the measured work failed). */
  discard(): void {
    this.observer.disconnect();
  }
}
