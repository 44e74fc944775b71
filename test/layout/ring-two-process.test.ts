/**
 * Two real processes over one named segment: each writes 1,000,000 records of random sizes on its ring while
 * reading and verifying the other, both directions at once (busy-polling). A watchdog kills the child and fails
 * the test if either side stalls; the child is killed and the segment unlinked in every case.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { channelSegmentLength, initChannelSegment } from '../../src/layout/channel-segment.js';
import { native } from '../../src/native/index.js';
import { seedFromEnv } from '../helpers/layout.js';
import { root } from '../helpers/processes.js';
import { MAX_RECORD, exchange, type TrafficResult } from '../fixtures/layout-traffic.js';

const COUNT = Number(process.env['LAYOUT_TWO_PROCESS_COUNT'] ?? 1_000_000);
const WATCHDOG_MS = 60_000;
const RING_CAPACITY = 65536;

const twoProcess = suite('SPSC rings across two processes');

twoProcess(`${COUNT} records each way, both directions at once, verified in order and content`, async () => {
  const seed = seedFromEnv();
  const name = `rxshm.test-layout-${process.pid}-${Date.now()}`;
  console.log(`  two-process ring test: seed=${seed} (LAYOUT_SEED to replay), count=${COUNT}, segment=${name}`);
  const segment = native.segments.create(name, channelSegmentLength(RING_CAPACITY));
  let child: ReturnType<typeof spawn> | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const buffer = segment.buffer;
    const layout = initChannelSegment(buffer, {
      ringCapacity: RING_CAPACITY,
      maxMessage: MAX_RECORD,
      token: 1n,
      creatorPid: process.pid,
    });
    let abort: string | null = null;
    const peer = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/layout-peer.ts', name, String(COUNT), String(seed)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = peer;
    let stdout = '';
    let stderr = '';
    peer.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    peer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => peer.on('exit', (code) => resolve(code)));
    void exited.then((code) => {
      if (code !== 0) abort ??= `peer exited with code=${code}: ${stderr.trim()}`;
    });
    watchdog = setTimeout(() => {
      abort = `watchdog: no completion after ${WATCHDOG_MS} ms`;
      peer.kill('SIGKILL');
    }, WATCHDOG_MS);

    const started = performance.now();
    const mine = await exchange({ buffer, layout, role: 'server', count: COUNT, seed, aborted: () => abort });
    const code = await exited;
    const elapsed = Math.round(performance.now() - started);
    assert.is(code, 0, `peer failed: ${stderr}`);
    assert.is(abort, null);
    const theirs = JSON.parse(stdout.trim()) as TrafficResult;
    assert.equal([mine.sent, mine.received, theirs.sent, theirs.received], [COUNT, COUNT, COUNT, COUNT]);
    const mb = ((mine.bytes + theirs.bytes) / 1e6).toFixed(0);
    console.log(
      `  two-process ring test: ${elapsed} ms total (parent loop ${mine.ms} ms, child loop ${theirs.ms} ms), ${mb} MB verified`,
    );
  } finally {
    clearTimeout(watchdog);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    segment.close();
    native.segments.unlink(name);
  }
  assert.not.ok(existsSync(`/dev/shm/${name}`), 'segment unlinked');
});

twoProcess.run();
