/**
 * Assertions the suites share: the two sides of an io-ts Validation (failing with the PathReporter lines), and a
 * synchronous throw of a typed error with its code.
 */
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import * as assert from 'uvu/assert';

/** The value of a Right, failing the test with the PathReporter lines on a Left. */
export function right<A>(result: t.Validation<A>): A {
  if (result._tag === 'Left') assert.unreachable(`expected Right, got Left: ${PathReporter.report(result).join('; ')}`);
  return (result as { right: A }).right;
}

/** The PathReporter lines of a Left, failing the test on a Right. */
export function leftLines<A>(result: t.Validation<A>): string[] {
  if (result._tag === 'Right') assert.unreachable(`expected Left, got Right: ${String(result.right)}`);
  return PathReporter.report(result);
}

/** Asserts that `fn` throws an instance of `type` with `code`, and returns the error for further checks. */
export function expectError<E extends Error & { code: string }>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  code: E['code'],
): E {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${String(error)}`);
    if (error.code !== code) throw new Error(`expected code=${code}, got code=${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`expected ${type.name} ${code}, nothing was thrown`);
}
