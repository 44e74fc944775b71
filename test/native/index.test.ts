import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_FUTEX_WAIT_MS, MAX_SEGMENT_SIZE, native } from '../../src/native/index.js';
import { within } from '../helpers/waiting.js';

const test = suite('native (index)');

test('picks the backend of this platform', () => {
  assert.is(MAX_FUTEX_WAIT_MS, 250);
  assert.is(MAX_SEGMENT_SIZE, 2 ** 32);
  if (process.platform === 'linux') assert.is(native.platform, 'linux');
  if (process.platform === 'win32') assert.is(native.platform, 'win32');
});

test('linux doorbellPath: abstract socket, hashed beyond sun_path, usable with net', async () => {
  if (process.platform !== 'linux') return;
  assert.is(native.doorbellPath('chat'), '\0rxshm.chat');
  const long = native.doorbellPath('n'.repeat(200));
  assert.match(long, /^\0rxshm\.#[0-9a-f]{32}$/);
  for (const path of [
    native.doorbellPath(`t-${process.pid}`),
    native.doorbellPath(`${'n'.repeat(190)}-${process.pid}`),
  ]) {
    const server = net.createServer((socket) => socket.end('!'));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    try {
      const reply = await within(
        new Promise<string>((resolve, reject) => {
          const client = net.connect(path).once('error', reject);
          client.on('data', (data) => resolve(data.toString()));
        }),
        5_000,
        'doorbell round trip',
      );
      assert.is(reply, '!');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }
});

test.run();
