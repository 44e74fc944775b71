/**
 * How a child started by spawnConnected finds its parent's anonymous channel: two inherited fds, named by an
 * environment variable. Shared by spawnConnected (which sets it) and connectParent (which reads it), and cheap to
 * import: no other module is pulled in.
 *
 * Cross-process invariants: the parent passes the segment (a memfd sealed against shrink and grow) as fd
 * CHILD_SEGMENT_FD and its end of the doorbell socket pair as fd CHILD_DOORBELL_FD, and sets PARENT_CHANNEL_ENV to
 * "segmentFd,doorbellFd" (docs/LAYOUT.md, "Doorbell and handshake"). The fds are single-use: the child maps them once.
 */

/** The environment variable telling a child which fds carry its parent channel: "segmentFd,doorbellFd". */
export const PARENT_CHANNEL_ENV = 'RXSHM_PARENT';
/** The fd the child receives the segment (a sealed memfd) on. */
export const CHILD_SEGMENT_FD = 3;
/** The fd the child receives its end of the doorbell socket pair on. */
export const CHILD_DOORBELL_FD = 4;

/** The fds of a parent channel as a child inherited them. */
export interface ParentChannelFds {
  readonly segmentFd: number;
  readonly doorbellFd: number;
}

/** The value of PARENT_CHANNEL_ENV a spawned child gets. */
export function parentChannelEnvValue(): string {
  return `${CHILD_SEGMENT_FD},${CHILD_DOORBELL_FD}`;
}

/**
 * The fds PARENT_CHANNEL_ENV names, or null when it is unset or malformed (two integers above 2, stdio excluded).
 * @example
 * parseParentChannelEnv('3,4'); // { segmentFd: 3, doorbellFd: 4 }
 * parseParentChannelEnv(undefined); // null
 */
export function parseParentChannelEnv(value: string | undefined): ParentChannelFds | null {
  const fds = (value ?? '').split(',').map(Number);
  if (fds.length !== 2 || !fds.every((fd) => Number.isInteger(fd) && fd > 2)) return null;
  return { segmentFd: fds[0]!, doorbellFd: fds[1]! };
}
