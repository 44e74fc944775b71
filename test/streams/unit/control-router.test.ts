/**
 * ControlRouter on its own, with a sender that records what it is asked to send: LivenessCheck answered Alive,
 * each frame kind handed to its handlers (header and payload as they came), Requests kept in order while nobody
 * serves, up to MAX_WAITING_REQUESTS, beyond which each is answered Error Unavailable; Cancel withdrawing a kept
 * Request; and the end of the connection and the peer's Close told once, also to whoever registers late.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, Status } from '../../../src/codecs/index.js';
import { ControlRouter, MAX_WAITING_REQUESTS } from '../../../src/streams/connection/control-router.js';
import type { FrameFields } from '../../../src/streams/engine/frame-fields.js';

const router = suite('ControlRouter');

type Sent = [FrameFields, Uint8Array];

/** A router whose sender records every frame it sends. */
function setup(): { control: ControlRouter; sent: Sent[] } {
  const sent: Sent[] = [];
  const control = new ControlRouter({ sendFrame: (header, payload) => sent.push([header, payload]) });
  return { control, sent };
}

const header = (kind: number, correlation = 0, method = 0, status = 0): FrameFields =>
  ({ kind, status, correlation, method }) as FrameFields;
const request = (correlation: number, method = 1): FrameFields => header(FrameKind.Request, correlation, method);
const ROUTED_KINDS = [
  FrameKind.Request,
  FrameKind.Response,
  FrameKind.Error,
  FrameKind.LivenessCheck,
  FrameKind.Alive,
  FrameKind.Cancel,
];

router('a LivenessCheck is answered Alive with its correlation id and nothing else', () => {
  const { control, sent } = setup();
  control.dispatch(header(FrameKind.LivenessCheck, 77), new Uint8Array(0));
  assert.is(sent.length, 1);
  assert.equal(sent[0]![0], { kind: FrameKind.Alive, status: 0, correlation: 77, method: 0 });
  assert.is(sent[0]![1].length, 0);
});

router('a LivenessCheck is answered even when someone listens for it, and the listener sees it too', () => {
  const { control, sent } = setup();
  const seen: number[] = [];
  control.on(FrameKind.LivenessCheck, ({ correlation }) => seen.push(correlation));
  control.dispatch(header(FrameKind.LivenessCheck, 5), new Uint8Array(0));
  assert.equal(seen, [5]);
  assert.equal(
    sent.map(([h]) => [h.kind, h.correlation]),
    [[FrameKind.Alive, 5]],
  );
});

router('each control kind reaches only its own handlers, with the header and payload objects as they came', () => {
  const { control, sent } = setup();
  const seen: [number, FrameFields, Uint8Array][] = [];
  for (const kind of ROUTED_KINDS) control.on(kind, (h, p) => seen.push([kind, h, p]));
  const frames = ROUTED_KINDS.map((kind, i) => [header(kind, 100 + i), Uint8Array.from([i])] as const);
  for (const [h, p] of frames) control.dispatch(h, p);
  assert.is(seen.length, ROUTED_KINDS.length);
  seen.forEach(([kind, h, p], i) => {
    assert.is(kind, ROUTED_KINDS[i], `frame ${i} went to the ${ROUTED_KINDS[i]} handler`);
    assert.is(h, frames[i]![0]);
    assert.is(p, frames[i]![1]);
  });
  assert.is(sent.length, 1, 'only the Alive answer was sent');
  assert.equal(control.takeWaitingRequests(), [], 'a handled Request is not also kept');
});

router('several handlers of one kind are each called, in the order registered; unregistering stops one', () => {
  const { control } = setup();
  const calls: string[] = [];
  const offA = control.on(FrameKind.Response, () => calls.push('a'));
  control.on(FrameKind.Response, () => calls.push('b'));
  assert.ok(control.has(FrameKind.Response));
  control.dispatch(header(FrameKind.Response, 1), new Uint8Array(0));
  offA();
  control.dispatch(header(FrameKind.Response, 2), new Uint8Array(0));
  assert.equal(calls, ['a', 'b', 'b']);
  assert.not.ok(control.has(FrameKind.Error));
});

router('a handler that unregisters another mid-dispatch does not skip it for that frame', () => {
  const { control } = setup();
  const calls: string[] = [];
  let offB: () => void = () => undefined;
  control.on(FrameKind.Cancel, () => {
    calls.push('a');
    offB();
  });
  offB = control.on(FrameKind.Cancel, () => calls.push('b'));
  control.dispatch(header(FrameKind.Cancel, 1), new Uint8Array(0));
  control.dispatch(header(FrameKind.Cancel, 2), new Uint8Array(0));
  assert.equal(calls, ['a', 'b', 'a']);
});

router('frames nobody listens for are dropped: no answer, nothing kept (Requests aside)', () => {
  const { control, sent } = setup();
  for (const kind of [FrameKind.Response, FrameKind.Error, FrameKind.Alive, FrameKind.Cancel]) {
    control.dispatch(header(kind, 3), new Uint8Array(1));
  }
  assert.is(sent.length, 0);
  assert.equal(control.takeWaitingRequests(), []);
});

router('Requests nobody serves are kept in order for serve to take, once', () => {
  const { control, sent } = setup();
  const payloads = [Uint8Array.from([1]), Uint8Array.from([2]), Uint8Array.from([3])];
  payloads.forEach((p, i) => control.dispatch(request(10 + i, 20 + i), p));
  assert.equal(control.takeWaitingRequests(), [
    { correlation: 10, method: 20, payload: payloads[0] },
    { correlation: 11, method: 21, payload: payloads[1] },
    { correlation: 12, method: 22, payload: payloads[2] },
  ]);
  assert.equal(control.takeWaitingRequests(), [], 'taken once');
  assert.is(sent.length, 0);
});

router(`${MAX_WAITING_REQUESTS} Requests are kept; each one beyond is answered Error Unavailable, not kept`, () => {
  const { control, sent } = setup();
  for (let id = 1; id <= MAX_WAITING_REQUESTS; id++) control.dispatch(request(id), new Uint8Array(0));
  assert.is(sent.length, 0, 'up to the limit nothing is refused');
  control.dispatch(request(MAX_WAITING_REQUESTS + 1, 9), new Uint8Array(0));
  control.dispatch(request(MAX_WAITING_REQUESTS + 2, 9), new Uint8Array(0));
  assert.equal(
    sent.map(([h]) => h),
    [
      { kind: FrameKind.Error, status: Status.Unavailable, correlation: MAX_WAITING_REQUESTS + 1, method: 0 },
      { kind: FrameKind.Error, status: Status.Unavailable, correlation: MAX_WAITING_REQUESTS + 2, method: 0 },
    ],
  );
  assert.ok(new TextDecoder().decode(sent[0]![1]).length > 0, 'the refusal says why');
  const kept = control.takeWaitingRequests();
  assert.is(kept.length, MAX_WAITING_REQUESTS);
  assert.ok(
    kept.every((r, i) => r.correlation === i + 1),
    'the first ones are kept, in order',
  );
  control.dispatch(request(5000), new Uint8Array(0));
  assert.is(sent.length, 2, 'once taken, there is room again');
  assert.equal(
    control.takeWaitingRequests().map((r) => r.correlation),
    [5000],
  );
});

router('a Cancel nobody handles withdraws the kept Request with its id, and only that one', () => {
  const { control } = setup();
  for (const id of [1, 2, 3]) control.dispatch(request(id), new Uint8Array(0));
  control.dispatch(header(FrameKind.Cancel, 2), new Uint8Array(0));
  control.dispatch(header(FrameKind.Cancel, 99), new Uint8Array(0));
  assert.equal(
    control.takeWaitingRequests().map((r) => r.correlation),
    [1, 3],
  );
});

router('a withdrawn Request frees its place under the limit', () => {
  const { control, sent } = setup();
  for (let id = 1; id <= MAX_WAITING_REQUESTS; id++) control.dispatch(request(id), new Uint8Array(0));
  control.dispatch(header(FrameKind.Cancel, 1), new Uint8Array(0));
  control.dispatch(request(MAX_WAITING_REQUESTS + 1), new Uint8Array(0));
  assert.is(sent.length, 0);
  assert.is(control.takeWaitingRequests().at(-1)!.correlation, MAX_WAITING_REQUESTS + 1);
});

router('fail tells every registered callback once, discards kept Requests, and tells late ones the first error', () => {
  const { control } = setup();
  const told: string[] = [];
  control.on(FrameKind.Response, () => undefined);
  control.dispatch(request(1), new Uint8Array(0));
  control.onFail((e) => told.push(`a ${e.message}`));
  const offB = control.onFail((e) => told.push(`b ${e.message}`));
  control.onFail((e) => told.push(`c ${e.message}`));
  offB();
  control.fail(new Error('first'));
  control.fail(new Error('second'));
  assert.equal(told, ['a first', 'c first']);
  assert.equal(control.takeWaitingRequests(), []);
  control.onFail((e) => told.push(`late ${e.message}`));
  assert.equal(told, ['a first', 'c first', 'late first']);
});

router("the peer's Close is told once, sets peerClosed, and reaches late registrations at once", () => {
  const { control } = setup();
  const told: string[] = [];
  control.onPeerClose(() => told.push('a'));
  const offB = control.onPeerClose(() => told.push('b'));
  offB();
  assert.not.ok(control.peerClosed);
  control.closedByPeer();
  control.closedByPeer();
  assert.ok(control.peerClosed);
  assert.equal(told, ['a']);
  control.onPeerClose(() => told.push('late'));
  assert.equal(told, ['a', 'late']);
});

router('a peer Close does not end the connection: onFail callbacks wait for fail', () => {
  const { control } = setup();
  const told: string[] = [];
  control.onFail(() => told.push('failed'));
  control.closedByPeer();
  assert.equal(told, []);
  control.fail(new Error('closed'));
  assert.equal(told, ['failed']);
});

router.run();
