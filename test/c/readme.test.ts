/**
 * The README's C snippets (`<!-- c-snippet: ... -->` in "Native peers (C)") compile as written against c/rxshm.h
 * (64-bit, 32-bit, sanitized, warnings as errors) and do what their comments say: echo-client against a Node echo
 * server prints `hello`, closes, exits 0, and the server's side ends cleanly; upper-child, the child of
 * spawnConnected, answers in upper case and exits 0 once the parent closes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, switchMap, take } from 'rxjs';
import { spawnConnected } from '../../src/index.js';
import { C_VARIANTS, SANITIZER_ENV, buildC, buildFolder, hasCompiler, startC, startNode } from '../helpers/c-build.js';
import type { Child } from '../helpers/processes.js';
import { channelName } from '../helpers/names.js';
import { root } from '../helpers/processes.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: the README C snippets');

/** The code of the ```c block after `<!-- c-snippet: <id> -->` in README.md. */
function cSnippet(id: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- c-snippet: ${id} -->\\n\`\`\`c\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(readme);
  if (!match) throw new Error(`README.md has no c-snippet ${id}`);
  return match[1]!;
}

for (const variant of C_VARIANTS) {
  test(`${variant}: echo-client says hello to a Node echo server and closes`, () =>
    watched(30_000, async (watch) => {
      if (!hasCompiler()) return console.log('  skipped: needs a C compiler (cc)');
      const source = join(buildFolder(), 'echo-client.c');
      writeFileSync(source, cSnippet('echo-client'));
      const program = buildC(source, variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const name = channelName();
      const node = startNode(watch, ['server', name, 'echo']);
      await node.next('listening');
      const c = startC(watch, program, [name]);
      const exit = await c.exited;
      assert.equal([exit.code, c.lines, c.stderr], [0, ['hello'], '']);
      assert.equal(await node.next('data'), { ev: 'data', length: 5 });
      const end = await node.next('end');
      assert.equal([end.clean, end.error], [true, undefined], JSON.stringify(end));
    }));
}

for (const variant of C_VARIANTS) {
  test(`${variant}: upper-child, started by spawnConnected, answers in upper case and exits 0 when the parent closes`, () =>
    watched(30_000, async (watch) => {
      if (!hasCompiler()) return console.log('  skipped: needs a C compiler (cc)');
      const source = join(buildFolder(), 'upper-child.c');
      writeFileSync(source, cSnippet('upper-child'));
      const program = buildC(source, variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      let child: Child | undefined;
      const options = { stdio: ['ignore', 'pipe', 'pipe'] as const, env: { ...process.env, ...SANITIZER_ENV } };
      const answer = spawnConnected(program, [], {
        ...options,
        stdio: [...options.stdio],
        onSpawn: (c) => (child = watch.child(c)),
      }).pipe(switchMap((worker) => (worker.next(new TextEncoder().encode('resize 7')), worker.pipe(take(1)))));
      assert.is(new TextDecoder().decode(await Promise.race([firstValueFrom(answer), watch.aborted])), 'RESIZE 7');
      const exit = await child!.exited; // the parent closed after take(1): the child reads RXSHM_CLOSED
      assert.equal([exit.code, exit.signal, child!.stderr], [0, null, '']);
    }));
}

test.run();
