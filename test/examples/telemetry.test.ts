/** examples/telemetry.ts runs by itself, exits 0, and its summary says every sample arrived in order. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watched } from '../helpers/watched.js';

const test = suite('examples/telemetry');

test('runs to the end with exit code 0; 200 samples, in order, none missing', () =>
  watched(30_000, async (watch) => {
    const example = watch.child(['examples/telemetry.ts']);
    const { code } = await example.exited;
    assert.is(code, 0, `exit code; stderr: ${example.stderr}`);
    assert.ok(
      example.lines.some((line) => /^\[Monitor\] window: \d+ samples, seq \d+\.\.\d+/.test(line)),
      example.lines.join('\n'),
    );
    assert.match(example.lines.at(-1)!, /^\[Monitor\] 200 samples from .+ in \d+ windows, in order, none missing\.$/);
  }));

test.run();
