/**
 * listen()'s answer when a channel's doorbell is already served: ListenError `AlreadyServing` when a process of this
 * user serves it, `Squatted` naming the uid and pid otherwise. Used by the section server (Windows, and the fake with
 * `clientSections`), which has no segment name to inspect: the doorbell is the channel's only name.
 *
 * Cross-process invariant relied on: who serves a doorbell is the kernel's word (`identity.pipeServerOf` for a pipe,
 * `SO_PEERCRED` through `probeDoorbell` for a socket), never what a process claims.
 */
import type { Credentials, NativeApi } from '../../native/contract.js';
import { ListenError } from '../errors.js';
import { probeDoorbell, who } from './doorbell-owner.js';

/** AlreadyServing (the holder is this user) or Squatted (another user), naming the holder. */
export function servedBy(native: NativeApi, channel: string, holder: Credentials, cause?: unknown): ListenError {
  if (holder.uid === native.identity.uid())
    return new ListenError('AlreadyServing', channel, `process ${holder.pid} already serves it`, cause);
  return new ListenError('Squatted', channel, `the doorbell is held by ${who(holder)}`, cause);
}

/**
 * Where the backend can ask who serves a pipe (Windows), throws servedBy's error when someone does, before listening:
 * Wine, unlike Windows, lets a second process create instances of a pipe another one serves, so EADDRINUSE alone
 * would not say it. A pipe whose every instance is busy is served too: DoorbellFailed, saying so.
 */
export function refuseIfServed(native: NativeApi, channel: string, path: string): void {
  const pipeServerOf = native.identity.pipeServerOf;
  if (!pipeServerOf) return;
  let holder: Credentials | null;
  try {
    holder = pipeServerOf(path);
  } catch (error) {
    throw new ListenError('DoorbellFailed', channel, `the doorbell is served already: ${(error as Error).message}`);
  }
  if (holder !== null) throw servedBy(native, channel, holder);
}

/** The ListenError for an `EADDRINUSE` on `path`: who holds it, when the doorbell can be asked; else DoorbellFailed. */
export async function addressInUse(
  native: NativeApi,
  channel: string,
  path: string,
  cause: Error,
): Promise<ListenError> {
  const failed = new ListenError('DoorbellFailed', channel, `doorbell: ${cause.message}`, cause);
  try {
    const holder = await probeDoorbell(native, path);
    return holder === null ? failed : servedBy(native, channel, holder, cause);
  } catch {
    return failed;
  }
}
