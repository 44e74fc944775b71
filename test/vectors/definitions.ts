/**
 * The inputs of every golden vector whose bytes are built by rxshm's encoders (build.ts), with what each pins. The
 * malformed vectors (bytes a reader must refuse) are in malformed.ts. generate.ts writes both once; the test never
 * regenerates.
 *
 * Cross-process invariant pinned: docs/LAYOUT.md sections 3 to 6, as test/vectors/README.md lists per vector.
 */
import { FrameC } from '../../src/codecs/index.js';

/** A vector before its bytes are built: name, comment lines, input fields in file order. */
export interface Definition {
  readonly name: string;
  readonly about: readonly string[];
  readonly inputs: readonly (readonly [string, string | number | bigint])[];
}

const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex') || '-';
const hex = (bytes: Uint8Array | number[]): string => Buffer.from(Uint8Array.from(bytes)).toString('hex') || '-';
const dataFrame = (text: string): string =>
  hex(FrameC.encode({ kind: 1, flags: 0, status: 0, correlation: 0, method: 0, payload: Buffer.from(text, 'utf8') }));

function header(
  name: string,
  about: string[],
  capacity: number,
  maxMessage: number,
  session: [generation: number, serverState: number, clientState: number, serverPid: number, clientPid: number],
  closeFlags: number,
  token: bigint,
): Definition {
  const [generation, serverState, clientState, serverPid, clientPid] = session;
  return {
    name,
    about,
    inputs: [
      ['type', 'segment-header'],
      ['ring_capacity', capacity],
      ['segment_size', 256 + 2 * (128 + capacity)],
      ['max_message', maxMessage],
      ['creator_pid', 4242],
      ['token', token],
      ['generation', generation],
      ['server_state', serverState],
      ['client_state', clientState],
      ['server_pid', serverPid],
      ['client_pid', clientPid],
      ['close_flags', closeFlags],
    ],
  };
}

function ring(name: string, about: string[], start: number, payloads: string[], dropOldest = 0): Definition {
  return {
    name,
    about,
    inputs: [
      ['type', 'ring'],
      ['capacity', 1024],
      ['max_message', 1016],
      ['drop_oldest', dropOldest],
      ['start_position', start],
      ...payloads.map((p) => ['payload', p] as const),
    ],
  };
}

function frame(name: string, about: string[], kind: number, ids: [number, number, number], payload = '-'): Definition {
  const [status, correlation, method] = ids;
  return {
    name,
    about,
    inputs: [
      ['type', 'frame'],
      ['kind', kind],
      ['flags', 0],
      ['status', status],
      ['correlation', correlation],
      ['method', method],
      ['payload', payload],
    ],
  };
}

function address(name: string, about: string[], channel: string): Definition {
  // Written out here, not taken from the code: a NUL, then "rxshm.<name>" if that is at most 106 bytes, else 39 bytes.
  const plain = Buffer.byteLength(`rxshm.${channel}`, 'utf8');
  const length = plain <= 106 ? 1 + plain : 1 + 'rxshm.#'.length + 32;
  return {
    name,
    about,
    inputs: [
      ['type', 'doorbell-address'],
      ['name', utf8(channel)],
      ['expect_sockaddr_length', 2 + length],
    ],
  };
}

const S3 = 'pins docs/LAYOUT.md section 3 (segment header) and 3.1 (creating)';
const S4 = 'pins docs/LAYOUT.md section 4.1 (ring header), 4.2 (records) and 4.3 (producer)';
const S6 = 'pins docs/LAYOUT.md section 6 (frames)';
const S5 = 'pins docs/LAYOUT.md section 5 (doorbell and handshake)';

/** Every built vector, in the order generate.ts writes them. */
export const DEFINITIONS: readonly Definition[] = [
  header(
    'segment-header-fresh',
    [S3, 'a channel header as 3.1 writes it, the session line left zero'],
    1024,
    1016,
    [0, 0, 0, 0, 0],
    0,
    0x0123456789abcdefn,
  ),
  header(
    'segment-header-accepted',
    [S3, 'and section 5: the session line a server writes before MAGIC for its third client'],
    65536,
    4096,
    [3, 2, 1, 4242, 4343],
    0,
    0xffffffffffffffffn,
  ),
  header(
    'segment-header-closed',
    [S3, 'and section 5 (close and death): CLOSE_FLAGS = server closed (1) | client aborted (8)'],
    1024,
    100,
    [1, 2, 1, 4242, 4343],
    9,
    1n,
  ),
  ring(
    'ring-data-record',
    [S4, 'one record carrying a Data frame with the payload "hello", written at position 0'],
    0,
    [dataFrame('hello')],
  ),
  ring(
    'ring-record-alignment',
    [
      S4,
      'payloads of 0, 7, 8 and 9 bytes: record sizes 8, 16, 16, 24 (alignment bytes zero here; unspecified in general)',
    ],
    0,
    ['-', hex([1, 2, 3, 4, 5, 6, 7]), hex([1, 2, 3, 4, 5, 6, 7, 8]), hex([1, 2, 3, 4, 5, 6, 7, 8, 9])],
  ),
  ring(
    'ring-padding-at-wrap',
    [
      S4,
      'positions start at 1000: a 20-byte frame (record 32) does not fit in the last 24 bytes, so a padding record (LENGTH 16, TYPE 0) fills them and the record goes to offset 0',
    ],
    1000,
    [dataFrame('wrap')],
  ),
  ring(
    'ring-padding-empty-position-wrap',
    [
      S4,
      'positions start at 2^32 - 8 (offset 1016): an empty padding record (LENGTH 0), then the record at offset 0; WRITE_POSITION wraps modulo 2^32 to 16',
    ],
    4294967288,
    [hex([0xa1, 0xa2, 0xa3, 0xa4])],
  ),
  ring(
    'ring-largest-record',
    [S4, 'the largest payload, C - 8 = 1016 bytes: one record fills the whole data area'],
    0,
    [hex(Array.from({ length: 1016 }, (_, i) => (i * 7 + 3) & 0xff))],
  ),
  ring(
    'ring-drop-oldest-flag',
    [S4, 'and 4.7: a producer under drop-oldest sets PRODUCER_FLAGS bit 0 before its first publish'],
    64,
    [dataFrame('x')],
    1,
  ),
  frame('frame-data', [S6, 'kind 1 Data with user bytes'], 1, [0, 0, 0], utf8('hello, rxshm')),
  frame('frame-data-empty', [S6, 'kind 1 Data with an empty payload'], 1, [0, 0, 0]),
  frame(
    'frame-request',
    [S6, 'kind 2 Request: correlation 7 calls method 3'],
    2,
    [0, 7, 3],
    hex([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  ),
  frame(
    'frame-request-max-ids',
    [S6, 'kind 2 Request with correlation and method 2^32 - 1 (u32 little-endian)'],
    2,
    [0, 0xffffffff, 0xffffffff],
  ),
  frame('frame-response', [S6, 'kind 3 Response to correlation 7'], 3, [0, 7, 0], utf8('{"sum":3}')),
  frame(
    'frame-error',
    [S6, 'kind 4 Error: status 2 (HandlerError), correlation 7, a UTF-8 message'],
    4,
    [2, 7, 0],
    utf8('boom: ü'),
  ),
  frame(
    'frame-error-user-status',
    [S6, 'kind 4 Error with the application status 300 (u16 little-endian), empty message'],
    4,
    [300, 0x01020304, 0],
  ),
  frame('frame-liveness-check', [S6, 'kind 5 LivenessCheck, correlation 1'], 5, [0, 1, 0]),
  frame('frame-alive', [S6, 'kind 6 Alive answering correlation 1'], 6, [0, 1, 0]),
  frame('frame-close', [S6, 'kind 7 Close'], 7, [0, 0, 0]),
  frame('frame-cancel', [S6, 'kind 8 Cancel of correlation 7'], 8, [0, 7, 0]),
  {
    name: 'frame-batch',
    about: [
      'pins docs/LAYOUT.md section 6 (frames), "Batch frames": kind 9, only to a consumer that set CONSUMER_FLAGS bit 0',
      'three messages of 5, 0 and 12 bytes: entries of 16, 8 and 24 bytes (LENGTH, reserved 0, message, zero padding)',
      'a receiver delivers them in order, each as a Data frame of its own',
    ],
    inputs: [
      ['type', 'batch'],
      ['message', utf8('hello')],
      ['message', '-'],
      ['message', utf8('batch, rxshm')],
    ],
  },
  {
    name: 'hello2',
    about: [S5, 'HELLO2 from a client of pid 4343'],
    inputs: [
      ['type', 'hello2'],
      ['pid', 4343],
    ],
  },
  {
    name: 'reply-accepted',
    about: [S5, 'REPLY status 0 (accepted), clientId 3; the segment fd travels with its first byte'],
    inputs: [
      ['type', 'reply'],
      ['status', 0],
      ['client_id', 3],
    ],
  },
  {
    name: 'reply-busy',
    about: [S5, 'REPLY status 1 (busy), clientId 0, no fd'],
    inputs: [
      ['type', 'reply'],
      ['status', 1],
      ['client_id', 0],
    ],
  },
  {
    name: 'reply-bad-hello',
    about: [S5, 'REPLY status 3 (bad hello)'],
    inputs: [
      ['type', 'reply'],
      ['status', 3],
      ['client_id', 0],
    ],
  },
  {
    name: 'reply-closing',
    about: [S5, 'REPLY status 4 (server closing)'],
    inputs: [
      ['type', 'reply'],
      ['status', 4],
      ['client_id', 0],
    ],
  },
  {
    name: 'reply-refused',
    about: [S5, 'REPLY status 5 (refused: no memory for the segment)'],
    inputs: [
      ['type', 'reply'],
      ['status', 5],
      ['client_id', 0],
    ],
  },
  address(
    'doorbell-address-plain',
    [S5, 'the abstract address of channel "chat": a NUL, then "rxshm.chat", no terminator'],
    'chat',
  ),
  address('doorbell-address-utf8', [S5, 'a channel name outside ASCII is used as its UTF-8 bytes'], 'café ☕'),
  address(
    'doorbell-address-longest-plain',
    [S5, 'a 100-byte name: "rxshm." + name is 106 bytes, the longest kept as is'],
    'a'.repeat(100),
  ),
  address(
    'doorbell-address-hashed',
    [S5, 'a 101-byte name: "\\0rxshm.#" + the first 32 hex digits of SHA-256(name)'],
    'a'.repeat(101),
  ),
];
