/**
 * A resource window measures this process over the window only: the peak RSS of a window that touched 96 MiB, and
 * not of a later one that did not (Linux, where the high-water mark can be reset); GC pauses inside the window.
 */
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResourceWindow } from '../../bench/lib/resources.js';

const MIB = 1 << 20;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('peak RSS covers the window: a later window without the allocation reports less', async (): Promise<void> => {
  const big = new ResourceWindow();
  let block: Buffer | undefined = Buffer.alloc(96 * MIB, 1); // alloc fills it: every page is touched
  const during = await big.close();
  block = undefined;
  void block;
  gc();
  // V8 may free the block's memory on a background thread after gc() returns: the quiet window starts once it is
  // back (or after 3 s), so it measures a window without the allocation, not the end of its release.
  for (let i = 0; i < 60 && process.memoryUsage.rss() > during.peakRssBytes - 64 * MIB; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
  }
  const quiet = new ResourceWindow();
  const after = await quiet.close();
  if (!existsSync('/proc/self/clear_refs')) {
    assert.is(after.peakRssScope, 'lifetime');
    return;
  }
  assert.is(during.peakRssScope, 'window');
  assert.is(after.peakRssScope, 'window');
  assert.ok(during.peakRssBytes >= 96 * MIB, `peak ${during.peakRssBytes}`);
  assert.ok(
    during.peakRssBytes - after.peakRssBytes >= 64 * MIB,
    `the second window still shows the first one's peak: ${during.peakRssBytes} then ${after.peakRssBytes}`,
  );
});

test('GC share counts collections inside the window, none from before it', async () => {
  for (let i = 0; i < 5; i++) gc(); // before any window: must not count
  const idle = new ResourceWindow();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const none = await idle.close();
  assert.is(none.gcPercent, 0);

  const busy = new ResourceWindow();
  for (let i = 0; i < 5; i++) gc();
  const some = await busy.close();
  assert.ok(some.gcPercent > 0 && some.gcPercent <= 100, `gcPercent=${some.gcPercent}`);
});

test.run();
