/**
 * sendmsg/recvmsg with one payload and at most one descriptor (SCM_RIGHTS), through one scratch block of native
 * memory that holds the msghdr, the iovec, the control buffer and the payload.
 *
 * The scratch block is shared by every call: safe because every call here runs synchronously on the JS thread
 * (MSG_DONTWAIT), never as a koffi `.async` call. Cross-process invariant relied on: the kernel installs received
 * descriptors before recvmsg returns, so this module closes every one it does not hand to its caller.
 * Nothing from the peer is trusted: every cmsg_len is checked against the control length the kernel reported.
 */
import { constants } from 'node:os';
import { MAX_SOCKET_MESSAGE_BYTES, type ReceivedMessage } from '../socket-contract.js';
import { SocketError, socketErrorFromErrno } from '../socket-errors.js';
import { koffi, lastErrno, SOL_SOCKET } from './libc.js';
import {
  cmsgSpace,
  messageLayout,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  readWord,
  SCM_RIGHTS,
  socketLibc,
  writeWord,
  type MessageLayout,
} from './socket-libc.js';

/** Room for this many descriptors in a received control message: extras are received (then closed), not lost in
 * the kernel's truncation, so the error can say how many came. */
const RECEIVE_FD_ROOM = 8;

interface Scratch {
  readonly layout: MessageLayout;
  readonly address: bigint;
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly iovAt: number;
  readonly controlAt: number;
  readonly controlRoom: number;
  readonly payloadAt: number;
}

let scratch: Scratch | null = null;

/** The scratch block, allocated once for the life of the process (a few KiB; never freed on purpose). */
function scratchBlock(): Scratch {
  if (scratch !== null) return scratch;
  const ffi = koffi();
  const layout = messageLayout(ffi.sizeof('void *'));
  const iovAt = layout.msghdr.size;
  const controlAt = iovAt + 2 * layout.iovec;
  const controlRoom = cmsgSpace(layout, 4 * RECEIVE_FD_ROOM);
  const payloadAt = controlAt + controlRoom;
  const total = payloadAt + MAX_SOCKET_MESSAGE_BYTES;
  const address = ffi.alloc('uint8_t', total) as unknown as bigint;
  const buffer = ffi.view(address, total);
  scratch = {
    layout,
    address,
    view: new DataView(buffer),
    bytes: new Uint8Array(buffer),
    iovAt,
    controlAt,
    controlRoom,
    payloadAt,
  };
  return scratch;
}

/** Fills the msghdr and its one iovec for `length` payload bytes and `controlLength` control bytes. */
function prepare(s: Scratch, length: number, controlLength: number): void {
  const { layout, view, address } = s;
  const m = layout.msghdr;
  const p = layout.pointer;
  s.bytes.fill(0, 0, s.payloadAt);
  writeWord(view, s.iovAt, address + BigInt(s.payloadAt), p);
  writeWord(view, s.iovAt + p, length, p);
  writeWord(view, m.iov, address + BigInt(s.iovAt), p);
  writeWord(view, m.iovlen, 1, p);
  if (controlLength > 0) {
    writeWord(view, m.control, address + BigInt(s.controlAt), p);
    writeWord(view, m.controllen, controlLength, p);
  }
}

/** sendmsg of `bytes` with `passFd` attached; the number of bytes sent, or null when the socket buffer is full. */
export function sendMessage(fd: number, bytes: Uint8Array, passFd: number | undefined): number | null {
  const s = scratchBlock();
  const { layout, view } = s;
  const control = passFd === undefined ? 0 : cmsgSpace(layout, 4);
  prepare(s, bytes.length, control);
  s.bytes.set(bytes, s.payloadAt);
  if (passFd !== undefined) {
    writeWord(view, s.controlAt, layout.cmsgHeader + 4, layout.pointer); // CMSG_LEN(sizeof(int))
    view.setInt32(s.controlAt + layout.pointer, SOL_SOCKET, true);
    view.setInt32(s.controlAt + layout.pointer + 4, SCM_RIGHTS, true);
    view.setInt32(s.controlAt + layout.cmsgHeader, passFd, true);
  }
  const sent = Number(socketLibc().sendmsg(fd, s.address, MSG_DONTWAIT | MSG_NOSIGNAL));
  if (sent >= 0) return sent;
  const errno = lastErrno();
  if (errno === constants.errno.EAGAIN || errno === constants.errno.EWOULDBLOCK) return null;
  throw socketErrorFromErrno('send', errno, { fd, syscall: 'sendmsg' });
}

/** Every descriptor in the control area the kernel filled (`controlLength` bytes), checked entry by entry. */
function descriptorsIn(s: Scratch, controlLength: number): { fds: number[]; malformed: boolean } {
  const { layout, view } = s;
  const fds: number[] = [];
  let malformed = false;
  let at = 0;
  while (at + layout.cmsgHeader <= controlLength) {
    const length = readWord(view, s.controlAt + at, layout.pointer);
    if (length < layout.cmsgHeader || at + length > controlLength) {
      malformed = true;
      break;
    }
    const level = view.getInt32(s.controlAt + at + layout.pointer, true);
    const type = view.getInt32(s.controlAt + at + layout.pointer + 4, true);
    const dataBytes = length - layout.cmsgHeader;
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let i = 0; i + 4 <= dataBytes; i += 4)
        fds.push(view.getInt32(s.controlAt + at + layout.cmsgHeader + i, true));
    } else malformed = true;
    at += cmsgSpace(layout, dataBytes);
  }
  return { fds, malformed };
}

/** recvmsg of up to `maxBytes` and at most one descriptor; null when nothing is there yet. */
export function receiveMessage(fd: number, maxBytes: number): ReceivedMessage | null {
  const s = scratchBlock();
  const { layout, view } = s;
  prepare(s, maxBytes, s.controlRoom);
  const got = Number(socketLibc().recvmsg(fd, s.address, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
  if (got < 0) {
    const errno = lastErrno();
    if (errno === constants.errno.EAGAIN || errno === constants.errno.EWOULDBLOCK) return null;
    if (errno === constants.errno.ECONNRESET) return { bytes: new Uint8Array(0), fd: null, ended: true };
    throw socketErrorFromErrno('receive', errno, { fd, syscall: 'recvmsg' });
  }
  // The kernel rewrote controllen and flags; a length beyond our buffer would be a kernel bug, still not trusted.
  const controlLength = Math.min(readWord(view, layout.msghdr.controllen, layout.pointer), s.controlRoom);
  const flags = view.getInt32(layout.msghdr.flags, true);
  const { fds, malformed } = descriptorsIn(s, controlLength);
  if (malformed || fds.length > 1 || (flags & MSG_CTRUNC) !== 0 || got > maxBytes) {
    for (const received of fds) socketLibc().close(received);
    throw new SocketError('receive', 'UnexpectedDescriptors', {
      fd,
      detail: `descriptors=${fds.length}, truncated=${(flags & MSG_CTRUNC) !== 0}, malformed=${malformed}`,
    });
  }
  const bytes = s.bytes.slice(s.payloadAt, s.payloadAt + got);
  return { bytes, fd: fds.length === 1 ? fds[0]! : null, ended: got === 0 && fds.length === 0 };
}
