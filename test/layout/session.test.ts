import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { channelSegmentLength, initChannelSegment, readChannelSegment } from '../../src/layout/channel-segment.js';
import {
  CLIENT_PID_OFFSET,
  CLIENT_STATE_CLOSED,
  CLIENT_STATE_CONNECTED,
  CLIENT_STATE_NONE,
  CLIENT_STATE_OFFSET,
  CLOSE_FLAG_CLIENT_ABORTED,
  CLOSE_FLAG_CLIENT_CLOSED,
  CLOSE_FLAG_SERVER_ABORTED,
  CLOSE_FLAG_SERVER_CLOSED,
  CLOSE_FLAGS_OFFSET,
  GENERATION_OFFSET,
  SERVER_PID_OFFSET,
  SERVER_STATE_CLOSED,
  SERVER_STATE_CONNECTED,
  SERVER_STATE_LISTENING,
  SERVER_STATE_NONE,
  SERVER_STATE_OFFSET,
} from '../../src/layout/segment-descriptor.js';
import { ChannelSession } from '../../src/layout/session.js';

function channel(): { buffer: SharedArrayBuffer; data: DataView; session: ChannelSession } {
  const buffer = new SharedArrayBuffer(channelSegmentLength(1024));
  initChannelSegment(buffer, { ringCapacity: 1024, maxMessage: 1016, token: 7n, creatorPid: 1 });
  return { buffer, data: new DataView(buffer), session: new ChannelSession(buffer) };
}

const session = suite('ChannelSession');

session('a fresh segment has generation 0, no states, no pids, no close flags', () => {
  const { session } = channel();
  assert.equal(
    [
      session.generation,
      session.serverState,
      session.clientState,
      session.serverPid,
      session.clientPid,
      session.closeFlags,
    ],
    [0, 0, 0, 0, 0, 0],
  );
});

session('each field lands at its documented offset, little-endian', () => {
  const { data, session } = channel();
  session.serverState = SERVER_STATE_LISTENING;
  session.clientState = CLIENT_STATE_CONNECTED;
  session.serverPid = 0x01020304;
  session.clientPid = 0xfffffffe;
  assert.is(data.getUint32(SERVER_STATE_OFFSET, true), SERVER_STATE_LISTENING);
  assert.is(data.getUint32(CLIENT_STATE_OFFSET, true), CLIENT_STATE_CONNECTED);
  assert.is(data.getUint32(SERVER_PID_OFFSET, true), 0x01020304);
  assert.is(data.getUint32(CLIENT_PID_OFFSET, true), 0xfffffffe);
  assert.is(session.clientPid, 0xfffffffe, 'read back unsigned');
  session.serverState = SERVER_STATE_CONNECTED;
  assert.is(new ChannelSession(data.buffer).serverState, SERVER_STATE_CONNECTED, 'a second view sees it');
});

session('bumpGeneration returns the new value and wraps at 2^32', () => {
  const { data, session } = channel();
  assert.is(session.bumpGeneration(), 1);
  assert.is(session.bumpGeneration(), 2);
  assert.is(data.getUint32(GENERATION_OFFSET, true), 2);
  data.setUint32(GENERATION_OFFSET, 0xffffffff, true);
  assert.is(session.generation, 0xffffffff);
  assert.is(session.bumpGeneration(), 0);
});

session('markClosed sets bits without clearing the other side, clearClosed resets', () => {
  const { data, session } = channel();
  session.markClosed(1);
  session.markClosed(2);
  session.markClosed(1);
  assert.is(session.closeFlags, 3);
  assert.is(data.getUint32(CLOSE_FLAGS_OFFSET, true), 3);
  session.clearClosed();
  assert.is(session.closeFlags, 0);
});

session('the state values and CLOSE_FLAGS bits are the ones docs/LAYOUT.md section 3 gives a C peer', () => {
  assert.equal([SERVER_STATE_NONE, SERVER_STATE_LISTENING, SERVER_STATE_CONNECTED, SERVER_STATE_CLOSED], [0, 1, 2, 3]);
  assert.equal([CLIENT_STATE_NONE, CLIENT_STATE_CONNECTED, CLIENT_STATE_CLOSED], [0, 1, 2]);
  assert.equal(
    [CLOSE_FLAG_SERVER_CLOSED, CLOSE_FLAG_CLIENT_CLOSED, CLOSE_FLAG_SERVER_ABORTED, CLOSE_FLAG_CLIENT_ABORTED],
    [1 << 0, 1 << 1, 1 << 2, 1 << 3],
  );
});

session('the session line never touches the identity line or the ring table', () => {
  const { buffer, session } = channel();
  const before = readChannelSegment(buffer);
  session.bumpGeneration();
  session.serverState = 3;
  session.clientState = 2;
  session.serverPid = 0xffffffff;
  session.clientPid = 0xffffffff;
  session.markClosed(0xffffffff);
  assert.equal(readChannelSegment(buffer), before);
});

session.run();
