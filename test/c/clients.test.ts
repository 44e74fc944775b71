/**
 * A C server (c/rxshm.h) with several Node clients at once, served from one thread by one poll loop over the
 * listener and every doorbell (rxshm_park, rxshm_unpark): with maxClients 2, two of three clients get slots 0 and 1
 * and their own segments, the third is answered Busy and retries until a slot frees, then gets the freed slot; every
 * client's messages come back to it alone, and each one's end is reported. 64-bit, 32-bit and sanitized.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, startC, startNode } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: a C server with several Node clients at once');
const MESSAGES = 200;

for (const variant of C_VARIANTS) {
  test(`${variant}: maxClients 2, three Node clients: slots 0 and 1, the third waits for a freed slot`, () =>
    watched(60_000, async (watch) => {
      const program = buildC('c-peer.c', variant);
      if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
      const name = channelName();
      const c = startC(watch, program, ['server', name, 'clients', '3'], { MAXCLIENTS: '2' });
      await c.next('listening');
      const first = startNode(watch, ['client', name, 'echo']);
      const second = startNode(watch, ['client', name, 'echo']);
      const joined = [await c.next('joined'), await c.next('joined')];
      const slots = new Map(joined.map((e) => [e.peerPid as number, e.clientId as number]));
      assert.equal([...slots.values()].sort(), [0, 1], 'the two lowest slots');
      assert.equal(
        [(await first.next('ready')).clientId, (await second.next('ready')).clientId],
        [slots.get(first.pid), slots.get(second.pid)],
      );

      const third = startNode(watch, ['client', name, 'closer', String(MESSAGES)]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.is(third.events.length, 0, 'the third client is still waiting (Busy): nothing reported');
      first.kill('SIGKILL'); // frees its slot
      const left = await c.next('left');
      assert.equal(left, { ev: 'left', clientId: slots.get(first.pid), result: 'peer-exited' });
      const rejoined = await c.next('joined');
      assert.equal([rejoined.peerPid, rejoined.clientId], [third.pid, slots.get(first.pid)], 'the freed slot, reused');
      assert.equal(await third.next('echoes'), { ev: 'echoes', count: MESSAGES });
      assert.equal((await third.next('end')).clean, true);
      assert.equal(await c.next('left'), { ev: 'left', clientId: slots.get(first.pid), result: 'closed' });
      assert.is(second.events.filter((e) => e.ev === 'data').length, 0, 'nothing of the others reached the second');
      second.kill('SIGKILL');
      assert.equal(await c.next('left'), { ev: 'left', clientId: slots.get(second.pid), result: 'peer-exited' });
      const exit = await c.exited;
      assert.equal([exit.code, c.stderr], [0, '']);
    }));
}

test.run();
