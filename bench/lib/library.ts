/**
 * The rxshm the bench measures: the compiled library (`dist/`, which `npm run bench` builds first), not `src/`
 * through tsx. tsx compiles every closure with a `__name(...)` call (esbuild's keepNames), which cost rxshm 17-21 %
 * of its CPU in the request/response profile (profile-notes.md) and is not what users run; tsx leaves `.js` files
 * alone. Types come from `src/` (the same API, so typechecking needs no build), values from the build.
 *
 * `RXSHM_BENCH_DIST` (absolute, or relative to the repository root) points the bench at another build, e.g.
 * `.scratch/bench/dist`; peers inherit the variable, so both sides of a pair run the same build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Api from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The build the bench imports. */
export const DIST_DIR = resolve(ROOT, process.env['RXSHM_BENCH_DIST'] ?? 'dist');

/**
 * Imports `module` (a path inside the build, e.g. `native/index.js`); fails with what to do when it is missing.
 * @example
 * const { native } = await importBuilt<typeof import('../src/native/index.js')>('native/index.js');
 */
export async function importBuilt<T>(module: string): Promise<T> {
  const file = join(DIST_DIR, module);
  if (!existsSync(file))
    throw new Error(`bench: ${file} is missing: run \`npm run build\` (\`npm run bench\` builds first)`);
  return (await import(pathToFileURL(file).href)) as T;
}

/** The public API, as users import it from the package. */
export const rxshm: typeof Api = await importBuilt<typeof Api>('index.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** A note when a file in `src/` is newer than the build (a direct run of bench/index.ts without a build). */
export function staleBuildNote(): string | undefined {
  const built = statSync(join(DIST_DIR, 'index.js')).mtimeMs;
  return newestMtimeMs(join(ROOT, 'src')) > built
    ? `rxshm build ${DIST_DIR} is older than src/: the figures are of that build (\`npm run bench\` builds first).`
    : undefined;
}
