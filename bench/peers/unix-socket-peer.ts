/** Peer of the unix-socket contender: connect to argv[2]; echo frames, or count them in throughput mode. */
import { connect } from 'node:net';
import { encodeFrame, FrameReader } from '../lib/frames.js';
import { Counter, serveControl } from '../lib/peer-side.js';

const counter = new Counter();
const socket = connect(process.argv[2]!);
const reader = new FrameReader((frame) => {
  if (counter.counting) counter.add();
  else socket.write(encodeFrame(frame));
});
socket.on('data', (chunk: Buffer) => reader.push(chunk));
socket.on('close', () => process.exit(0));
const control = serveControl({
  expect: (c) => counter.expect(Number(c['count'])),
  wait: () => counter.wait(),
});
socket.on('connect', () => control.ready());
