/**
 * examples/native-events.ts runs by itself and exits 0: a C producer (compiled by the example with cc) writes 10
 * frames and futex-wakes the Node consumer, which checks each one; nothing is left in /dev/shm.
 */
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watched } from '../helpers/watched.js';

const test = suite('examples/native-events');

test('10 frames from the C producer, each checksum ok, both sides exit 0, nothing left', () =>
  watched(60_000, async (watch) => {
    const example = watch.child(['examples/native-events.ts']);
    const { code } = await example.exited;
    const out = example.lines.join('\n');
    assert.is(code, 0, `exit code; stderr: ${example.stderr}\n${out}`);
    if (example.lines[0]?.includes('skipped')) return console.log(`  ${example.lines[0]}`);
    const frames = example.lines.filter((line) => line.startsWith('[node] frame '));
    assert.equal(
      frames.map((line) => /^\[node\] frame (\d+): 1000 samples, mean -?\d\.\d{4}, checksum ok$/.exec(line)?.[1]),
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
      out,
    );
    assert.ok(example.lines.includes('[c] wrote 10 frames'), out);
    assert.ok(example.lines.includes('[node] the C producer exited with code 0'), out);
    assert.not.ok(existsSync(`/dev/shm/native-events-${example.pid}`), 'nothing in /dev/shm');
  }));

test.run();
