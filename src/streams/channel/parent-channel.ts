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
}

const SPAWN_NAME = /^rxshm\.spawn\.[0-9a-f]{32}$/;

/** An unguessable segment name for a child's channel where no descriptor can be passed: 128 random bits. */
export function spawnSegmentName(random: Uint8Array): string {
  return `rxshm.spawn.${Buffer.from(random.subarray(0, 16)).toString('hex')}`;
}

/** The value of PARENT_CHANNEL_ENV a spawned child gets. */
export function parentChannelEnvValue(segmentName?: string): string {
  return `${segmentName === undefined ? CHILD_SEGMENT_FD : `@${segmentName}`},${CHILD_DOORBELL_FD}`;
}

/**
 * The fds PARENT_CHANNEL_ENV names, or null when it is unset or malformed (two integers above 2, stdio excluded).
 * @example
 * parseParentChannelEnv('3,4'); // { segmentFd: 3, doorbellFd: 4 }
 * parseParentChannelEnv('@rxshm.spawn.00112233445566778899aabbccddeeff,4'); // { segmentFd: -1, doorbellFd: 4, segmentName }
 * parseParentChannelEnv(undefined); // null
 */
export function parseParentChannelEnv(value: string | undefined): ParentChannelFds | null {
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
