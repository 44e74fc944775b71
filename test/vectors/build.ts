/**
 * Builds the bytes of a golden vector from its inputs with rxshm's own encoders and layout code (never by hand), so
 * that comparing them with the committed `expect` line pins the library's bytes. Used by generate.ts (once, to
 * write the files) and by test/layout/vectors.test.ts (every run, against the committed files).
 *
 * Cross-process invariant pinned: the bytes of docs/LAYOUT.md sections 3 to 6 as every peer must read and write them.
 */
import { BATCH_ENTRY_HEADER_LENGTH, FrameC, batchEntryLength } from '../../src/codecs/index.js';
import { linuxDoorbellPath } from '../../src/native/doorbell.js';
import {
  ChannelSession,
  RingWriter,
  RING_FULL,
  channelSegmentLength,
  initChannelSegment,
  ringRegionLength,
  READ_POSITION_OFFSET,
  SEGMENT_HEADER_LENGTH,
  WRITE_POSITION_OFFSET,
} from '../../src/layout/index.js';
import { encodeSetupHello, encodeSetupReply } from '../../src/streams/handshake/setup-wire.js';
import type { Fields } from './format.js';

/** `offsetof(struct sockaddr_un, sun_path)` on Linux: the address length passed to bind/connect adds this. */
export const SUN_PATH_OFFSET = 2;

/** A channel segment built as a server builds it (docs/LAYOUT.md 3.1 and 5): session words, then the header. */
export function buildSegment(f: Fields): ArrayBuffer {
  const buffer = new ArrayBuffer(channelSegmentLength(f.int('ring_capacity')));
  const session = new ChannelSession(buffer);
  session.serverPid = f.int('server_pid');
  session.clientPid = f.int('client_pid');
  session.clientState = f.int('client_state');
  session.serverState = f.int('server_state');
  session.generation = f.int('generation');
  initChannelSegment(buffer, {
    ringCapacity: f.int('ring_capacity'),
    maxMessage: f.int('max_message'),
    token: f.u64('token'),
    creatorPid: f.int('creator_pid'),
  });
  session.markClosed(f.int('close_flags'));
  return buffer;
}

/** A ring region (header and data) whose positions both start at `start_position`, after the payloads are written. */
export function buildRing(f: Fields): Uint8Array {
  const capacity = f.int('capacity');
  const buffer = new ArrayBuffer(ringRegionLength(capacity));
  const words = new Int32Array(buffer);
  Atomics.store(words, WRITE_POSITION_OFFSET >> 2, f.int('start_position') | 0);
  Atomics.store(words, READ_POSITION_OFFSET >> 2, f.int('start_position') | 0);
  const writer = new RingWriter(buffer, 0, capacity, f.int('drop_oldest') === 1);
  for (const payload of f.allBytes('payload')) {
    const at = writer.tryClaim(payload.length);
    if (at === RING_FULL) throw new Error(`${f.vector.name}: the ring is full`);
    writer.bytes.set(payload, at);
    writer.commit(payload.length);
  }
  return new Uint8Array(buffer);
}

/** A Batch frame's payload (docs/LAYOUT.md 6, "Batch frames"): an entry per `message`, reserved words and padding 0. */
function batchPayload(f: Fields): Uint8Array {
  const messages = f.allBytes('message');
  const payload = new Uint8Array(messages.reduce((sum, m) => sum + batchEntryLength(m.length), 0));
  let at = 0;
  for (const message of messages) {
    new DataView(payload.buffer).setUint32(at, message.length, true);
    payload.set(message, at + BATCH_ENTRY_HEADER_LENGTH);
    at += batchEntryLength(message.length);
  }
  return payload;
}

/** The `expect` bytes of a vector of `type`, built from its inputs. */
export function buildExpected(f: Fields): Uint8Array {
  switch (f.text('type')) {
    case 'segment-header':
      return new Uint8Array(buildSegment(f), 0, SEGMENT_HEADER_LENGTH);
    case 'ring':
      return buildRing(f);
    case 'frame':
      return FrameC.encode({
        kind: f.int('kind') as never,
        flags: f.int('flags'),
        status: f.int('status'),
        correlation: f.int('correlation'),
        method: f.int('method'),
        payload: f.bytes('payload'),
      });
    case 'batch':
      return FrameC.encode({ kind: 9, flags: 0, status: 0, correlation: 0, method: 0, payload: batchPayload(f) });
    case 'hello2':
      return new Uint8Array(encodeSetupHello(f.int('pid')));
    case 'reply':
      return new Uint8Array(encodeSetupReply(f.int('status'), f.int('client_id')));
    case 'doorbell-address':
      return new Uint8Array(Buffer.from(linuxDoorbellPath(Buffer.from(f.bytes('name')).toString('utf8')), 'utf8'));
    default:
      throw new Error(`${f.vector.name}: no builder for type ${f.text('type')}`);
  }
}

/** Types whose `expect` is built from inputs; the others carry `bytes` and an expected decode outcome. */
export const BUILT_TYPES = ['segment-header', 'ring', 'frame', 'batch', 'hello2', 'reply', 'doorbell-address'];
