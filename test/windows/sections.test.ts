/**
 * The Windows backend across two real processes (run by `npm run test:windows` under Wine; skipped elsewhere):
 * shared atomics through a named section, exactly one creator per name, owners as this user's uid in both
 * processes, liveness of a killed child, a section gone once its last holder was killed (TerminateProcess: nothing
 * left behind after a crash), the size record at a section's end treated as untrusted, and the `Global\` namespace.
 * Every child runs under a watchdog and is killed in `finally`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createWin32Native, native, SegmentError } from '../../src/native/index.js';
import { viewOf } from '../../src/native/win32/kernel32.js';
import { recordedSize, sectionBytesFor, SIZE_RECORD_BYTES } from '../../src/native/win32/section-size.js';
import { startFixture } from '../helpers/process-run.js';
import { nativeName } from '../helpers/names.js';
import { until } from '../helpers/waiting.js';

const test = suite('win32 sections (two processes)');
const COUNT = 100_000;

/** The code of the SegmentError `fn` throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.instance(error, SegmentError);
    return (error as SegmentError).code;
  }
  return 'no error';
}

test('a child and the parent each Atomics.add 100000 times on one named section: the total is exact', async () => {
  const name = nativeName('adder');
  const seg = native.segments.create(name, 64);
  const child = startFixture('native-adder.ts', [name, String(COUNT)], { ms: 60_000 });
  try {
    const words = new Int32Array(seg.buffer);
    await until(() => Atomics.load(words, 1) === 1, 'child ready', 30_000);
    Atomics.store(words, 2, 1);
    for (let i = 0; i < COUNT; i++) Atomics.add(words, 0, 1);
    const { code } = await child.done;
    assert.is(code, 0);
    assert.is(Atomics.load(words, 0), 2 * COUNT);
  } finally {
    child.kill();
    seg.close();
  }
});

test("another process's section: AlreadyExists for a second creator, this user's owner, gone after TerminateProcess", async () => {
  const name = nativeName('holder');
  const child = startFixture('win32-section-holder.ts', [name], { ms: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.process.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  try {
    await until(() => stdout.includes('\n'), 'holder ready', 30_000);
    const ready = JSON.parse(stdout.split('\n')[0]!) as { ev: string; uid: number };
    assert.is(ready.ev, 'ready');
    assert.is(ready.uid, native.identity.uid(), 'both processes are the same user');
    assert.is(
      codeOf(() => native.segments.create(name, 4096)),
      'AlreadyExists',
      'exactly one creator wins a name',
    );
    assert.is(native.segments.ownerOf(name), native.identity.uid(), "the child's section is owned by this user");
    const peeked = native.segments.peek(name, 4);
    assert.is(Buffer.from(peeked).readInt32LE(0), child.process.pid, 'peek reads what the child wrote');
    assert.is(native.processes.state(child.process.pid!), 'running');
    child.kill(); // SIGKILL: TerminateProcess on Windows, no cleanup code runs in the child
    await child.done;
    await until(() => native.processes.state(child.process.pid!) === 'exited', 'the killed child exited', 10_000);
    assert.is(
      codeOf(() => native.segments.open(name)),
      'NotFound',
      'the section went with its last holder',
    );
  } finally {
    child.kill();
  }
});

test('the size record is untrusted: an impossible recorded size falls back to the whole view, never beyond it', () => {
  const name = nativeName('record');
  const seg = native.segments.create(name, 100);
  try {
    const viewBytes = sectionBytesFor(100);
    const recordAt = viewBytes - SIZE_RECORD_BYTES;
    assert.is(recordedSize(seg.address, viewBytes), 100, 'the record says 100');
    // A hostile peer writes a size past the view into the record (it lies past the 100 exposed bytes: the test
    // reaches it through a raw view of the same mapping).
    const opened = native.segments.open(name);
    assert.is(opened.size, 100);
    opened.close();
    const raw = new DataView(viewOf(seg.address, viewBytes));
    raw.setBigUint64(recordAt + 8, 1n << 40n, true);
    const again = native.segments.open(name);
    try {
      assert.is(again.size, viewBytes, 'an impossible record is ignored: the view size is the size');
    } finally {
      again.close();
    }
  } finally {
    seg.close();
  }
});

test('Global\\ and Local\\ are separate namespaces: a name created in one is not found in the other', () => {
  const global = createWin32Native('Global');
  const name = nativeName('global');
  const seg = global.segments.create(name, 64);
  try {
    new Uint8Array(seg.buffer)[0] = 7;
    const again = global.segments.open(name);
    assert.is(new Uint8Array(again.buffer)[0], 7);
    again.close();
    assert.is(
      codeOf(() => native.segments.open(name)),
      'NotFound',
      'the default backend uses Local\\',
    );
  } finally {
    seg.close();
  }
});

// Windows only: elsewhere the suite is not registered at all, so nothing passes without running.
if (process.platform === 'win32') test.run();
