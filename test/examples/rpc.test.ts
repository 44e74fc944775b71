/** examples/rpc.ts runs by itself, exits 0, prints the results and the division-by-zero error. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watched } from '../helpers/watched.js';

const test = suite('examples/rpc');

test('runs to the end with exit code 0 and prints results and the StatusError', () =>
  watched(30_000, async (watch) => {
    const example = watch.child(['examples/rpc.ts']);
    const { code } = await example.exited;
    assert.is(code, 0, `exit code; stderr: ${example.stderr}`);
    assert.ok(example.lines.includes('[Client] 6 * 7 = 42'), example.lines.join('\n'));
    assert.ok(
      example.lines.includes('[Client] 1 / 0 failed with status 256: division by zero: 1 / 0'),
      example.lines.join('\n'),
    );
    assert.is(example.lines.at(-1), '[Client] 6 calls answered. Done.');
  }));

test.run();
