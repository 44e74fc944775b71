/**
 * examples/c-peer: the C sensor server (server.c over c/rxshm.h), built with the README's command into a temporary
 * folder, and the Node client (client.ts) run as the README says; both print what they did and exit 0 by themselves.
 * Skipped without a C compiler.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCompiler } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { root } from '../helpers/processes.js';
import { until } from '../helpers/waiting.js';
import { watched } from '../helpers/watched.js';

const test = suite('examples/c-peer');

test('the C server answers the Node client: stats, a stream of readings, an unknown method; both exit 0', () =>
  watched(60_000, async (watch) => {
    if (!hasCompiler()) return console.log('  skipped: needs a C compiler (cc)');
    const dir = mkdtempSync(join(tmpdir(), 'rxshm-example-c-'));
    watch.defer(() => rmSync(dir, { recursive: true, force: true }));
    const program = join(dir, 'rxshm-sensor');
    execFileSync('cc', ['-std=c99', '-O2', '-I', 'c', '-o', program, 'examples/c-peer/server.c'], { cwd: root });
    const name = channelName();
    const server = watch.child(spawn(program, [name], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await until(() => server.lines.includes(`[C] serving '${name}'`), 'the C server listens', 10_000);
    const client = watch.child(['examples/c-peer/client.ts', name]);
    const [clientExit, serverExit] = await Promise.all([client.exited, server.exited]);
    assert.is(clientExit.code, 0, `client exit; stderr: ${client.stderr}`);
    assert.is(serverExit.code, 0, `server exit; stderr: ${server.stderr}`);
    assert.equal(client.lines, [
      `[Node] connected to the C server (pid ${server.pid}) as client 0`,
      '[Node] stats: count=4 sum=16 min=1.5 max=8',
      '[Node] reading 0: 20',
      '[Node] reading 1: 20.5',
      '[Node] reading 2: 21',
      '[Node] method 9: Request 3 (method 9) failed with status 1: no such method',
      '[Node] done',
    ]);
    assert.equal(server.lines, [
      `[C] serving '${name}'`,
      `[C] client 0 joined (pid ${client.pid})`,
      '[C] request 1 for method 1',
      '[C] request 2 for method 2',
      '[C] request 3 for method 9',
      '[C] client left: closed',
    ]);
  }));

test.run();
