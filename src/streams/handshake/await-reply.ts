/**
 * Waiting for the server's REPLY on a raw, non-blocking socket without blocking the JS thread: `receive` first
 * (after one turn the reply is usually there), then readiness waits on the libuv threadpool, each at most
 * MAX_SOCKET_WAIT_MS, until the deadline.
 *
 * Cross-process invariants relied on: the descriptor, if any, comes with the reply's first byte (SCM_RIGHTS), and
 * `receive` closes every descriptor of a malformed control message; a later descriptor is a protocol violation
 * and is closed here.
 */
import { MAX_SOCKET_WAIT_MS, type LocalSocketApi } from '../../native/socket-contract.js';
import { SETUP_MESSAGE_LENGTH } from './setup-wire.js';

/** The reply's bytes and the descriptor that came with them; or how the wait ended without one. */
export type AwaitedReply =
  | { readonly kind: 'reply'; readonly bytes: Uint8Array; readonly fd: number | null }
  | { readonly kind: 'ended' | 'timed out' };

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads SETUP_MESSAGE_LENGTH bytes from `fd`; stops early when `cancelled()` says so (the result is then moot). */
export async function awaitReply(
  sockets: LocalSocketApi,
  fd: number,
  deadline: number,
  cancelled: () => boolean,
): Promise<AwaitedReply> {
  const bytes = new Uint8Array(SETUP_MESSAGE_LENGTH);
  let got = 0;
  let passed: number | null = null;
  await turn();
  while (!cancelled()) {
    const message = sockets.receive(fd, SETUP_MESSAGE_LENGTH - got);
    if (message === null) {
      const left = deadline - Date.now();
      if (left <= 0) return closing(sockets, passed, { kind: 'timed out' });
      if ((await sockets.waitReadable(fd, Math.min(left, MAX_SOCKET_WAIT_MS))) === 'hangup')
        return closing(sockets, passed, { kind: 'ended' });
      continue;
    }
    if (message.ended) return closing(sockets, passed, { kind: 'ended' });
    if (message.fd !== null) {
      if (got > 0 || passed !== null) {
        sockets.close(message.fd);
        return closing(sockets, passed, { kind: 'ended' });
      }
      passed = message.fd;
    }
    bytes.set(message.bytes, got);
    got += message.bytes.length;
    if (got === SETUP_MESSAGE_LENGTH) return { kind: 'reply', bytes, fd: passed };
  }
  return closing(sockets, passed, { kind: 'ended' });
}

function closing(sockets: LocalSocketApi, fd: number | null, outcome: AwaitedReply): AwaitedReply {
  if (fd !== null) sockets.close(fd);
  return outcome;
}
