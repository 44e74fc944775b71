/**
 * The README is a contract too: every ```ts snippet in README.md runs, as written, as a real process (see
 * runner.ts), and every client snippet exits by itself. Blocks are found by their `<!-- snippet: <id> -->` markers,
 * specs in snippets.ts. Snippets import 'rxshm', which resolves to dist/: `npm test` builds it first; by hand, run
 * `npm run build`. One snippet at a time, machine-wide (README channel names are fixed). `README_SNIPPETS=a,b`
 * runs only those ids.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { markerProblems, tsBlocks } from './readme-blocks.js';
import { withLock } from './processes.js';
import { runSnippet, type Context } from './runner.js';
import { snippets } from './snippets.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const runs = join(here, '.run');
const blocks = tsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const only = process.env['README_SNIPPETS']?.split(',').filter(Boolean);

const test = suite('README snippets');

let ctx: Context;

test.before(async () => {
  const dist = join(root, 'dist/index.js');
  if (!existsSync(dist))
    throw new Error('dist/ is missing and README snippets import rxshm from it: run `npm run build` (npm test does)');
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  if (newest(join(root, 'src')) > statSync(dist).mtimeMs)
    console.warn('README snippets: dist/ is older than src/; run `npm run build` to test the current sources');
  // Directories of earlier runs whose process is gone.
  for (const pid of existsSync(runs) ? readdirSync(runs) : []) {
    if (!/^\d+$/.test(pid) || !alive(Number(pid))) rmSync(join(runs, pid), { recursive: true, force: true });
  }
  ctx = {
    blocks: new Map(blocks.filter((b) => b.id !== null).map((b) => [b.id!, b.code])),
    specs: snippets,
    exports: { rxshm: Object.keys(await import('rxshm')), rxjs: Object.keys(await import('rxjs')) },
    dir: join(runs, String(process.pid)),
    fixtures: here,
  };
});

test.after(() => rmSync(join(runs, String(process.pid)), { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

test('every ts block has a snippet marker; ids are kebab-case and unique', () => {
  assert.ok(blocks.length > 0, 'README.md has ts blocks');
  const problems = markerProblems(blocks);
  if (problems.length) assert.unreachable(problems.join('\n'));
});

test('every marked block has a spec, every spec a block', () => {
  const ids = blocks.map((b) => b.id).filter((id): id is string => id !== null);
  const problems = [
    ...ids.filter((id) => !(id in snippets)).map((id) => `snippet '${id}' has no spec in test/readme/snippets.ts`),
    ...Object.keys(snippets)
      .filter((id) => !ids.includes(id))
      .map((id) => `spec '${id}' has no block in README.md`),
  ];
  if (problems.length) assert.unreachable(problems.join('\n'));
});

const seen = new Set<string>();
for (const block of blocks) {
  if (block.id === null || seen.has(block.id) || !(block.id in snippets) || (only && !only.includes(block.id)))
    continue;
  seen.add(block.id);
  const id = block.id;
  test(`${id} (README.md:${block.line})`, async () => {
    const problems = await withLock(() => runSnippet(ctx, id));
    if (problems.length) assert.unreachable(problems.join('\n'));
  });
}

test.run();
