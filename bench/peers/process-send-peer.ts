/** Peer of the process-send contenders: echo each IPC message (decoded to bytes and re-encoded), or count. */
import { Counter, serveControl } from '../lib/peer-side.js';

const json = process.argv[2] === 'json';
const counter = new Counter();
process.on('message', (message: unknown) => {
  const bytes = typeof message === 'string' ? Buffer.from(message, 'base64') : (message as Uint8Array);
  if (counter.counting) counter.add();
  else process.send!(json ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : bytes);
});
process.on('disconnect', () => process.exit(0));
serveControl({
  expect: (c) => counter.expect(Number(c['count'])),
  wait: () => counter.wait(),
}).ready();
