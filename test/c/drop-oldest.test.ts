/**
 * The C side (c/rxshm.h) reading a ring whose Node producer uses overflow `drop-oldest` (LAYOUT.md 4.7): the C
 * consumer reloads READ_POSITION at each poll and releases by compare-exchange; a record the producer dropped while
 * it was being read is reported by rxshm_release (RXSHM_DROPPED) and discarded, never delivered torn. A slow C
 * reader and a fast Node writer: every message delivered is intact and in order, the last one arrives, and delivered
 * + dropped (Node's count) = sent, exactly. 64-bit, 32-bit and sanitized, the C side as client and as server.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, startC, startNode } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import { watched } from '../helpers/watched.js';

const test = suite('c: a C consumer of a drop-oldest Node producer');
const COUNT = 200_000;
const MAX_LENGTH = 2000;

for (const variant of C_VARIANTS) {
  for (const cRole of ['client', 'server'] as const) {
    test(`${variant}, C ${cRole}: every delivered message intact and in order; delivered + dropped = sent`, () =>
      watched(60_000, async (watch) => {
        const program = buildC('c-peer.c', variant);
        if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
        const name = channelName();
        const args = [String(COUNT), String(MAX_LENGTH)];
        const startTheC = () => startC(watch, program, [cRole, name, 'lossy', ...args]);
        const startTheNode = () => startNode(watch, [cRole === 'client' ? 'server' : 'client', name, 'flood', ...args]);
        const first = cRole === 'server' ? startTheC() : startTheNode();
        await first.next('listening');
        const second = cRole === 'server' ? startTheNode() : startTheC();
        const [c, node] = cRole === 'server' ? [first, second] : [second, first];
        const [cDone, nodeDone] = await Promise.all([c.next('done'), node.next('done')]);
        assert.is(cDone.result, 'closed');
        assert.is(cDone.last, COUNT - 1, 'the newest message is never dropped');
        assert.ok(nodeDone.dropped > 0, 'the slow reader made the writer drop');
        assert.is(cDone.delivered + nodeDone.dropped, COUNT, JSON.stringify({ cDone, nodeDone }));
        const [cExit, nodeExit] = await Promise.all([c.exited, node.exited]);
        assert.equal([cExit.code, c.stderr], [0, ''], 'the C side exits 0 without a sanitizer report');
        assert.is(nodeExit.code, 0, node.stderr);
      }));
  }
}

test.run();
