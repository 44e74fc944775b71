/**
 * The driver of the calls section (issue 12), shared by every contender so each is loaded the same way: `inFlight`
 * callers each await one call at a time until `operations` calls have been made, so `inFlight` calls are
 * outstanding until the last few (1: sequential). Every answer's length is checked, the first one's bytes too.
 */
import type { OpsSample } from './contender.js';
import { isPayload } from './payload.js';

/**
 * One repetition: resolves with the seconds `operations` calls took.
 *
 * @example
 * await concurrentCalls('unix-socket-rpc', payload, 64, 10_000, () => rpc.call(payload));
 */
export async function concurrentCalls(
  name: string,
  payload: Uint8Array,
  inFlight: number,
  operations: number,
  call: () => Promise<Uint8Array>,
): Promise<OpsSample> {
  let started = 0;
  let failed = false; // one caller's failure stops the others, so none keeps calling after the repetition ended
  const caller = async (): Promise<void> => {
    while (started < operations && !failed) {
      const first = started++ === 0;
      try {
        const answer = await call();
        if (answer.byteLength !== payload.byteLength || (first && !isPayload(answer)))
          throw new Error(`${name}: the answer is not the echo of the call (${answer.byteLength} bytes)`);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, operations)) }, caller));
  return { operations, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
