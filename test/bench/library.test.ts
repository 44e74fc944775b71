/**
 * The bench measures the compiled library (bench/lib/library.ts), not src/ through tsx: tsx adds a `__name` call to
 * every closure it compiles, which the build does not have. Needs a build (`npm test` builds first).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importBuilt, rxshm } from '../../bench/lib/library.js';
import * as source from '../../src/index.js';

test('the bench gets the build, which tsx did not rewrite (src through tsx did)', () => {
  // The control: this test runs under tsx, so the same function imported from src carries __name calls.
  assert.match(source.struct.toString(), /__name\(/);
  assert.not.match(rxshm.struct.toString(), /__name\(/);
  assert.is.not(rxshm.struct, source.struct);
});

test('a module missing from the build fails with what to run', async () => {
  try {
    await importBuilt('no-such-module.js');
    assert.unreachable('imported a module that does not exist');
  } catch (e) {
    assert.instance(e, Error);
    assert.match((e as Error).message, /no-such-module\.js is missing: run `npm run build`/);
  }
});

test.run();
