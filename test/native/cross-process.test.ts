/**
 * Real two-process tests of the Linux backend: shared atomics, memfd inheritance, process liveness, futex wake-up.
 * Every child runs under a watchdog and is SIGKILLed in `finally`; every name is unlinked in `finally`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../src/native/index.js';
import { startFixture, withWatchdog } from '../helpers/process-run.js';
import { nativeName } from '../helpers/names.js';
import { until, within } from '../helpers/waiting.js';

const test = suite('native cross-process (linux)');
const COUNT = 100_000;

test('a child and the parent each Atomics.add 100000 times: the total is exact', async () => {
  const name = nativeName('adder');
  const seg = native.segments.create(name, 64);
  const child = startFixture('native-adder.ts', [name, String(COUNT)]);
  try {
    const words = new Int32Array(seg.buffer);
    await until(() => Atomics.load(words, 1) === 1, 'child ready', 10_000);
    Atomics.store(words, 2, 1);
    for (let i = 0; i < COUNT; i++) Atomics.add(words, 0, 1);
    const { code } = await child.done;
    assert.is(code, 0);
    assert.is(Atomics.load(words, 0), 2 * COUNT);
  } finally {
    child.kill();
    seg.close();
    native.segments.unlink(name);
  }
});

test('an anonymous memfd segment is inherited by a child at fd 3', async () => {
  const seg = native.segments.createAnonymous(4096);
  const child = startFixture('native-inherit.ts', [], { stdio: ['ignore', 'pipe', 'inherit', seg.fd] });
  try {
    Atomics.store(new Int32Array(seg.buffer), 0, 0x1234);
    const { code, stdout } = await child.done;
    assert.is(code, 0, 'child saw the marker');
    assert.is(stdout.trim(), 'size=4096');
    assert.is(Atomics.load(new Int32Array(seg.buffer), 1), 0x5678, 'the child wrote into our memory');
  } finally {
    child.kill();
    seg.close();
  }
});

test('process state: a child is running, then exited after a normal exit', async () => {
  const child = withWatchdog(
    spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)'], { stdio: 'ignore' }),
    10_000,
    'short child',
  );
  try {
    assert.is(native.processes.state(child.process.pid!), 'running');
    await child.done;
    assert.is(native.processes.state(child.process.pid!), 'exited');
  } finally {
    child.kill();
  }
});

test('process state: exited right after SIGKILL, before Node reaps it (zombie window)', async () => {
  const child = withWatchdog(
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
    10_000,
    'killed child',
  );
  try {
    const pid = child.process.pid!;
    assert.is(native.processes.state(pid), 'running');
    process.kill(pid, 'SIGKILL');
    // Without awaiting the exit event: the kernel may still hold a zombie; it must read as exited all the same.
    await until(() => native.processes.state(pid) === 'exited', 'killed child reads exited', 5_000);
    await child.done;
  } finally {
    child.kill();
  }
});

test('process state: a real zombie (dead, never reaped) reads exited', async () => {
  // perl forks a sleeper and does not reap it until its stdin closes: killing the sleeper leaves a real zombie,
  // which perl then reaps (kill + waitpid) in `finally`, so nothing is left behind.
  const script =
    '$|=1; my $p = fork(); if ($p == 0) { sleep 30; exit 0 } print "$p\\n"; <STDIN>; kill 9, $p; waitpid($p, 0);';
  const parent = withWatchdog(
    spawn('perl', ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
    10_000,
    'zombie parent',
  );
  try {
    let line = '';
    parent.process.stdout!.on('data', (chunk: Buffer) => (line += chunk.toString()));
    await until(() => line.includes('\n'), 'sleeper pid printed', 5_000);
    const pid = Number(line.trim());
    assert.is(native.processes.state(pid), 'running');
    process.kill(pid, 'SIGKILL');
    const stat = (): string => readFileSync(`/proc/${pid}/stat`, 'latin1');
    await until(() => stat().includes(') Z '), 'sleeper became a zombie', 5_000);
    process.kill(pid, 0); // the pid still exists: only the zombie check can tell
    assert.is(native.processes.state(pid), 'exited');
  } finally {
    parent.process.stdin!.end();
    await parent.done.catch(() => parent.kill());
  }
});

test('futex: a child waits, the parent wakes it', async () => {
  const name = nativeName('futex');
  const seg = native.segments.create(name, 64);
  const child = startFixture('native-futex-waiter.ts', [name]);
  try {
    const words = new Int32Array(seg.buffer);
    await until(() => Atomics.load(words, 1) === 1, 'child about to wait', 10_000);
    // The word stays 0, so every wait the child starts sleeps; wake until one was really in the kernel.
    let woken = 0;
    await within(
      (async () => {
        while (woken === 0) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          woken = native.futex!.wake(seg, 0, 1);
        }
      })(),
      10_000,
      'a wake reaching the child',
    );
    const { code, stdout } = await child.done;
    assert.is(code, 0);
    assert.is(stdout.trim(), 'woken');
  } finally {
    child.kill();
    seg.close();
    native.segments.unlink(name);
  }
});

test('futex: not-equal when the parent changed the word first', async () => {
  const name = nativeName('futex-ne');
  const seg = native.segments.create(name, 64);
  Atomics.store(new Int32Array(seg.buffer), 0, 1);
  const child = startFixture('native-futex-waiter.ts', [name]);
  try {
    const { code, stdout } = await child.done;
    assert.is(code, 0);
    assert.is(stdout.trim(), 'not-equal');
  } finally {
    child.kill();
    seg.close();
    native.segments.unlink(name);
  }
});

if (process.platform === 'linux') test.run();
