// Re-exports for fake.test.ts: the fake and the real Linux doorbell form it must never collide with.
export { createFakeNative } from '../../src/native/index.js';
export { linuxDoorbellPath as linuxDoorbellPathForTest } from '../../src/native/doorbell.js';
