/**
 * A mapped segment on Windows: one view (`MapViewOfFile`) of a pagefile-backed section, and the section handle.
 *
 * Cross-process invariants relied on: a section's size is fixed when it is created (no process can shrink or grow
 * it, so a view never faults on a truncated file as a POSIX mapping can); the view stays valid whatever other
 * processes do until this handle's `close()`; the section is freed with the last handle or view in any process.
 * The ArrayBuffer does not own the memory, so this object unmaps only in `close()`, or once a retired buffer is
 * garbage collected.
 */
import type { Segment } from '../contract.js';
import { SegmentClosedError } from '../errors.js';
import { ownerUidOf } from './security.js';
import { kernel32, viewOf, type Handle } from './kernel32.js';
import { win32ErrorName } from './win32-errors.js';

/** Views of retired segments, unmapped once their ArrayBuffer is collected (so no stale view can fault). */
const retiredViews = new FinalizationRegistry<Handle>((view) => void kernel32().UnmapViewOfFile(view));

/** A Windows segment handle; see {@link Segment} for the obligations. `fd` is -1: Windows passes no descriptors. */
export class Win32Segment implements Segment {
  #buffer: ArrayBuffer | null;
  #section: Handle;
  readonly fd = -1;

  constructor(
    readonly name: string | null,
    readonly size: number,
    section: Handle,
    readonly address: bigint,
    private readonly view: Handle,
  ) {
    this.#section = section;
    this.#buffer = viewOf(address, size);
  }

  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    return this.#buffer;
  }

  get closed(): boolean {
    return this.#buffer === null;
  }

  /** The uid of the section's owner SID (see security.ts), asked of Windows each time. */
  get ownerUid(): number {
    if (this.#buffer === null) throw new SegmentClosedError(this.name);
    const owner = ownerUidOf(this.#section);
    if (typeof owner === 'number') return owner;
    throw new Error(`GetSecurityInfo failed for shared memory "${this.name}" (${win32ErrorName(owner.error)})`);
  }

  close(): void {
    if (this.#buffer === null) return;
    this.#buffer = null;
    const k = kernel32();
    // Neither call can fail for a view and handle we own; close() must not throw, so results are ignored.
    k.UnmapViewOfFile(this.view);
    k.CloseHandle(this.#section);
    this.#section = null;
  }

  /**
   * Closes the section handle but keeps the view until `buffer` is garbage collected: Windows has no way to swap a
   * view for private zero pages in place, so a stale view reads the last contents (never faults) and the section's
   * memory lives until then. See {@link Segment.retire}.
   */
  retire(): void {
    if (this.#buffer === null) return;
    const buffer = this.#buffer;
    this.#buffer = null;
    kernel32().CloseHandle(this.#section);
    this.#section = null;
    retiredViews.register(buffer, this.view);
  }
}
