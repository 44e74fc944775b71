import { constants } from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CreateSegmentError,
  ERRNO_TABLE,
  errnoName,
  MapSegmentError,
  OpenSegmentError,
  PeerCredentialsError,
  SegmentClosedError,
  SegmentError,
  UnlinkSegmentError,
  UnsupportedPlatformError,
} from '../../src/native/index.js';
import { segmentErrorFromErrno } from '../../src/native/errors.js';

const test = suite('native errors');
const E = constants.errno;

test('message form names the segment, the reason and the errno', () => {
  const e = segmentErrorFromErrno('create', E.EEXIST, 'name', { segment: 'rxshm.x' });
  assert.instance(e, CreateSegmentError);
  assert.instance(e, SegmentError);
  assert.is(e.message, 'Unable to create shared memory "rxshm.x" since it already exists (EEXIST)');
  assert.is(e.code, 'AlreadyExists');
  assert.is(e.segment, 'rxshm.x');
  assert.is(e.errno, E.EEXIST);
});

test('one class per operation', () => {
  assert.instance(segmentErrorFromErrno('open', E.ENOENT, 'name', { segment: 'x' }), OpenSegmentError);
  assert.instance(segmentErrorFromErrno('unlink', E.ENOENT, 'name', { segment: 'x' }), UnlinkSegmentError);
  const map = segmentErrorFromErrno('map', E.EBADF, 'size', {
    segment: null,
    subject: 'inherited shared memory fd 9',
    syscall: 'lseek',
  });
  assert.instance(map, MapSegmentError);
  assert.is(
    map.message,
    'Unable to map inherited shared memory fd 9 since the handle is not an open, mappable file descriptor (lseek: EBADF)',
  );
});

test('the errno table: EINVAL depends on the call, unknown errnos keep their number', () => {
  const code = (errno: number, kind: 'name' | 'size'): string =>
    segmentErrorFromErrno('create', errno, kind, { segment: 'x' }).code;
  assert.is(code(E.EACCES, 'name'), 'PermissionDenied');
  assert.is(code(E.EPERM, 'name'), 'PermissionDenied');
  assert.is(code(E.EINVAL, 'name'), 'InvalidName');
  assert.is(code(E.EINVAL, 'size'), 'TooLarge');
  assert.is(code(E.ENAMETOOLONG, 'name'), 'NameTooLong');
  for (const big of [E.EFBIG, E.ENOMEM]) assert.is(code(big, 'size'), 'TooLarge');
  assert.is(code(E.ENOSPC, 'size'), 'NoSpace', 'a full /dev/shm is not a size problem');
  const full = segmentErrorFromErrno('create', E.ENOSPC, 'size', {
    segment: 'rxshm.x',
    detail: 'size=134221824',
    syscall: 'posix_fallocate',
  });
  assert.is(
    full.message,
    'Unable to create shared memory "rxshm.x" since the shared-memory file system has not enough free space (size=134221824) (posix_fallocate: ENOSPC)',
  );
  assert.is(code(E.EMFILE, 'name'), 'TooManyHandles');
  const unknown = segmentErrorFromErrno('open', E.EIO, 'name', { segment: 'x' });
  assert.is(unknown.code, 'Unknown');
  assert.is(unknown.errno, E.EIO);
  assert.ok(unknown.message.endsWith('(EIO)'), unknown.message);
  assert.is(errnoName(99999), 'errno 99999');
  for (const name of Object.keys(ERRNO_TABLE))
    assert.type(E[name as keyof typeof E], 'number', `${name} exists on this OS`);
});

test('PeerCredentialsError: InvalidHandle for a bad fd or a socket that is not one, with the errno', () => {
  const notSocket = new PeerCredentialsError(7, E.ENOTSOCK);
  assert.is(notSocket.code, 'InvalidHandle');
  assert.is(
    notSocket.message,
    'Unable to read the peer credentials of socket fd 7 since it is not a connected local socket (getsockopt: ENOTSOCK)',
  );
  assert.is(
    new PeerCredentialsError(-1, undefined, 'expected a non-negative integer fd').message,
    'Unable to read the peer credentials of socket fd -1 since it is not a connected local socket (expected a non-negative integer fd)',
  );
  assert.is(new PeerCredentialsError(3, E.EIO).code, 'Unknown');
});

test('SegmentClosedError and UnsupportedPlatformError', () => {
  const closed = new SegmentClosedError('x');
  assert.is(closed.code, 'Closed');
  assert.is(closed.message, 'Unable to use shared memory "x" since this handle is closed');
  const unsupported = new UnsupportedPlatformError('aix', new Error('no koffi'));
  assert.is(unsupported.code, 'UnsupportedPlatform');
  assert.match(unsupported.message, /"aix": no koffi/);
});

test.run();
