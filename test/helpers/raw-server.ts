/**
 * A hand-made server of this user on a channel's doorbell, built from the raw sockets (native.sockets): it answers
 * each client's HELLO2 however the test says (a reply with a crafted segment, a refusal, silence), so connect()
 * can be shown what a hostile or broken server does. Linux only; its sockets close when the test's scope ends.
 */
import { native, type Segment } from '../../src/native/index.js';
import { SETUP_ACCEPTED, encodeSetupReply } from '../../src/streams/handshake/setup-wire.js';
import { receiveNext, sockets } from '../fixtures/native-fd-steps.js';
import type { Watch } from './watched.js';

/** Listens on channel `name`'s doorbell at once; `answer` is called with each client's socket after its hello. */
export function rawServer(scope: Watch, name: string, answer: (fd: number) => void): void {
  const s = sockets();
  const listener = s.listen(native.doorbellPath(name));
  const open = [listener];
  let stopped = false;
  scope.defer(() => {
    stopped = true;
    for (const fd of open) s.close(fd);
  });
  void (async () => {
    while (!stopped) {
      // Closing the listener at the end fails the pending wait (InvalidHandle): that ends the loop.
      const ready = await s.waitReadable(listener, 50).catch(() => 'closed');
      if (ready !== 'readable' || stopped) continue;
      const fd = s.accept(listener);
      if (fd === null) continue;
      open.push(fd);
      const hello = await receiveNext(fd, 16).catch(() => null);
      if (hello && !stopped) answer(fd);
    }
  })();
}

/**
 * An answer that accepts with a fresh segment of `size` bytes (sealed unless `sealed` is false), shaped by `shape`
 * (write a header, corrupt a ring...), then closes this process's handle of it.
 */
export const acceptWith =
  (shape: (segment: Segment) => void, { sealed = true, size = 65536 } = {}) =>
  (fd: number): void => {
    const segment = sealed ? native.segments.createSealed(size) : native.segments.createAnonymous(size);
    shape(segment);
    sockets().send(fd, encodeSetupReply(SETUP_ACCEPTED, 0), segment.fd);
    segment.close();
  };
