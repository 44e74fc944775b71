/**
 * The native layer's public face: `native` (this OS's backend), the fake, the errors and the contract types.
 *
 * The backend is picked by `process.platform` with a top-level dynamic import, so another OS's module (and koffi's
 * binary, on an OS without a backend) is never loaded. An unsupported OS imports fine and throws
 * `UnsupportedPlatformError` at first use, so the fake keeps working there.
 */
import type { NativeApi } from './contract.js';
import { UnsupportedPlatformError } from './errors.js';

export * from './contract.js';
export {
  CreateSegmentError, ERRNO_TABLE, errnoName, MapSegmentError, OpenSegmentError, SegmentClosedError, SegmentError,
  UnlinkSegmentError, UnsupportedPlatformError, type SegmentErrorCode, type SegmentOperation,
} from './errors.js';
export { createFakeNative } from './fake.js';
export { MAX_NAME_BYTES } from './names.js';
export { MAX_SEGMENT_SIZE } from './validate.js';

/** A backend whose every member throws: importing succeeds, using it explains why it cannot work. */
function unsupported(platform: string, cause?: unknown): NativeApi {
  const fail = (): never => {
    throw new UnsupportedPlatformError(platform, cause);
  };
  return {
    get platform() { return fail(); },
    get segments() { return fail(); },
    get processes() { return fail(); },
    get futex() { return fail(); },
    doorbellPath: fail,
  };
}

async function load(): Promise<NativeApi> {
  if (process.platform !== 'linux') return unsupported(process.platform);
  try {
    return (await import('./linux/index.js')).linuxNative;
  } catch (cause) {
    // e.g. no koffi prebuild for this CPU: keep the import working and report at first use.
    return unsupported(`${process.platform}-${process.arch}`, cause);
  }
}

/**
 * This OS's native backend.
 * @example
 * import { native } from './native/index.js';
 * const seg = native.segments.create('rxshm.demo', 4096);
 * try { Atomics.add(new Int32Array(seg.buffer), 0, 1); } finally { seg.close(); native.segments.unlink('rxshm.demo'); }
 */
export const native: NativeApi = await load();
