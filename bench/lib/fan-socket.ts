/**
 * The Unix-socket side of the many-clients bench: one `net` server, one socket per client, length-framed as the
 * unix-socket contender (frames.ts: a frame built per message). Broadcast is a fan-out loop: one frame per message
 * written to every socket, waiting for 'drain' on those whose `write()` returned false.
 */
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameReader } from './frames.js';
import { allChecked, SizeWatch, type FanServer, type GreetingServer } from './fan-server.js';
import { NumberedCheck, numbered } from './numbered.js';

async function listening(server: Server, path: string): Promise<void> {
  server.listen(path);
  await once(server, 'listening');
}

async function stop(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(path, { force: true });
}

/** Listens on `path`; every accepted socket is read and checked from the start. */
export async function socketFanServer(path: string): Promise<FanServer> {
  const checks = new Map<Socket, NumberedCheck>();
  const watch = new SizeWatch(() => checks.size);
  const server = createServer((socket) => {
    const check = new NumberedCheck();
    const reader = new FrameReader((frame) => check.add(frame));
    checks.set(socket, check);
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', (e) => check.fail(`socket: ${e.message}`));
    socket.on('close', () => {
      checks.delete(socket);
      watch.changed();
    });
    watch.changed();
  });
  await listening(server, path);
  return {
    transport: 'socket',
    address: path,
    arrivals: (n) => watch.until(n),
    fanIn: (perClient, size) =>
      allChecked(
        [...checks.values()].map((check) => check.reset(perClient, size).done()),
        'socket fan-in',
      ),
    async broadcast(count, size) {
      const targets = [...checks.keys()];
      const bytes = new Uint8Array(size);
      for (let seq = 0; seq < count; seq++) {
        // A fresh frame per message: a socket that cannot take it now keeps a reference until it can.
        const frame = encodeFrame(numbered(bytes, seq));
        let blocked: Socket[] | undefined;
        for (const socket of targets) if (!socket.write(frame)) (blocked ??= []).push(socket);
        if (blocked) await Promise.all(blocked.map((socket) => once(socket, 'drain')));
      }
    },
    departures: () => watch.until(0),
    async close() {
      for (const socket of checks.keys()) socket.destroy();
      await stop(server, path);
    },
  };
}

/** Greets each client on `path` with message 0 of `size` bytes; a socket closes when its client ends it. */
export async function socketGreetingServer(path: string, size: number): Promise<GreetingServer> {
  const greeting = numbered(new Uint8Array(size), 0);
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // a client gone early: nothing to measure on this side
    socket.resume(); // read, so the client's end is seen and this side ends too
    socket.write(encodeFrame(greeting));
  });
  await listening(server, path);
  return { address: path, close: () => stop(server, path) };
}
