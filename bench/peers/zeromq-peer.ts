/**
 * Peer of the zeromq contender: a ROUTER bound to argv[2] (an ipc:// endpoint) that answers every call
 * `[correlation id, payload]` from a DEALER with `[correlation id, handler(payload)]` (an async echo), in the
 * receive-then-send loop zeromq's guide shows.
 */
import { Router } from 'zeromq';
import { serveControl } from '../lib/peer-side.js';

const handler = async (payload: Buffer): Promise<Uint8Array> => payload;

const router = new Router({ linger: 0 });
await router.bind(process.argv[2]!);
serveControl({}).ready();
for await (const [identity, id, payload] of router) {
  if (!identity || !id || !payload) throw new Error(`zeromq peer: a call has 3 parts: identity, id, payload`);
  await router.send([identity, id, await handler(payload)]);
}
