/**
 * Review of the RequestTable's slot table (issue 12): a seeded random model check against a plain Map. Across growth,
 * ids that wrap past 2^32 and slots skipped for long-pending requests, every id handed out is unique among the
 * pending ones, an answer reaches exactly the request that owns its id (once), a late or stale answer reaches nobody
 * and is counted, the table holds exactly one retain while not empty, and a failure reaches every pending request once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind } from '../../../src/codecs/index.js';
import { ControlRouter } from '../../../src/streams/connection/control-router.js';
import type { FrameFields } from '../../../src/streams/engine/frame-fields.js';
import { RequestTable, type PendingRequest } from '../../../src/streams/rpc/request-table.js';
import { prng } from '../../helpers/random.js';

const test = suite('review: RequestTable against a model');

/** A request that records what it was told. */
class Recorded implements PendingRequest {
  readonly told: string[] = [];
  constructor(readonly tag: number) {}
  response(payload: Uint8Array): void {
    this.told.push(`response ${payload[0]}`);
  }
  error(status: number): void {
    this.told.push(`error ${status}`);
  }
  failed(error: Error): void {
    this.told.push(`failed ${error.message}`);
  }
}

const frame = (kind: number, correlation: number): FrameFields =>
  ({ kind, status: kind === FrameKind.Error ? 7 : 0, correlation, method: 0 }) as FrameFields;

for (const [seed, startId] of [
  [1, 1],
  [2, 0xffff_ff00],
  [3, 0xffff_fff0],
  [4, 0x7fff_ffff],
] as const) {
  test(`seed ${seed}, ids from ${startId.toString(16)}: 20,000 random adds, answers, late answers, deletes`, () => {
    const router = new ControlRouter({ sendFrame: () => 'written' });
    let late = 0;
    const table = new RequestTable(
      router,
      () => late++,
      () => new Error('peer closed'),
    );
    table.nextId = startId;
    let retains = 0;
    let releases = 0;
    const side = {
      retain: (): (() => void) => {
        retains++;
        let done = false;
        return () => {
          assert.not.ok(done, 'a retain released twice');
          done = true;
          releases++;
        };
      },
    };
    const random = prng(seed);
    const pending = new Map<number, Recorded>();
    const finished: Recorded[] = [];
    const stale: number[] = [];
    let expectedLate = 0;
    let tag = 0;
    const pick = (): number => [...pending.keys()][random() % pending.size]!;
    for (let step = 0; step < 20_000; step++) {
      const op = random() % 100;
      // Bursts of adds make the table grow; long-lived entries make ids skip their slots.
      if (op < 45 || pending.size === 0) {
        const request = new Recorded(++tag);
        const id = table.add(request, side);
        assert.ok(id !== 0, 'id 0 is never handed out');
        assert.not.ok(pending.has(id), `id ${id} handed out while pending`);
        pending.set(id, request);
      } else if (op < 75) {
        const id = pick();
        const request = pending.get(id)!;
        pending.delete(id);
        router.dispatch(frame(op < 65 ? FrameKind.Response : FrameKind.Error, id), Uint8Array.of(request.tag & 0xff));
        assert.equal(request.told, [op < 65 ? `response ${request.tag & 0xff}` : 'error 7']);
        finished.push(request);
        stale.push(id);
      } else if (op < 90) {
        const id = pick();
        const request = pending.get(id)!;
        pending.delete(id);
        assert.ok(table.delete(id));
        assert.not.ok(table.delete(id), 'deleted twice');
        assert.equal(request.told, [], 'a deleted request is told nothing');
        finished.push(request);
        stale.push(id);
      } else if (stale.length > 0) {
        // A late answer for an id no longer pending: nobody hears it.
        const id = stale[random() % stale.length]!;
        if (pending.has(id)) continue; // reused after a full wrap: not late (cannot happen within this test)
        router.dispatch(frame(FrameKind.Response, id), Uint8Array.of(0));
        expectedLate++;
      }
      assert.is(table.size, pending.size);
      assert.is(retains - releases, pending.size > 0 ? 1 : 0, 'one retain exactly while not empty');
      if (step % 1000 === 0) for (const request of pending.values()) assert.equal(request.told, []);
    }
    assert.is(late, expectedLate);
    for (const request of finished) assert.ok(request.told.length <= 1, 'told at most once');
    const left = [...pending.values()];
    router.fail(new Error('gone'));
    router.closedByPeer();
    for (const request of left) assert.equal(request.told, ['failed gone'], 'failed once');
    assert.is(table.size, 0);
    assert.is(retains, releases, 'every retain released');
  });
}

test.run();
