/**
 * Typed errors of the raw local sockets (`LocalSocketApi`): one class, a code per failure, the operation, the
 * address when there is one, and the OS errno.
 *
 * Cross-process invariants relied on: none. An error describes this process's view of one call.
 */
import { constants } from 'node:os';
import { RxshmError } from '../errors/rxshm-error.js';
import { errnoName } from './errors.js';

/** What went wrong with a socket call, independent of the OS. */
export type SocketErrorCode =
  | 'AddressInUse'
  | 'NotListening'
  | 'Busy'
  | 'PeerGone'
  | 'InvalidAddress'
  | 'InvalidArgument'
  | 'InvalidHandle'
  | 'PermissionDenied'
  | 'TooManyHandles'
  | 'UnexpectedDescriptors'
  | 'Unknown';

/** The socket call that failed; it is the verb of the message. */
export type SocketOperation = 'listen' | 'accept' | 'connect' | 'send' | 'receive' | 'wait' | 'pair' | 'close';

const REASONS: Readonly<Record<SocketErrorCode, string>> = {
  AddressInUse: 'the address is already in use',
  NotListening: 'nobody listens on the address',
  Busy: "the listener's backlog is full",
  PeerGone: 'the peer has closed the connection',
  InvalidAddress: 'the address is not an abstract local socket address',
  InvalidArgument: 'an argument is invalid',
  InvalidHandle: 'the descriptor is not an open socket of the right kind',
  PermissionDenied: 'permission was denied',
  TooManyHandles: 'too many files are open',
  UnexpectedDescriptors: 'the peer sent descriptors or control data this protocol does not allow',
  Unknown: 'of an unexpected error',
};

const CODES: Readonly<Record<string, SocketErrorCode>> = {
  EADDRINUSE: 'AddressInUse',
  ECONNREFUSED: 'NotListening',
  ENOENT: 'NotListening',
  EAGAIN: 'Busy',
  EPIPE: 'PeerGone',
  ECONNRESET: 'PeerGone',
  ENOTCONN: 'PeerGone',
  EINVAL: 'InvalidArgument',
  EBADF: 'InvalidHandle',
  ENOTSOCK: 'InvalidHandle',
  EOPNOTSUPP: 'InvalidHandle',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EMFILE: 'TooManyHandles',
  ENFILE: 'TooManyHandles',
};

/** Facts known when a socket call fails. */
export interface SocketErrorFacts {
  /** The address, shown with its leading NUL as `@` (as `ss` and /proc/net/unix do). */
  readonly address?: string;
  readonly fd?: number;
  readonly detail?: string;
  readonly errno?: number;
  /** The failing system call, when it is not the operation's own (e.g. `bind` during listen). */
  readonly syscall?: string;
}

/**
 * A raw local socket call failed.
 * @example
 * try { native.sockets!.connect('\0rxshm.chat'); } catch (e) {
 *   if (e instanceof SocketError && e.code === 'Busy') retryLater();
 * }
 */
export class SocketError extends RxshmError<SocketErrorCode> {
  readonly address: string | undefined;
  readonly errno: number | undefined;
  constructor(
    readonly operation: SocketOperation,
    code: SocketErrorCode,
    facts: SocketErrorFacts = {},
  ) {
    const subject =
      facts.address !== undefined
        ? ` "${facts.address.replace(/^\0/, '@')}"`
        : facts.fd !== undefined
          ? ` on fd ${String(facts.fd)}`
          : '';
    const detail = facts.detail === undefined ? '' : ` (${facts.detail})`;
    const syscall = facts.syscall ? `${facts.syscall}: ` : '';
    const os = facts.errno === undefined ? '' : ` (${syscall}${errnoName(facts.errno)})`;
    super(code, `Unable to ${operation}${subject} since ${REASONS[code]}${detail}${os}`);
    this.address = facts.address;
    this.errno = facts.errno;
  }
}

/** The SocketError for an errno, with its code from the one table above. */
export function socketErrorFromErrno(
  operation: SocketOperation,
  errno: number,
  facts: Omit<SocketErrorFacts, 'errno'>,
): SocketError {
  const code = CODES[errnoName(errno)] ?? (errno === constants.errno.EWOULDBLOCK ? 'Busy' : 'Unknown');
  return new SocketError(operation, code, { ...facts, errno });
}
