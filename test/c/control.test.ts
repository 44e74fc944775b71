/**
 * A C peer (c/rxshm.h) and a Node peer, each as client and as server, with the C side built 64-bit, 32-bit and with
 * ASan + UBSan: requests with correlation ids both ways at once (answers, Error frames), liveness both ways (the C
 * side answers LivenessCheck by itself and checks Node's Alive), Close both ways, a C side leaving without Close,
 * and SIGKILL of either side (idle and parked, or the Node side in mid-traffic), which the other notices within 1 s.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { C_VARIANTS, buildC, startC, startNode, type CVariant } from '../helpers/c-build.js';
import { channelName } from '../helpers/names.js';
import type { Child } from '../helpers/processes.js';
import { watched, type Watch } from '../helpers/watched.js';

const test = suite('c: requests, liveness, Close and death between a C peer and a Node peer');
const REQUESTS = 2000;

type Role = 'client' | 'server';

/** Starts the pair, server first: the C side runs `cArgs`, the Node side `nodeArgs`; resolves once both are ready. */
async function pair(
  watch: Watch,
  program: string,
  cRole: Role,
  cArgs: string[],
  nodeArgs: string[],
): Promise<{ c: Child; node: Child }> {
  const name = channelName();
  const nodeRole: Role = cRole === 'client' ? 'server' : 'client';
  const startTheC = (): Child => startC(watch, program, [cRole, name, ...cArgs]);
  const startTheNode = (): Child => startNode(watch, [nodeRole, name, ...nodeArgs]);
  const first = cRole === 'server' ? startTheC() : startTheNode();
  await first.next('listening');
  const second = cRole === 'server' ? startTheNode() : startTheC();
  const [c, node] = cRole === 'server' ? [first, second] : [second, first];
  const [cReady, nodeReady] = await Promise.all([c.next('ready'), node.next('ready')]);
  assert.is(cReady.peerPid, node.pid, 'the C side names the Node process');
  assert.is(nodeReady.peerPid, c.pid, 'the Node side names the C process');
  assert.is(cReady.maxMessage, nodeReady.maxMessage, 'both sides agree on maxMessage');
  assert.is(cReady.clientId, nodeReady.clientId, 'both sides agree on the clientId');
  return { c, node };
}

/** Asserts a clean exit and no sanitizer report. */
async function exitedCleanly(child: Child, what: string): Promise<void> {
  const exit = await child.exited;
  assert.equal([exit.code, exit.signal], [0, null], `${what} exit; stderr: ${child.stderr}`);
  if (what === 'C') assert.is(child.stderr, '', 'no sanitizer report');
}

/** Runs `body` for each variant and role, skipping (with the reason printed) a variant that cannot be built. */
function forEach(what: string, body: (watch: Watch, program: string, cRole: Role) => Promise<void>): void {
  for (const variant of C_VARIANTS) {
    for (const cRole of ['client', 'server'] as const) {
      test(`${variant}, C ${cRole}: ${what}`, () =>
        watched(60_000, async (watch) => {
          const program = buildC('c-peer.c', variant as CVariant);
          if (typeof program !== 'string') return console.log(`  skipped (${variant}): ${program.skip}`);
          await body(watch, program, cRole);
        }));
    }
  }
}

forEach(
  `${REQUESTS} requests each way at once, with Error answers, and liveness both ways`,
  async (watch, program, role) => {
    const { c, node } = await pair(
      watch,
      program,
      role,
      ['rpc', `${REQUESTS}`, `${REQUESTS}`],
      ['rpc', `${REQUESTS}`, `${REQUESTS}`],
    );
    const [cDone, nodeDone] = await Promise.all([c.next('done'), node.next('done')]);
    assert.equal([cDone.answered, cDone.served, cDone.alive], [REQUESTS, REQUESTS, 3], 'C: answers, served, Alive');
    assert.ok(cDone.checksAnswered >= 1, `the C side answered Node's LivenessChecks (${cDone.checksAnswered})`);
    assert.equal(nodeDone, { ev: 'done', answered: REQUESTS, served: REQUESTS, state: 'alive', problems: [] });
    assert.equal(await c.next('end'), { ev: 'end', result: 'closed' });
    await Promise.all([exitedCleanly(c, 'C'), exitedCleanly(node, 'Node')]);
  },
);

forEach(
  'Node sends and closes; the C side echoes, reads Close after the messages, closes too',
  async (watch, program, role) => {
    const { c, node } = await pair(watch, program, role, ['echo'], ['closer', '5']);
    for (let i = 0; i < 5; i++) assert.equal(await c.next('data'), { ev: 'data', length: 3 });
    assert.equal(await c.next('end'), { ev: 'end', result: 'closed', checksAnswered: 0 });
    assert.equal(await node.next('echoes'), { ev: 'echoes', count: 5 });
    const end = await node.next('end');
    assert.equal([end.clean, end.error], [true, undefined], JSON.stringify(end));
    await Promise.all([exitedCleanly(c, 'C'), exitedCleanly(node, 'Node')]);
  },
);

forEach('the C side sends and closes: Node gets every message, then completes', async (watch, program, role) => {
  const { c, node } = await pair(watch, program, role, ['send', '100', 'close'], ['echo']);
  await exitedCleanly(c, 'C');
  const end = await node.next('end');
  assert.equal([end.received, end.clean, end.error], [100, true, undefined], JSON.stringify(end));
});

forEach(
  'the C side leaves without Close: Node gets every message, then PeerExitedError',
  async (watch, program, role) => {
    const { c, node } = await pair(watch, program, role, ['send', '100', 'free'], ['echo']);
    await exitedCleanly(c, 'C');
    const end = await node.next('end');
    assert.equal([end.received, end.clean, end.error], [100, false, 'PeerExitedError'], JSON.stringify(end));
  },
);

forEach('SIGKILL of the Node side: the parked C side notices within 1 s', async (watch, program, role) => {
  const { c, node } = await pair(watch, program, role, ['echo'], ['echo']);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the C side park
  const killedAt = Date.now();
  node.kill('SIGKILL');
  assert.equal(await c.next('end'), { ev: 'end', result: 'peer-exited', checksAnswered: 0 });
  const noticed = Date.now() - killedAt;
  assert.ok(noticed < 1000, `noticed ${noticed} ms after the kill`);
  await exitedCleanly(c, 'C');
});

forEach(
  'SIGKILL of the Node side in mid-traffic: the C side, sending and receiving, notices within 1 s',
  async (watch, program, role) => {
    const traffic = ['traffic', '100000000', '16000'];
    const { c, node } = await pair(watch, program, role, traffic, traffic);
    await new Promise((resolve) => setTimeout(resolve, 500)); // messages flow both ways
    const killedAt = Date.now();
    node.kill('SIGKILL');
    const error = await c.next('error');
    const noticed = Date.now() - killedAt;
    assert.equal([error.rc, error.text], [-3, 'the peer exited without closing'], JSON.stringify(error));
    assert.ok(noticed < 1000, `noticed ${noticed} ms after the kill`);
    assert.is(c.stderr, '', 'no sanitizer report');
  },
);

forEach('SIGKILL of the C side: the Node side notices within 1 s', async (watch, program, role) => {
  const { c, node } = await pair(watch, program, role, ['echo'], ['echo']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const killedAt = Date.now();
  c.kill('SIGKILL');
  const end = await node.next('end');
  const noticed = Date.now() - killedAt;
  assert.equal([end.clean, end.error], [false, 'PeerExitedError'], JSON.stringify(end));
  assert.ok(noticed < 1000, `noticed ${noticed} ms after the kill`);
});

test.run();
