/**
 * How a child started by spawnConnected finds its parent's anonymous channel: two inherited fds, named by an
 * environment variable. Shared by spawnConnected (which sets it) and connectParent (which reads it), and cheap to
 * import: no other module is pulled in.
 *
 * Cross-process invariants: the parent passes the segment (a memfd sealed against shrink and grow) as fd
 * CHILD_SEGMENT_FD and its end of the doorbell socket pair as fd CHILD_DOORBELL_FD, and sets PARENT_CHANNEL_ENV to
 * "segmentFd,doorbellFd" (docs/LAYOUT.md, "Doorbell and handshake"). The fds are single-use: the child maps them once.
 * Windows passes a child no arbitrary handle through Node's spawn, so there the segment is a named section with an
 * unguessable name (128 random bits, {@link spawnSegmentName}) and the value is "@name,doorbellFd"; the section is
 * open to this user only (the default DACL of the user's token), and gone with the last handle of parent and child.
 * nativeChannel on Windows hands over no inherited fd at all: the doorbell is a one-shot named pipe under an
 * unguessable name too ({@link nativePipeName}), and the value is "@segmentName,@pipeName"; the child connects to the
 * pipe by name, and the parent accepts exactly one connection on it, then stops listening.
 */

/** The environment variable telling a child which fds carry its parent channel: "segmentFd,doorbellFd". */
export const PARENT_CHANNEL_ENV = 'RXSHM_PARENT';
/** The fd the child receives the segment (a sealed memfd) on. */
export const CHILD_SEGMENT_FD = 3;
/** The fd the child receives its end of the doorbell socket pair on. */
export const CHILD_DOORBELL_FD = 4;

/** The fds of a parent channel as a child inherited them. */
export interface ParentChannelFds {
  /** The inherited segment fd, or -1 when the segment is named (`segmentName`, Windows). */
  readonly segmentFd: number;
  readonly doorbellFd: number;
  /** The unguessable name of the parent's segment on a backend that passes no descriptors (Windows). */
  readonly segmentName?: string;
  /**
   * The doorbell as a named pipe to connect to (`\\.\pipe\rxshm.native.<32 hex digits>`, nativeChannel on
   * Windows); `doorbellFd` is then -1.
   */
  readonly pipeName?: string;
}

const SPAWN_NAME = /^rxshm\.spawn\.[0-9a-f]{32}$/;
const NATIVE_PIPE_NAME = /^\\\\\.\\pipe\\rxshm\.native\.[0-9a-f]{32}$/;

/** An unguessable segment name for a child's channel where no descriptor can be passed: 128 random bits. */
export function spawnSegmentName(random: Uint8Array): string {
  return `rxshm.spawn.${Buffer.from(random.subarray(0, 16)).toString('hex')}`;
}

/** An unguessable name for a native channel's one-shot doorbell pipe on Windows: 128 random bits. */
export function nativePipeName(random: Uint8Array): string {
  return `\\\\.\\pipe\\rxshm.native.${Buffer.from(random.subarray(0, 16)).toString('hex')}`;
}

/**
 * The value of PARENT_CHANNEL_ENV a child gets: "3,4", "@segmentName,4" (the segment by name), or
 * "@segmentName,@pipeName" (the doorbell by pipe name too).
 */
export function parentChannelEnvValue(segmentName?: string, pipeName?: string): string {
  const doorbell = pipeName === undefined ? `${CHILD_DOORBELL_FD}` : `@${pipeName}`;
  return `${segmentName === undefined ? CHILD_SEGMENT_FD : `@${segmentName}`},${doorbell}`;
}

/**
 * The fds (or names) PARENT_CHANNEL_ENV names, or null when it is unset or malformed (two integers above 2, stdio
 * excluded; a segment name of {@link spawnSegmentName}'s form; a pipe name of {@link nativePipeName}'s form).
 * @example
 * parseParentChannelEnv('3,4'); // { segmentFd: 3, doorbellFd: 4 }
 * parseParentChannelEnv('@rxshm.spawn.00112233445566778899aabbccddeeff,4'); // { segmentFd: -1, doorbellFd: 4, segmentName }
 * parseParentChannelEnv('@rxshm.spawn.0011…eeff,@\\.\pipe\rxshm.native.0011…eeff'); // { segmentFd: -1, doorbellFd: -1, segmentName, pipeName }
 * parseParentChannelEnv(undefined); // null
 */
export function parseParentChannelEnv(value: string | undefined): ParentChannelFds | null {
  const piped = /^@([^,]+),@([^,]+)$/.exec(value ?? '');
  if (piped) {
    if (!SPAWN_NAME.test(piped[1]!) || !NATIVE_PIPE_NAME.test(piped[2]!)) return null;
    return { segmentFd: -1, doorbellFd: -1, segmentName: piped[1]!, pipeName: piped[2]! };
  }
  const named = /^@([^,]+),(\d+)$/.exec(value ?? '');
  if (named) {
    const doorbellFd = Number(named[2]);
    if (!SPAWN_NAME.test(named[1]!) || doorbellFd <= 2) return null;
    return { segmentFd: -1, doorbellFd, segmentName: named[1]! };
  }
  const fds = (value ?? '').split(',').map(Number);
  if (fds.length !== 2 || !fds.every((fd) => Number.isInteger(fd) && fd > 2)) return null;
  return { segmentFd: fds[0]!, doorbellFd: fds[1]! };
}
