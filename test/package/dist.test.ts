/**
 * The built package must import and run under plain `node` (no tsx): io-ts/fp-ts subpaths that tsx resolves can
 * fail there. `npm test` builds dist/ first; this test runs a child with plain node over dist/index.js.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const dist = suite('dist');

dist('package.json exports point at the built files, with types', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.is(pkg.type, 'module');
  assert.is(pkg.exports['.'].import, './dist/index.js');
  assert.is(pkg.exports['.'].types, './dist/index.d.ts');
  assert.is(pkg.exports['.'].require, './dist/index.js', 'CommonJS: see cjs.test.ts');
  assert.ok(existsSync('dist/index.js'), 'run `npm run build` first (npm test does)');
  assert.ok(existsSync('dist/index.d.ts'));
});

dist('plain node imports dist/ and exchanges a message and a request through a real channel', () => {
  const script = `
    import { listen, connect, serve, json, decode } from 'rxshm';
    import { mergeMap, of, take } from 'rxjs';
    import * as t from 'io-ts';
    const name = 'dist-' + process.pid;
    const Msg = json(t.type({ hello: t.string }));
    const server = listen(name).pipe(mergeMap((c) => serve(c, { 1: (b) => of(b) }))).subscribe();
    connect(name).subscribe((c) => {
      c.request(Msg.encode({ hello: 'dist' }), { method: 1, timeout: 5000 }).pipe(decode(Msg), take(1)).subscribe({
        next: (v) => console.log('echo:' + v.hello),
        error: (e) => { console.error(e); process.exitCode = 1; },
        complete: () => { c.complete(); server.unsubscribe(); setImmediate(() => process.exit()); },
      });
    });
  `;
  // Resolve 'rxshm' through the package's own exports map (self-reference), exactly as a user's import would.
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(run.status, 0, `exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
  assert.match(run.stdout, /echo:dist/);
});

dist('plain node imports the native-resource exports from dist/, gets a wake-up and exits by itself', () => {
  const script = `
    import { segment, wakeups, wake, SegmentArgumentError, SegmentClosedError, CreateSegmentError, OpenSegmentError } from 'rxshm';
    import { switchMap, take } from 'rxjs';
    for (const f of [segment, wakeups, wake, SegmentArgumentError, SegmentClosedError, CreateSegmentError, OpenSegmentError])
      if (typeof f !== 'function') throw new Error('missing export');
    segment('dist-wake-' + process.pid, { size: 4096 })
      .pipe(switchMap((shm) => (setTimeout(() => wake(shm, 4), 5), wakeups(shm, 4))), take(1))
      .subscribe((value) => console.log('woken:' + value));
  `;
  // No process.exit: the process must end by itself once take(1) unsubscribed (no pending futex wait).
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(run.status, 0, `exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
  assert.match(run.stdout, /woken:1/);
});

dist.run();
