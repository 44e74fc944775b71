/**
 * The setup both Unix-socket contenders share: listen on a path in the run's temp dir, start the Node peer that
 * connects to it, take its one connection and stop listening (one connection is all a contender needs).
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { startNodePeer } from './peer.js';

/** The accepted socket, its path and the peer that connected. */
export async function acceptNodePeer(tmpDir: string, file: string, peerScript: string) {
  const path = join(tmpDir, file);
  const server = createServer();
  server.listen(path);
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const peer = await startNodePeer(peerScript, [path]).catch((e: unknown) => {
    server.close();
    throw e;
  });
  const [socket] = await accepted;
  server.close(); // closing early frees the path
  return { path, socket, peer };
}
