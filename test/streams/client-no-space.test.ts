/**
 * A server short of memory for one client's segment (createSealed fails with NoSpace when posix_fallocate meets
 * ENOSPC) refuses only that client, with a typed ConnectError the client can act on, warns, and serves the next one:
 * memory is reserved at connect, so the shortage is an error there, never a SIGBUS later. The shortage is injected
 * into the real Linux backend (a memfd has no /dev/shm limit to fill): its `segments.createSealed` fails once.
 */
import { firstValueFrom } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectError, connect, listen } from '../../src/index.js';
import { CreateSegmentError, native, type NativeApi, type SegmentApi } from '../../src/native/index.js';
import { Opened } from '../helpers/connections.js';
import { channelName, shmLeft } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';
import { within } from '../helpers/waiting.js';

const test = suite('a server short of memory at connect');

/** This OS's backend whose next `failures` createSealed calls fail as posix_fallocate's ENOSPC makes them fail. */
function shortOfMemory(failures: number): NativeApi {
  const real = native.segments;
  const segments: SegmentApi = Object.create(real);
  segments.createSealed = (size: number) => {
    if (failures-- > 0)
      throw new CreateSegmentError('NoSpace', {
        segment: null,
        errno: 28,
        syscall: 'posix_fallocate',
        detail: `a segment of ${size} bytes`,
      });
    return real.createSealed(size);
  };
  return {
    platform: native.platform,
    segments,
    processes: native.processes,
    identity: native.identity,
    futex: native.futex,
    doorbellPath: (name: string) => native.doorbellPath(name),
    sockets: native.sockets,
  };
}

test('the client it cannot set up gets ConnectError Refused, the server warns and serves the next client', () =>
  watched(30_000, async (scope) => {
    const name = channelName();
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => void warnings.push(`${w.code}: ${w.message}`);
    process.on('warning', onWarning);
    scope.defer(() => process.off('warning', onWarning));
    const arrivals = new Opened(listen(name, { native: shortOfMemory(1) }));
    scope.defer(() => arrivals.close());
    const refused = await within(
      firstValueFrom(connect(name, { timeout: 5000 })).then(
        () => null,
        (e: unknown) => e,
      ),
      10_000,
      'the first connect ending',
    );
    assert.instance(refused, ConnectError);
    assert.is((refused as ConnectError).code, 'Refused');
    assert.match((refused as Error).message, 'could not set this client up');
    await within(new Promise((r) => setTimeout(r, 50)), 1000, 'the warning');
    assert.ok(
      warnings.some((w) => w.startsWith('RXSHM_CLIENT_SEGMENT_FAILED') && w.includes('ENOSPC')),
      warnings.join('\n'),
    );
    assert.is(arrivals.error, null, 'listen goes on');
    const next = new Opened(connect(name, { timeout: 5000 }));
    scope.defer(() => next.close());
    const client = await within(next.connection(), 10_000, 'the next client connecting');
    const server = await within(arrivals.connection(), 10_000, 'its server side');
    assert.is(server.clientId, client.clientId);
    const got = firstValueFrom(client);
    server.next(Uint8Array.of(1, 2, 3));
    assert.equal([...(await within(got, 5000, 'a message'))], [1, 2, 3]);
    assert.equal(shmLeft(), []);
  }));

test.run();
