/**
 * RequestTable on its own, fed through a real ControlRouter (whose sender only records): fresh ids, each
 * Response/Error routed to exactly the request that owns its id, late answers (after delete, after the answer,
 * unknown ids) dropped and counted and never given to another request, the wrap-around after 2^32 - 1 that skips 0
 * and the ids still pending, and every pending request failed once when the connection fails or the peer closes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, Status } from '../../../src/codecs/index.js';
import { ControlRouter } from '../../../src/streams/connection/control-router.js';
import { EMPTY_PAYLOAD } from '../../../src/streams/engine/frame-fields.js';
import { RequestTable, type PendingRequest } from '../../../src/streams/rpc/request-table.js';

const table = suite('RequestTable');

/** A pending request that records what it is told. */
class Recorder implements PendingRequest {
  readonly told: string[] = [];
  response = (payload: Uint8Array): void => void this.told.push(`response ${[...payload]}`);
  error = (status: number, payload: Uint8Array): void => void this.told.push(`error ${status} ${[...payload]}`);
  failed = (error: Error): void => void this.told.push(`failed ${error.message}`);
}

/** A router, a table on it, and the late-answer count. */
function setup(): { router: ControlRouter; requests: RequestTable; late: () => number } {
  const router = new ControlRouter({ sendFrame: () => 'written' });
  let late = 0;
  const requests = new RequestTable(
    router,
    () => late++,
    () => new Error('closed by its peer'),
  );
  return { router, requests, late: () => late };
}

const respond = (router: ControlRouter, correlation: number, ...bytes: number[]): void =>
  router.dispatch({ kind: FrameKind.Response, status: 0, correlation, method: 0 }, Uint8Array.from(bytes));
const answerError = (router: ControlRouter, correlation: number, status: number): void =>
  router.dispatch({ kind: FrameKind.Error, status, correlation, method: 0 }, Uint8Array.from([9]));

/**
 * Sets the id the next `add` starts from. RequestTable has no seam for it, and reaching 2^32 by adding requests
 * takes minutes, so this writes the private field; the type check makes a renamed field fail here loudly.
 */
function startIdsAt(requests: RequestTable, id: number): void {
  requests.nextId = id;
}

table('ids start at 1 and increase by one; size counts the requests in flight', () => {
  const { requests } = setup();
  assert.equal([requests.add(new Recorder()), requests.add(new Recorder()), requests.add(new Recorder())], [1, 2, 3]);
  assert.is(requests.size, 3);
});

table('an id is not handed out again right after it is freed: ids keep increasing', () => {
  const { requests } = setup();
  const first = requests.add(new Recorder());
  assert.ok(requests.delete(first));
  assert.not.ok(requests.delete(first), 'deleting twice finds nothing');
  assert.is(requests.add(new Recorder()), first + 1);
});

table('a Response reaches exactly the request that owns its id, once; the others are untouched', () => {
  const { router, requests, late } = setup();
  const [a, b, c] = [new Recorder(), new Recorder(), new Recorder()];
  requests.add(a);
  const idB = requests.add(b);
  requests.add(c);
  respond(router, idB, 1, 2);
  assert.equal(b.told, ['response 1,2']);
  assert.equal(a.told, []);
  assert.equal(c.told, []);
  assert.is(requests.size, 2, 'the answered request left the table');
  assert.is(late(), 0);
});

table('an Error reaches its request with its status and payload', () => {
  const { router, requests } = setup();
  const a = new Recorder();
  const id = requests.add(a);
  answerError(router, id, Status.HandlerError);
  assert.equal(a.told, [`error ${Status.HandlerError} 9`]);
  assert.is(requests.size, 0);
});

table('a second answer for the same id is late: dropped and counted', () => {
  const { router, requests, late } = setup();
  const a = new Recorder();
  const id = requests.add(a);
  respond(router, id, 1);
  respond(router, id, 2);
  answerError(router, id, Status.Timeout);
  assert.equal(a.told, ['response 1']);
  assert.is(late(), 2);
});

table(
  'an answer after the request was deleted (timeout, cancel) is dropped and counted, never given to another',
  () => {
    const { router, requests, late } = setup();
    const gone = new Recorder();
    const waiting = new Recorder();
    const id = requests.add(gone);
    requests.delete(id);
    const other = requests.add(waiting);
    assert.is.not(other, id, 'the freed id is not reused at once');
    respond(router, id, 7);
    answerError(router, id, Status.Cancelled);
    assert.equal(gone.told, []);
    assert.equal(waiting.told, []);
    assert.is(late(), 2);
    assert.is(requests.size, 1);
  },
);

table('answers for ids never handed out (0 included) are late', () => {
  const { router, requests, late } = setup();
  const a = new Recorder();
  requests.add(a);
  respond(router, 0);
  respond(router, 0xffffffff);
  answerError(router, 2, Status.Unavailable);
  assert.equal(a.told, []);
  assert.is(late(), 3);
});

table('after 2^32 - 1 the ids wrap to 1: 0 is never handed out', () => {
  const { router, requests } = setup();
  startIdsAt(requests, 0xfffffffe);
  const ids = [requests.add(new Recorder()), requests.add(new Recorder()), requests.add(new Recorder())];
  assert.equal(ids, [0xfffffffe, 0xffffffff, 1]);
  const last = new Recorder();
  assert.is(requests.add(last), 2);
  respond(router, 2, 5);
  assert.equal(last.told, ['response 5'], 'an id after the wrap routes like any other');

  startIdsAt(requests, 0);
  assert.is(requests.add(new Recorder()), 2, 'a next id of 0 is skipped, and so is 1 (pending); 2 was answered');
});

table('wrapping around skips the ids still pending, and each answer still finds its own request', () => {
  const { router, requests, late } = setup();
  const old1 = new Recorder();
  const old2 = new Recorder();
  const old4 = new Recorder();
  const ids = [requests.add(old1), requests.add(old2), requests.add(new Recorder()), requests.add(old4)];
  assert.equal(ids, [1, 2, 3, 4]);
  requests.delete(3); // timed out: its id is free again
  startIdsAt(requests, 0xffffffff);
  const top = new Recorder();
  const reused = new Recorder();
  const after = new Recorder();
  assert.is(requests.add(top), 0xffffffff);
  assert.is(requests.add(reused), 3, 'skips 0, and 1 and 2 still pending');
  assert.is(requests.add(after), 5, 'skips 4 still pending');
  respond(router, 1, 1);
  respond(router, 2, 2);
  respond(router, 3, 3);
  respond(router, 4, 4);
  respond(router, 5, 5);
  respond(router, 0xffffffff, 6);
  assert.equal(
    [old1.told, old2.told, reused.told, old4.told, after.told, top.told],
    [['response 1'], ['response 2'], ['response 3'], ['response 4'], ['response 5'], ['response 6']],
  );
  assert.is(late(), 0);
  assert.is(requests.size, 0);
});

table(
  'one long-pending request: later ids skip only the id that would share its slot, and it is still answered',
  () => {
    const { router, requests, late } = setup();
    const old = new Recorder();
    const oldId = requests.add(old); // 1, slot 1 of 64
    const ids: number[] = [];
    for (let i = 0; i < 200; i++) {
      const id = requests.add(new Recorder());
      ids.push(id);
      respond(router, id);
    }
    assert.ok(!ids.includes(65) && !ids.includes(129) && !ids.includes(193), 'ids sharing slot 1 are skipped');
    assert.equal(ids.slice(0, 3), [2, 3, 4]);
    assert.is(new Set(ids).size, 200);
    respond(router, 65);
    assert.is(late(), 1, 'an answer for a skipped id has no owner');
    respond(router, oldId, 8);
    assert.equal(old.told, ['response 8']);
    assert.is(requests.size, 0);
  },
);

table('thousands in flight: the slots grow and every answer, in any order, reaches its own request once', () => {
  const { router, requests, late } = setup();
  const recorders = Array.from({ length: 5000 }, () => new Recorder());
  const ids = recorders.map((r) => requests.add(r));
  assert.is(new Set(ids).size, 5000);
  assert.is(requests.size, 5000);
  const order = ids.map((id, i) => [id, i] as const).sort((a, b) => ((a[0] * 7919) % 5003) - ((b[0] * 7919) % 5003));
  for (const [id, i] of order) respond(router, id, i & 0xff);
  recorders.forEach((r, i) => assert.equal(r.told, [`response ${i & 0xff}`]));
  assert.is(late(), 0);
  assert.is(requests.size, 0);
});

table('when the connection fails every pending request fails once with its error, and the table empties', () => {
  const { router, requests, late } = setup();
  const [a, b] = [new Recorder(), new Recorder()];
  const idA = requests.add(a);
  requests.add(b);
  router.fail(new Error('peer exited'));
  router.fail(new Error('again'));
  assert.equal(a.told, ['failed peer exited']);
  assert.equal(b.told, ['failed peer exited']);
  assert.is(requests.size, 0);
  respond(router, idA, 1);
  assert.equal(a.told, ['failed peer exited'], 'an answer after the failure is not delivered');
  assert.is(late(), 1);
});

table("when the peer closes every pending request fails with the table's peer-closed error, once", () => {
  const { router, requests } = setup();
  const [a, b] = [new Recorder(), new Recorder()];
  requests.add(a);
  requests.add(b);
  router.dispatch({ kind: FrameKind.Alive, status: 0, correlation: 1, method: 0 }, EMPTY_PAYLOAD); // not an answer
  assert.equal(a.told, []);
  router.closedByPeer();
  router.closedByPeer();
  assert.equal(a.told, ['failed closed by its peer']);
  assert.equal(b.told, ['failed closed by its peer']);
  assert.is(requests.size, 0);
});

table.run();
