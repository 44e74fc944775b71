/**
 * The native layer's public face: `native` (this OS's backend), the fake, the errors and the contract types.
 *
 * The backend is picked by `process.platform` at first use of `native`, synchronously: no top-level await, so the
 * module graph stays synchronous and `require('rxshm')` works (Node >= 20.19 loads ESM through require() only
 * then). The Linux and Windows backend modules are imported statically but are plain JavaScript until used: they
 * require koffi (and koffi's binary) at their first call, so an OS never loads the other's libraries. An unsupported
 * OS, or a CPU without a koffi prebuild, imports fine and throws `UnsupportedPlatformError` at first use, so the fake keeps working there.
 */
import type { NativeApi } from './contract.js';
import { UnsupportedPlatformError } from './errors.js';
import { linuxNative } from './linux/index.js';
import { koffi } from './linux/libc.js';
import { win32Native } from './win32/index.js';

export * from './contract.js';
export {
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
  type SegmentErrorCode,
  type SegmentOperation,
} from './errors.js';
export { createFakeNative, type FakeNativeOptions } from './fake.js';
export { SocketError, type SocketErrorCode, type SocketOperation } from './socket-errors.js';
export { MAX_NAME_BYTES } from './names.js';
export { createWin32Native } from './win32/index.js';
export { MAX_SEGMENT_SIZE } from './validate.js';

/** A backend whose every member throws: importing succeeds, using it explains why it cannot work. */
function unsupported(platform: string, cause?: unknown): NativeApi {
  const fail = (): never => {
    throw new UnsupportedPlatformError(platform, cause);
  };
  return {
    get platform() {
      return fail();
    },
    get segments() {
      return fail();
    },
    get processes() {
      return fail();
    },
    get identity() {
      return fail();
    },
    get futex() {
      return fail();
    },
    doorbellPath: fail,
    get sockets() {
      return fail();
    },
  };
}

/** This OS's backend; loads koffi on Linux and Windows (the one place a missing prebuild shows). */
function load(): NativeApi {
  if (process.platform !== 'linux' && process.platform !== 'win32') return unsupported(process.platform);
  try {
    koffi();
    return process.platform === 'win32' ? win32Native : linuxNative;
  } catch (cause) {
    // e.g. no koffi prebuild for this CPU: keep the import working and report at first use.
    return unsupported(`${process.platform}-${process.arch}`, cause);
  }
}

let backend: NativeApi | null = null;
const current = (): NativeApi => (backend ??= load());

/**
 * This OS's native backend, chosen (and koffi loaded) at the first use of any member.
 * @example
 * import { native } from './native/index.js';
 * const seg = native.segments.create('rxshm.demo', 4096);
 * try { Atomics.add(new Int32Array(seg.buffer), 0, 1); } finally { seg.close(); native.segments.unlink('rxshm.demo'); }
 */
export const native: NativeApi = {
  get platform() {
    return current().platform;
  },
  get segments() {
    return current().segments;
  },
  get processes() {
    return current().processes;
  },
  get identity() {
    return current().identity;
  },
  get futex() {
    return current().futex;
  },
  get wordEvents() {
    return current().wordEvents;
  },
  doorbellPath: (name: string) => current().doorbellPath(name),
  get sockets() {
    return current().sockets;
  },
  get clientSections() {
    return current().clientSections;
  },
  get heap() {
    return current().heap;
  },
};
