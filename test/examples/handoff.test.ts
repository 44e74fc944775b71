/**
 * The demo (`npm start` runs `node --import tsx examples/handoff.ts`): its exit code and its output line by line,
 * each role's lines compared as a subsequence (the source and the target interleave); then source and target
 * started by hand with a shared prefix.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { watched } from '../helpers/watched.js';

const test = suite('examples/handoff');

const SOURCE = [
  '[Source] Waiting for target to be ready...',
  '[Source] Target ready. Starting commands...',
  '[Source] Target responded: Processed: Message #0',
  '[Source] Target responded: Processed: Message #1',
  '[Source] Target responded: Processed: Message #2',
  '[Source] Polling target for liveness...',
  '[Source] Target is alive.',
];
const TARGET = [
  '[Target] Ready and waiting for commands...',
  '[Target] Responded to Data command: Processed: Message #0',
  '[Target] Responded to Data command: Processed: Message #1',
  '[Target] Responded to Data command: Processed: Message #2',
  '[Target] Responded to Liveness Check.',
];
const role = (lines: string[], prefix: string): string[] => lines.filter((line) => line.startsWith(prefix));

test('npm start: exit code 0; parent, source and target lines in order', () =>
  watched(60_000, async (watch) => {
    const demo = watch.child(['examples/handoff.ts']);
    const { code } = await demo.exited;
    const lines = demo.lines;
    assert.is(code, 0, `exit code; stderr: ${demo.stderr}`);
    assert.is(demo.stderr.trim(), '');
    assert.match(lines[0]!, /^\[Parent\] Both processes launched with prefix: HandoffBuffer\S+$/);
    assert.is(lines.at(-1), '[Parent] Both children exited. Done.');
    assert.equal(role(lines, '[Parent]').length, 2);
    assert.equal(role(lines, '[Source]'), SOURCE);
    assert.equal(role(lines, '[Target]'), TARGET);
    assert.is(lines.length, 2 + SOURCE.length + TARGET.length, 'no other line');
    const prefix = lines[0]!.split('prefix: ')[1]!;
    assert.equal(
      readdirSync('/dev/shm').filter((f) => f.includes(prefix)),
      [],
      'no segment left',
    );
  }));

test('source and target started by hand with a prefix: both exit 0', () =>
  watched(60_000, async (watch) => {
    const prefix = `HandoffBufferTest${process.pid}`;
    const source = watch.child(['examples/handoff.ts', 'source', prefix]);
    const target = watch.child(['examples/handoff.ts', 'target', prefix]);
    const [s, t] = await Promise.all([source.exited, target.exited]);
    assert.is(s.code, 0, `source exit code; stderr: ${source.stderr}`);
    assert.is(t.code, 0, `target exit code; stderr: ${target.stderr}`);
    assert.equal(source.lines, SOURCE);
    assert.equal(target.lines, TARGET);
    assert.equal(
      readdirSync('/dev/shm').filter((f) => f.includes(prefix)),
      [],
      'no segment left',
    );
  }));

test.run();
