/**
 * scripts/check-cycles.mjs, which `npm test` runs over src/: it must fail on a cycle (type-only imports included)
 * and pass an acyclic tree, or the check proves nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = fileURLToPath(new URL('../../scripts/check-cycles.mjs', import.meta.url));

/** Runs the checker over a throwaway tree of `files` (path -> text). */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rxshm-cycles-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an acyclic tree passes', () => {
  const run = check({
    'a.ts': "import { b } from './lib/b.js';\nexport const a = b;\n",
    'lib/b.ts': "export { c as b } from './c.js';\n",
    'lib/c.ts': 'export const c = 1;\n',
  });
  assert.is(run.status, 0, run.output);
  assert.match(run.output, /3 modules .* no import cycle/);
});

test('a cycle through a type-only, multi-line import fails and names every module on it', () => {
  const run = check({
    'a.ts': "import { b } from './lib/b.js';\nexport const a = b;\nexport interface A { x: number }\n",
    'lib/b.ts': "import type {\n  A,\n} from '../a.js';\nexport const b = 1;\nexport type B = A;\n",
  });
  assert.is(run.status, 1, run.output);
  assert.match(run.output, /import cycle: (a\.ts -> lib\/b\.ts -> a\.ts|lib\/b\.ts -> a\.ts -> lib\/b\.ts)/);
});

test('a dynamic import closes a cycle too', () => {
  const run = check({
    'a.ts': "export const load = () => import('./b.js');\n",
    'b.ts': "export { load } from './a.js';\n",
  });
  assert.is(run.status, 1, run.output);
});

test('src/ has no import cycle', () => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stdout + run.stderr);
});

test.run();
