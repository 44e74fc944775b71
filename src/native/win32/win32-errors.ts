/**
 * Win32 error codes (`GetLastError`) as the errno names of the one table every backend shares (`ERRNO_TABLE` in
 * ../errors.ts), so a Windows failure carries the same `code` as the Linux one: ERROR_ALREADY_EXISTS is EEXIST,
 * hence `AlreadyExists`, everywhere.
 *
 * Cross-process invariants relied on: none; the Win32 number is kept in the message (`detail`), the errno of the
 * error is this OS's number for the mapped name (`os.constants.errno`).
 */
import { constants } from 'node:os';
import { segmentErrorFromErrno, type SegmentError, type SegmentErrorFacts, type SegmentOperation } from '../errors.js';

/** Win32 error -> [its symbolic name, the errno name it means here]. */
export const WIN32_ERROR_TABLE: Readonly<Record<number, readonly [win32: string, errno: string]>> = {
  2: ['ERROR_FILE_NOT_FOUND', 'ENOENT'],
  3: ['ERROR_PATH_NOT_FOUND', 'ENOENT'],
  4: ['ERROR_TOO_MANY_OPEN_FILES', 'EMFILE'],
  5: ['ERROR_ACCESS_DENIED', 'EACCES'],
  6: ['ERROR_INVALID_HANDLE', 'EBADF'],
  8: ['ERROR_NOT_ENOUGH_MEMORY', 'ENOMEM'],
  14: ['ERROR_OUTOFMEMORY', 'ENOMEM'],
  87: ['ERROR_INVALID_PARAMETER', 'EINVAL'],
  112: ['ERROR_DISK_FULL', 'ENOSPC'],
  123: ['ERROR_INVALID_NAME', 'EINVAL'],
  161: ['ERROR_BAD_PATHNAME', 'EINVAL'],
  183: ['ERROR_ALREADY_EXISTS', 'EEXIST'],
  206: ['ERROR_FILENAME_EXCED_RANGE', 'ENAMETOOLONG'],
  1314: ['ERROR_PRIVILEGE_NOT_HELD', 'EPERM'],
  1450: ['ERROR_NO_SYSTEM_RESOURCES', 'ENOMEM'],
  1455: ['ERROR_COMMITMENT_LIMIT', 'ENOSPC'],
};

export const ERROR_ACCESS_DENIED = 5;
export const ERROR_INVALID_PARAMETER = 87;
export const ERROR_ALREADY_EXISTS = 183;

/** `ERROR_X (n)`, or `Win32 error n` for a code outside the table. */
export function win32ErrorName(code: number): string {
  const row = WIN32_ERROR_TABLE[code];
  return row === undefined ? `Win32 error ${code}` : `${row[0]} (${code})`;
}

/** The errno number (this OS's) a Win32 error means, or -1 when the table has no row (an `Unknown` error). */
export function errnoOfWin32(code: number): number {
  const name = WIN32_ERROR_TABLE[code]?.[1];
  return name === undefined ? -1 : (constants.errno[name as keyof typeof constants.errno] ?? -1);
}

/** The error of `operation` for a failed Win32 call, with the Win32 code named in its message. */
export function segmentErrorFromWin32(
  operation: SegmentOperation,
  code: number,
  kind: 'name' | 'size',
  facts: Omit<SegmentErrorFacts, 'errno'>,
): SegmentError {
  const detail = [facts.detail, win32ErrorName(code)].filter(Boolean).join(', ');
  return segmentErrorFromErrno(operation, errnoOfWin32(code), kind, { ...facts, detail });
}
