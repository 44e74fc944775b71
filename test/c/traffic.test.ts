/**
 * A C peer (test/fixtures/c-peer.c over c/rxshm.h) and a Node peer exchange checksummed messages of random sizes
 * (8 B to 16 KB, on 64 KiB rings, so records wrap with padding all the time and both sides park and ring) both ways
 * at once: a C client with a Node server and a Node client with a C server, the C side built 64-bit, 32-bit and
 * with ASan + UBSan. Every message is checked for length, order and checksum on arrival; both sides then close
 * cleanly. Then two C processes, a 32-bit one and a 64-bit one (and two sanitized ones), on one channel.
 * RXSHM_C_MESSAGES lowers the count (default 1,000,000 each way) for quick runs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, messageCount, startC, startNode, type CVariant } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: checksummed messages both ways between a C peer and a Node peer');
const MAX_LENGTH = 16_000;

for (const variant of C_VARIANTS) {
  for (const cRole of ['client', 'server'] as const) {
    const nodeRole = cRole === 'client' ? 'server' : 'client';
    test(`${variant}: a C ${cRole} and a Node ${nodeRole} exchange ${messageCount()} messages each way`, () =>
      watched(170_000, async (watch) => {
        const program = buildC('c-peer.c', variant);
        if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
        const name = channelName();
        const args = [name, 'traffic', String(messageCount()), String(MAX_LENGTH)];
        const first =
          cRole === 'server' ? startC(watch, program, [cRole, ...args]) : startNode(watch, [nodeRole, ...args]);
        await first.next('listening');
        const second =
          cRole === 'server' ? startNode(watch, [nodeRole, ...args]) : startC(watch, program, [cRole, ...args]);
        const [c, node] = cRole === 'server' ? [first, second] : [second, first];

        const ready = await c.next('ready');
        assert.is(ready.peerPid, node.pid, 'the C side names the Node process as its peer (SO_PEERCRED)');
        assert.is(ready.pointerBits, variant === '32-bit' ? 32 : 64);
        const count = messageCount();
        const [cDone, nodeDone] = await Promise.all([c.next('done'), node.next('done')]);
        assert.equal(cDone, { ev: 'done', sent: count, received: count });
        assert.equal(nodeDone, { ev: 'done', sent: count, received: count, problem: null });
        assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
        const [cExit, nodeExit] = await Promise.all([c.exited, node.exited]);
        assert.equal([cExit.code, cExit.signal], [0, null], `C exit; stderr: ${c.stderr}`);
        assert.equal([nodeExit.code, nodeExit.signal], [0, null], `Node exit; stderr: ${node.stderr}`);
        assert.is(c.stderr, '', 'no sanitizer report');
      }));
  }
}

// Two C processes of different widths on one channel (the windows_shared_memory seed's cross-architecture check).
const PAIRS: [CVariant, CVariant][] = [
  ['64-bit', '32-bit'],
  ['32-bit', '64-bit'],
  ['sanitized', 'sanitized'],
];
for (const [serverVariant, clientVariant] of PAIRS) {
  test(`a ${serverVariant} C server and a ${clientVariant} C client exchange ${messageCount()} messages each way`, () =>
    watched(120_000, async (watch) => {
      const server = buildC('c-peer.c', serverVariant);
      const client = buildC('c-peer.c', clientVariant);
      if (typeof server !== 'string') return console.log(`  skipped (${serverVariant}): ${server.skip}`);
      if (typeof client !== 'string') return console.log(`  skipped (${clientVariant}): ${client.skip}`);
      const name = channelName();
      const args = [name, 'traffic', String(messageCount()), String(MAX_LENGTH)];
      const s = startC(watch, server, ['server', ...args]);
      await s.next('listening');
      const c = startC(watch, client, ['client', ...args]);
      const [sReady, cReady] = await Promise.all([s.next('ready'), c.next('ready')]);
      assert.equal([sReady.pointerBits, cReady.pointerBits], [bits(serverVariant), bits(clientVariant)]);
      const count = messageCount();
      for (const side of [s, c]) {
        assert.equal(await side.next('done'), { ev: 'done', sent: count, received: count });
        assert.equal(await side.next('end'), { ev: 'end', result: 'closed' });
        const exit = await side.exited;
        assert.equal([exit.code, side.stderr], [0, ''], 'exit 0, no sanitizer report');
      }
    }));
}

function bits(variant: CVariant): number {
  return variant === '32-bit' ? 32 : 64;
}

test.run();
