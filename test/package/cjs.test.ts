/**
 * CommonJS users: `require('rxshm')` loads the built ESM package through Node's require(esm) (Node >= 20.19), which
 * works only while rxshm's module graph has no top-level await. Plain `node` runs test/fixtures/package-require.cjs,
 * which requires the package by its own name (package.json's exports, resolved to dist/) and uses it for real.
 * `npm test` builds dist/ first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const cjs = suite('package (CommonJS)');

const FIXTURE = 'test/fixtures/package-require.cjs';

function runFixture(...args: string[]) {
  return spawnSync(process.execPath, [FIXTURE, ...args], { encoding: 'utf8', timeout: 20_000 });
}

cjs('package.json exports have require and default conditions on the built ESM entry', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const root = pkg.exports['.'];
  assert.is(root.require, './dist/index.js');
  assert.is(root.default, './dist/index.js');
  assert.is(Object.keys(root)[0], 'types', 'types must come first: TypeScript takes the first condition that matches');
  assert.is(Object.keys(root).at(-1), 'default', 'default must come last');
  assert.ok(existsSync('dist/index.js'), 'run `npm run build` first (npm test does)');
});

cjs('require("rxshm") from a .cjs file: exports, codecs, a message through a real channel, import() agrees', () => {
  if (process.platform !== 'linux') return;
  const run = runFixture();
  assert.is(run.status, 0, `exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
  assert.is(run.stdout.trim(), 'ok linux');
  // No ExperimentalWarning or other noise: require(esm) is unflagged and silent on Node >= 20.19.
  assert.is(run.stderr, '');
});

cjs(
  'on an OS without a backend, require works, koffi stays unloaded, and first use throws UnsupportedPlatformError',
  () => {
    const run = runFixture('sunos');
    assert.is(run.status, 0, `exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
    assert.is(run.stdout.trim(), 'ok sunos');
    assert.is(run.stderr, '');
  },
);

cjs('npm scripts: pack and start build dist/ first, typecheck builds before resolving the examples\' "rxshm"', () => {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.match(scripts.prepack, /npm run build/);
  assert.match(scripts.prestart, /npm run build/);
  assert.match(scripts.typecheck, /^npm run build && tsc /);
});

cjs.run();
