/** The calls driver keeps exactly the asked number of calls outstanding, checks answers and stops on a failure. */
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concurrentCalls } from '../../bench/lib/calls.js';
import { payload } from '../../bench/lib/payload.js';

const PAYLOAD = payload(32);

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** A fake transport answering each call a few event-loop turns later; it counts calls and the most outstanding. */
function fakeTransport(answer: (n: number) => Uint8Array = () => PAYLOAD) {
  const state = { calls: 0, outstanding: 0, most: 0 };
  const call = async (): Promise<Uint8Array> => {
    const n = state.calls++;
    state.most = Math.max(state.most, ++state.outstanding);
    for (let i = 0; i < 1 + (n % 3); i++) await tick(); // answers overtake each other
    state.outstanding--;
    return answer(n);
  };
  return { state, call };
}

test('sequential: one call at a time, exactly `operations` calls', async () => {
  const { state, call } = fakeTransport();
  const sample = await concurrentCalls('fake', PAYLOAD, 1, 50, call);
  assert.is(sample.operations, 50);
  assert.ok(sample.seconds > 0);
  assert.is(state.calls, 50);
  assert.is(state.most, 1);
});

test('64 in flight: 64 calls outstanding, never more; fewer operations than that: all at once', async () => {
  const many = fakeTransport();
  await concurrentCalls('fake', PAYLOAD, 64, 1000, many.call);
  assert.is(many.state.calls, 1000);
  assert.is(many.state.most, 64);
  const few = fakeTransport();
  await concurrentCalls('fake', PAYLOAD, 64, 10, few.call);
  assert.is(few.state.calls, 10);
  assert.is(few.state.most, 10);
});

test('an answer that is not the echo fails the repetition', async () => {
  const short = fakeTransport((n) => (n === 5 ? PAYLOAD.subarray(1) : PAYLOAD));
  assert.match(
    (await rejection(concurrentCalls('fake', PAYLOAD, 4, 100, short.call))).message,
    /fake: the answer is not the echo/,
  );
  const wrongFirst = fakeTransport((n) => (n === 0 ? new Uint8Array(32) : PAYLOAD));
  const error = await rejection(concurrentCalls('fake', PAYLOAD, 1, 10, wrongFirst.call));
  assert.match(error.message, /not the echo of the call \(32 bytes\)/);
});

test('after a failed call no caller starts another', async () => {
  let calls = 0;
  const call = async (): Promise<Uint8Array> => {
    const n = calls++;
    await tick();
    if (n === 10) throw new Error('transport broke');
    return PAYLOAD;
  };
  assert.match((await rejection(concurrentCalls('fake', PAYLOAD, 4, 1000, call))).message, /transport broke/);
  const atFailure = calls;
  for (let i = 0; i < 10; i++) await tick();
  assert.is(calls, atFailure, 'calls started after the failure');
  assert.ok(atFailure < 20, `calls=${atFailure}`);
});

test.run();
