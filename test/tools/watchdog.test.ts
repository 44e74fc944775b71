/**
 * The test kit's watchdog (test/helpers/watchdog.ts): a hang fails the test, tracked children are stopped, and
 * what a body registers after its watchdog fired is stopped and cleaned at once rather than never.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { underWatchdog } from '../helpers/watchdog.js';

/** A stand-in child: records its kill, exits when killed. */
function fakeChild() {
  let exit: () => void = () => undefined;
  const child = {
    killed: false,
    exited: new Promise<void>((resolve) => (exit = resolve)),
    kill() {
      child.killed = true;
      exit();
    },
  };
  return child;
}

test('a body that hangs fails with the watchdog error, its children killed and its cleanups run', async () => {
  const child = fakeChild();
  let cleaned = false;
  const failure = await underWatchdog(50, async (watchdog) => {
    watchdog.track(child);
    watchdog.defer(() => (cleaned = true));
    await new Promise(() => undefined);
  }).then(
    () => null,
    (error: Error) => error,
  );
  assert.match(String(failure), /did not finish within 50 ms/);
  assert.ok(child.killed);
  assert.ok(cleaned);
});

test('what a body registers after its watchdog fired is killed and cleaned at once', async () => {
  let resume: () => void = () => undefined;
  const late = fakeChild();
  let cleaned = false;
  const body = new Promise<void>((resolve) => (resume = resolve));
  await underWatchdog(30, async (watchdog) => {
    await body;
    watchdog.track(late);
    watchdog.defer(() => (cleaned = true));
  }).catch(() => undefined);
  resume();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(late.killed, 'a child tracked late is killed');
  assert.ok(cleaned, 'a cleanup deferred late runs');
});

test.run();
