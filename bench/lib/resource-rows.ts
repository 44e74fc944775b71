/**
 * Harness side of the resource figures (issue 12): one measured repetition runs inside a window on both sides (the
 * peer's opened first and closed last, so it spans the harness's), and a row's windows fold into medians.
 */
import type { ResourcePeer } from './contender.js';
import { ResourceWindow, type SideResources } from './resources.js';
import type { RowResources } from './results.js';
import { median } from './stats.js';

/** A repetition's result with both sides' figures (`peer` undefined when the session has no reporting peer). */
export interface Windowed<T> {
  readonly value: T;
  readonly harness: SideResources;
  readonly peer: SideResources | undefined;
}

/** Runs `run` inside a window on this process and on `peer`. */
export async function inWindow<T>(peer: ResourcePeer | undefined, run: () => Promise<T>): Promise<Windowed<T>> {
  await peer?.openWindow();
  const own = new ResourceWindow();
  let value: T;
  try {
    value = await run();
  } catch (e) {
    own.discard();
    throw e;
  }
  const [harness, peerSide] = await Promise.all([own.close(), peer?.closeWindow()]);
  return { value, harness, peer: peerSide };
}

/** Medians of each figure over a row's repetitions; the peer's only when every repetition has them. */
export function rowResources(windows: readonly Windowed<unknown>[]): RowResources {
  const peers = windows.flatMap((w) => (w.peer ? [w.peer] : []));
  const complete = peers.length === windows.length && peers.length > 0;
  const sides = [...windows.map((w) => w.harness), ...peers];
  return {
    harnessPeakRssBytes: median(windows.map((w) => w.harness.peakRssBytes)),
    harnessGcPercent: median(windows.map((w) => w.harness.gcPercent)),
    peerPeakRssBytes: complete ? median(peers.map((p) => p.peakRssBytes)) : null,
    peerGcPercent: complete ? median(peers.map((p) => p.gcPercent)) : null,
    peakRssScope: sides.every((s) => s.peakRssScope === 'window') ? 'window' : 'lifetime',
  };
}
