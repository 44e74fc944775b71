/** examples/chat.ts runs by itself and exits 0: every surviving member hears every survivor's five lines, once. */
import { readdirSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watched } from '../helpers/watched.js';

const test = suite('examples/chat');

test('four members, one SIGKILLed mid-way: the three others hear all 15 survivor lines and leave; exit code 0', () =>
  watched(60_000, async (watch) => {
    const example = watch.child(['examples/chat.ts']);
    const { code } = await example.exited;
    const out = example.lines.join('\n');
    assert.is(code, 0, `exit code; stderr: ${example.stderr}\n${out}`);
    assert.match(out, /\[server\] killing member 3 \(pid \d+, slot \d\) with SIGKILL/);
    assert.match(out, /\[server\] member 3 is gone \(SIGKILL\)/);
    const heard = example.lines.filter((line) => line.startsWith('[member '));
    assert.is(heard.length, 3, out);
    for (const line of heard)
      assert.match(line, /heard 5 from member 0, 5 from member 1, 5 from member 2, [12] from member 3$/, line);
    assert.match(example.lines.at(-1)!, '[server] all members exited');
    assert.equal(
      readdirSync('/dev/shm').filter((f) => f.includes(`chat-${example.pid}`)),
      [],
      'nothing in /dev/shm',
    );
  }));

test.run();
