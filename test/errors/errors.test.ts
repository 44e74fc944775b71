/**
 * Every rxshm error follows one convention, set by RxshmError: `instanceof` the base (and each parent), `name` the
 * class's name, a string `code`, the facts in the message, `cause` through ES2022's option, a stack. The error
 * classes are found by scanning what every module of src/ exports, so a new class that forgot the base, or has no
 * sample below, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type * as t from 'io-ts';
import * as rxshm from '../../src/index.js';
import { RxshmError } from '../../src/index.js';
import { u8 } from '../../src/codecs/fields.js';
import { LayoutConfigError } from '../../src/layout/errors.js';
import {
  CreateSegmentError,
  MapSegmentError,
  OpenSegmentError,
  PeerCredentialsError,
  UnlinkSegmentError,
  UnsupportedPlatformError,
} from '../../src/native/errors.js';
import { SocketError } from '../../src/native/socket-errors.js';

const test = suite('errors');
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const E = constants.errno;

type ErrorClass = abstract new (...args: never[]) => Error;

/** One representative error of a class, what its code and message must be, and the cause it was given if any. */
interface Sample {
  readonly error: Error;
  readonly code: string;
  readonly message: string | RegExp;
  readonly cause?: unknown;
}

const decodeErrors = (): t.Errors => {
  const result = u8.decode(new Uint8Array(0));
  if (result._tag === 'Right') throw new Error('u8 decoded no bytes');
  return result.left;
};
const caught = new TypeError('what was caught');

/** A sample of every error class, by class name; a class without one fails 'every error class has a sample'. */
const SAMPLES: Readonly<Record<string, () => Sample>> = {
  LayoutConfigError: () => ({
    error: new LayoutConfigError('InvalidCapacity', 'capacity must be a power of two: capacity=1000'),
    code: 'InvalidCapacity',
    message: 'capacity must be a power of two: capacity=1000',
  }),
  SegmentHeaderError: () => ({
    error: new rxshm.SegmentHeaderError('BadMagic', 'bad magic: found=0x0, expected=0x52'),
    code: 'BadMagic',
    message: 'bad magic: found=0x0, expected=0x52',
  }),
  RingCorruptError: () => ({
    error: new rxshm.RingCorruptError('PositionOutOfRange', 'head=9 > tail=4'),
    code: 'PositionOutOfRange',
    message: 'head=9 > tail=4',
  }),
  DecodeError: () => ({
    error: new rxshm.DecodeError('u8', decodeErrors()),
    code: 'DecodeError',
    message: 'Unable to decode u8: <root>: expected 1 bytes for u8, got 0',
  }),
  EncodeError: () => ({
    error: new rxshm.EncodeError(u8, 300, caught),
    code: 'EncodeError',
    message: 'Unable to encode u8: what was caught',
    cause: caught,
  }),
  SegmentError: () => ({
    error: new rxshm.SegmentError('open', 'NotFound', { segment: 'rxshm.x', errno: E.ENOENT }),
    code: 'NotFound',
    message: 'Unable to open shared memory "rxshm.x" since it does not exist (ENOENT)',
  }),
  CreateSegmentError: () => ({
    error: new CreateSegmentError('AlreadyExists', { segment: 'rxshm.x', errno: E.EEXIST }),
    code: 'AlreadyExists',
    message: 'Unable to create shared memory "rxshm.x" since it already exists (EEXIST)',
  }),
  OpenSegmentError: () => ({
    error: new OpenSegmentError('InvalidSize', { segment: 'rxshm.x', detail: 'size=0' }),
    code: 'InvalidSize',
    message: 'Unable to open shared memory "rxshm.x" since the size is invalid (size=0)',
  }),
  UnlinkSegmentError: () => ({
    error: new UnlinkSegmentError('PermissionDenied', { segment: 'rxshm.x', errno: E.EACCES }),
    code: 'PermissionDenied',
    message: 'Unable to unlink shared memory "rxshm.x" since permission was denied (EACCES)',
  }),
  MapSegmentError: () => ({
    error: new MapSegmentError('InvalidHandle', {
      segment: null,
      subject: 'inherited fd 9',
      errno: E.EBADF,
      syscall: 'lseek',
    }),
    code: 'InvalidHandle',
    message: 'Unable to map inherited fd 9 since the handle is not an open, mappable file descriptor (lseek: EBADF)',
  }),
  PeerCredentialsError: () => ({
    error: new PeerCredentialsError(7, E.ENOTSOCK),
    code: 'InvalidHandle',
    message:
      'Unable to read the peer credentials of socket fd 7 since it is not a connected local socket ' +
      '(getsockopt: ENOTSOCK)',
  }),
  SocketError: () => ({
    error: new SocketError('connect', 'NotListening', { address: '\0rxshm.x', errno: E.ECONNREFUSED }),
    code: 'NotListening',
    message: 'Unable to connect "@rxshm.x" since nobody listens on the address (ECONNREFUSED)',
  }),
  SegmentArgumentError: () => ({
    error: new rxshm.SegmentArgumentError('InvalidOffset', 'wakeups: byteOffset must be a multiple of 4, got 6'),
    code: 'InvalidOffset',
    message: 'wakeups: byteOffset must be a multiple of 4, got 6',
  }),
  SegmentClosedError: () => ({
    error: new rxshm.SegmentClosedError('rxshm.x'),
    code: 'Closed',
    message: 'Unable to use shared memory "rxshm.x" since this handle is closed',
  }),
  UnsupportedPlatformError: () => ({
    error: new UnsupportedPlatformError('plan9-mips', caught),
    code: 'UnsupportedPlatform',
    message: 'rxshm has no native backend for platform "plan9-mips": what was caught',
    cause: caught,
  }),
  ChannelOptionsError: () => ({
    error: new rxshm.ChannelOptionsError('ringCapacity must be a power of two: ringCapacity=1000'),
    code: 'InvalidOption',
    message: 'ringCapacity must be a power of two: ringCapacity=1000',
  }),
  ConnectError: () => ({
    error: new rxshm.ConnectError('Refused', 'ticks', 'the segment is owned by uid 0, pid 42', caught),
    code: 'Refused',
    message: 'Unable to connect to channel "ticks": the segment is owned by uid 0, pid 42',
    cause: caught,
  }),
  ListenError: () => ({
    error: new rxshm.ListenError('Squatted', 'ticks', 'the doorbell is bound by uid 0, pid 42', caught),
    code: 'Squatted',
    message: 'Unable to listen on channel "ticks": the doorbell is bound by uid 0, pid 42',
    cause: caught,
  }),
  PeerExitedError: () => ({
    error: new rxshm.PeerExitedError('ticks', 42),
    code: 'PeerExited',
    message: 'The peer of channel "ticks" (pid 42) exited without closing',
  }),
  MalformedFrameError: () => ({
    error: new rxshm.MalformedFrameError('ticks', 'kind=99 is unknown'),
    code: 'MalformedFrame',
    message: 'Malformed frame on channel "ticks": kind=99 is unknown',
  }),
  MessageTooLargeError: () => ({
    error: new rxshm.MessageTooLargeError(5000, 4096),
    code: 'MessageTooLarge',
    message: 'Message too large: length=5000, maxMessage=4096; nothing was sent',
  }),
  RingFullError: () => ({
    error: new rxshm.RingFullError('ticks', 512),
    code: 'RingFull',
    message: 'Ring full on channel "ticks" under the reject policy: a message of 512 bytes was not sent',
  }),
  ConnectionClosedError: () => ({
    error: new rxshm.ConnectionClosedError('ticks', 'failed: its peer exited', caught),
    code: 'ConnectionClosed',
    message: 'Connection on channel "ticks" failed: its peer exited',
    cause: caught,
  }),
  ConnectionAbortedError: () => ({
    error: new rxshm.ConnectionAbortedError('ticks', 42),
    code: 'ConnectionAborted',
    message: 'The peer of channel "ticks" (pid 42) aborted the connection: messages it sent may be missing',
  }),
  RequestTimeoutError: () => ({
    error: new rxshm.RequestTimeoutError(7, 3, 250),
    code: 'RequestTimeout',
    message: 'Request 7 (method 3) got no response within 250 ms',
  }),
  RemoteError: () => ({
    error: new rxshm.RemoteError(rxshm.Status.BadRequest, 7, 3, 'bad request: price'),
    code: 'Remote',
    message: `Request 7 (method 3) failed with status ${rxshm.Status.BadRequest}: bad request: price`,
  }),
  StatusError: () => ({
    error: new rxshm.StatusError(rxshm.USER_STATUS_MIN, 'empty payload'),
    code: 'Status',
    message: 'empty payload',
  }),
};

/** The Error subclasses among a module's exports (RxshmError included). */
function errorClassesOf(exports: Record<string, unknown>): Map<string, ErrorClass> {
  const found = new Map<string, ErrorClass>();
  for (const value of Object.values(exports)) {
    if (typeof value === 'function' && value.prototype instanceof Error) found.set(value.name, value as ErrorClass);
  }
  return found;
}

/** The names of the classes whose prototype chain misses RxshmError. */
function withoutBase(classes: Map<string, ErrorClass>): string[] {
  return [...classes].filter(([, c]) => c !== RxshmError && !(c.prototype instanceof RxshmError)).map(([n]) => n);
}

/** Every module under src/, relative paths. */
const sourceFiles = (): string[] =>
  readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));

let scanned: Promise<Map<string, ErrorClass>> | undefined;

/** The error classes every module of src/ exports (a fresh map each call, over one scan). */
async function allErrorClasses(): Promise<Map<string, ErrorClass>> {
  scanned ??= (async () => {
    const all = new Map<string, ErrorClass>();
    for (const file of sourceFiles()) {
      const exports = (await import(pathToFileURL(path.join(SRC, file)).href)) as Record<string, unknown>;
      for (const [name, c] of errorClassesOf(exports)) all.set(name, c);
    }
    return all;
  })();
  return new Map(await scanned);
}

test('the scan finds a class that forgot the base, and every class of src/ has it', async () => {
  class Rogue extends Error {}
  assert.equal(withoutBase(errorClassesOf({ Rogue, RingFullError: rxshm.RingFullError })), ['Rogue']);
  const all = await allErrorClasses();
  assert.ok(all.size >= Object.keys(SAMPLES).length, `found only ${[...all.keys()].join(', ')}`);
  assert.equal(withoutBase(all), []);
});

test('no class in src/ extends Error directly except the base', () => {
  const direct = sourceFiles().filter((f) => /\bextends\s+Error\b/.test(readFileSync(path.join(SRC, f), 'utf8')));
  assert.equal(direct, [path.join('errors', 'rxshm-error.ts')]);
});

test('every error class has a sample, and every public one is exported from the package', async () => {
  const all = await allErrorClasses();
  all.delete('RxshmError');
  assert.equal([...all.keys()].sort(), Object.keys(SAMPLES).sort());
  const publicOnes = errorClassesOf(rxshm as Record<string, unknown>);
  assert.ok(publicOnes.has('RxshmError'), 'RxshmError is public, for `instanceof RxshmError`');
  for (const name of publicOnes.keys()) assert.ok(name === 'RxshmError' || name in SAMPLES, name);
});

for (const [className, sample] of Object.entries(SAMPLES)) {
  test(`${className}: base, name, code, message, cause, stack`, async () => {
    const { error, code, message, cause } = sample();
    const all = await allErrorClasses();
    const cls = all.get(className);
    assert.ok(cls, `${className} is exported by a module of src/`);
    assert.instance(error, cls);
    assert.instance(error, RxshmError);
    assert.instance(error, Error);
    assert.is(error.name, className);
    assert.is(error.constructor, cls, 'the sample is of this very class, not a subclass');
    assert.type((error as RxshmError).code, 'string');
    assert.is((error as RxshmError).code, code);
    if (typeof message === 'string') assert.is(error.message, message);
    else assert.match(error.message, message);
    if (cause === undefined) assert.not.ok('cause' in error, 'no cause given, none set');
    else assert.is(error.cause, cause);
    assert.type(error.stack, 'string');
    assert.ok(error.stack!.startsWith(`${className}: ${error.message}\n`), error.stack);
    assert.match(error.stack!, /errors\.test\.ts/, 'the stack shows where it was made');
  });
}

test('a class that takes a cause sets none when given none', () => {
  const errors = [
    new rxshm.ConnectError('Busy', 'ticks', 'a client is joining'),
    new rxshm.ListenError('AlreadyServing', 'ticks', 'pid 42 serves it'),
    new rxshm.ConnectionClosedError('ticks'),
    new rxshm.EncodeError(u8, 300),
    new UnsupportedPlatformError('plan9-mips'),
  ];
  for (const error of errors) {
    assert.not.ok('cause' in error, error.name);
    assert.not.ok(Object.prototype.hasOwnProperty.call(error, 'cause'), error.name);
  }
});

test('a subclass of a subclass: instanceof each parent, name of its own class', () => {
  const error = new CreateSegmentError('NoSpace', { segment: 'rxshm.x', errno: E.ENOSPC });
  for (const parent of [CreateSegmentError, rxshm.SegmentError, RxshmError, Error]) assert.instance(error, parent);
  assert.not.instance(error, OpenSegmentError);
  assert.is(error.name, 'CreateSegmentError');
});

test('the base: name from the class, code, cause through the ES2022 option', () => {
  class ExampleError extends RxshmError<'Example'> {
    constructor(cause?: unknown) {
      super('Example', 'facts: n=1', { cause });
    }
  }
  const plain = new ExampleError();
  assert.is(plain.name, 'ExampleError');
  assert.is(plain.code, 'Example');
  assert.is(plain.message, 'facts: n=1');
  assert.not.ok('cause' in plain);
  assert.is(new ExampleError(caught).cause, caught);
  assert.is(String(plain), 'ExampleError: facts: n=1');
});

test.run();
