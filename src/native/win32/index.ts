/**
 * The Windows backend: pagefile-backed named sections under `Local\` (or `Global\`), process liveness through
 * process handles, owners as uids derived from SIDs, named-pipe doorbells (`\\.\pipe\rxshm.<name>`), no futex (a
 * Windows wait-on-address is process-local: a named event per watched word stands in, `wordEvents`) and no raw
 * sockets (Windows passes no descriptors), so the streams layer gives each client of a named channel a fresh section
 * under an unguessable name sent over the pipe (`clientSections`).
 *
 * Cross-process invariants: see `../contract.ts`; each module here states the kernel behaviour it relies on. Only
 * `../index.ts` imports this module; it is plain JavaScript until used (koffi and kernel32 load at the first call).
 */
import type { NativeApi } from '../contract.js';
import { validateName } from '../names.js';
import { win32Identity } from './identity.js';
import { win32Processes } from './processes.js';
import { win32Segments, type Win32Namespace } from './segments.js';
import { win32WordEvents } from './word-events.js';

/**
 * The doorbell address of a channel on Windows: the named pipe `\\.\pipe\rxshm.<name>`.
 * @example
 * win32DoorbellPath('chat'); // '\\\\.\\pipe\\rxshm.chat'
 */
export function win32DoorbellPath(name: string): string {
  validateName(name, 'open');
  return `\\\\.\\pipe\\rxshm.${name}`;
}

/**
 * A Windows implementation of the native contract whose named segments live in `namespace` (`Global` needs
 * SeCreateGlobalPrivilege to create, as Windows rules).
 * @example
 * const globalNative = createWin32Native('Global');
 */
export function createWin32Native(namespace: Win32Namespace = 'Local'): NativeApi {
  return {
    platform: 'win32',
    segments: win32Segments(namespace),
    processes: win32Processes,
    identity: win32Identity,
    futex: null,
    wordEvents: win32WordEvents(namespace),
    doorbellPath: win32DoorbellPath,
    sockets: null,
    clientSections: true,
  };
}

/** The Windows backend with named segments under `Local\` (this logon session). */
export const win32Native: NativeApi = createWin32Native('Local');
