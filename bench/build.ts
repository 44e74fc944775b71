/**
 * `npm run bench`'s first step: compile the library (tsconfig.build.json) into the build the bench imports
 * (lib/library.ts): `dist/`, or `RXSHM_BENCH_DIST` when set, so an experiment can measure its own build without
 * touching the shared `dist/`.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const outDir = process.env['RXSHM_BENCH_DIST'] ?? 'dist';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
  cwd: ROOT,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
