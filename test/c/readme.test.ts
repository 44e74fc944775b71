/**
 * The README's C snippet (`<!-- c-snippet: echo-client -->` in "Native peers (C)") compiles as written against
 * c/rxshm.h (64-bit, 32-bit, sanitized, warnings as errors) and does what its comments say against a Node echo
 * server: prints `hello`, closes, exits 0, and the server's side ends cleanly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, buildFolder, hasCompiler, startC, startNode } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { root } from '../helpers/processes.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: the README C snippet');

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

test.run();
