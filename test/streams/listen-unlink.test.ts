/**
 * listen's teardown removes the channel's name; teardown cannot throw, so a removal that fails for any reason but
 * "already gone" is reported as a process warning (RXSHM_UNLINK_FAILED) instead of leaving the name silently.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from '../../src/index.js';
import { UnlinkSegmentError } from '../../src/native/errors.js';
import { createFakeNative } from '../../src/native/fake.js';
import type { NativeApi } from '../../src/native/contract.js';
import { channelName } from '../helpers/names.js';
import { sleep } from '../helpers/waiting.js';

/** A fake backend whose unlink fails with `code` (and removes nothing). */
function unlinkFailing(code: 'PermissionDenied' | 'NotFound'): NativeApi {
  const fake = createFakeNative();
  const segments = Object.create(fake.segments) as NativeApi['segments'];
  segments.unlink = (name: string) => {
    throw new UnlinkSegmentError(code, { segment: name });
  };
  return { ...fake, segments };
}

/** The warnings emitted while `listen` on `native` starts and is unsubscribed. */
async function warningsOfTeardown(native: NativeApi): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const subscription = listen(channelName(), { native }).subscribe({ error: (e) => warnings.push(e) });
    await sleep(20);
    subscription.unsubscribe();
    await sleep(20); // warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

test('a name that cannot be removed at teardown is reported as a warning naming the channel and the cause', async () => {
  const warnings = await warningsOfTeardown(unlinkFailing('PermissionDenied'));
  assert.is(warnings.length, 1, String(warnings));
  assert.is((warnings[0] as Error & { code?: string }).code, 'RXSHM_UNLINK_FAILED');
  assert.match(warnings[0]!.message, /could not remove its segment: .*PermissionDenied|permission/i);
});

test('a name already gone at teardown (unlinked by hand) is not a warning', async () => {
  assert.equal(await warningsOfTeardown(unlinkFailing('NotFound')), []);
});

test.run();
