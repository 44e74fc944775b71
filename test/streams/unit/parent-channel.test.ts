/**
 * RXSHM_PARENT's three forms (parent-channel.ts): "3,4" (two inherited fds, Linux), "@segmentName,4" (spawnConnected
 * on Windows: the section by name, the doorbell inherited) and "@segmentName,@pipeName" (nativeChannel on Windows:
 * the doorbell a one-shot named pipe by name). Each is written by parentChannelEnvValue and read back by
 * parseParentChannelEnv; anything else, names of another form included, parses as null.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  nativePipeName,
  parentChannelEnvValue,
  parseParentChannelEnv,
  spawnSegmentName,
} from '../../../src/streams/channel/parent-channel.js';

const test = suite('parent channel environment');

const HEX = '00112233445566778899aabbccddeeff';
const SEGMENT = `rxshm.spawn.${HEX}`;
const PIPE = `\\\\.\\pipe\\rxshm.native.${HEX}`;
const bytes = Uint8Array.from(Buffer.from(HEX, 'hex'));

test('the names carry 128 random bits as 32 hex digits', () => {
  assert.is(spawnSegmentName(bytes), SEGMENT);
  assert.is(nativePipeName(bytes), PIPE);
  assert.is(PIPE.length, 54, String.raw`\\.\pipe\ then rxshm.native. then 32 digits`);
});

test('each form round-trips through parentChannelEnvValue and parseParentChannelEnv', () => {
  assert.is(parentChannelEnvValue(), '3,4');
  assert.equal(parseParentChannelEnv('3,4'), { segmentFd: 3, doorbellFd: 4 });
  assert.is(parentChannelEnvValue(SEGMENT), `@${SEGMENT},4`);
  assert.equal(parseParentChannelEnv(`@${SEGMENT},4`), { segmentFd: -1, doorbellFd: 4, segmentName: SEGMENT });
  assert.is(parentChannelEnvValue(SEGMENT, PIPE), `@${SEGMENT},@${PIPE}`);
  assert.equal(parseParentChannelEnv(`@${SEGMENT},@${PIPE}`), {
    segmentFd: -1,
    doorbellFd: -1,
    segmentName: SEGMENT,
    pipeName: PIPE,
  });
});

test('malformed values and names of any other form parse as null', () => {
  const bad = [
    undefined,
    '',
    '3',
    '1,4',
    '3,4,5',
    `@${SEGMENT},2`,
    `@rxshm.spawn.${HEX.slice(1)},4`,
    `@${SEGMENT},@${PIPE}0`, // 33 digits
    `@${SEGMENT},@${PIPE.slice(0, -1)}`, // 31 digits
    `@${SEGMENT},@${PIPE.toUpperCase()}`,
    `@${SEGMENT},@${PIPE.replace('native', 'spawn')}`,
    `@${SEGMENT},@\\\\.\\pipe\\rxshm.native.${'g'.repeat(32)}`,
    `@${SEGMENT},@//./pipe/rxshm.native.${HEX}`, // forward slashes
    `@${SEGMENT},@\\\\server\\pipe\\rxshm.native.${HEX}`, // another machine's pipe
    `@${SEGMENT},@\\\\.\\pipe\\x\\rxshm.native.${HEX}`,
    `@rxshm.native.${HEX},@${PIPE}`, // the segment must be a spawn section name
    `@${SEGMENT},@${PIPE},4`,
    `${PIPE},@${SEGMENT}`,
    `3,@${PIPE}`,
    `@${PIPE},@${PIPE}`,
    ` @${SEGMENT},@${PIPE}`,
    `@${SEGMENT},@${PIPE}\n`,
  ];
  for (const value of bad) assert.is(parseParentChannelEnv(value), null, JSON.stringify(value));
});

test.run();
