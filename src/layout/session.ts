/**
 * The session line of a channel header (generation, states, pids, close flags): small atomic words both sides
 * read.
 *
 * Cross-process invariants: every word is read and written with sequentially consistent atomics. The server writes
 * GENERATION, SERVER_STATE, CLIENT_STATE, SERVER_PID and CLIENT_PID (from the client's hello); each side sets only
 * its own CLOSE_FLAG_* bits, with an atomic OR, and only the server clears them (for a new generation, while no
 * client is attached). The states are advisory; GENERATION and CLOSE_FLAGS are protocol (docs/LAYOUT.md 3 and 5).
 */
import {
  CLIENT_PID_OFFSET,
  CLIENT_STATE_OFFSET,
  CLOSE_FLAGS_OFFSET,
  GENERATION_OFFSET,
  SERVER_PID_OFFSET,
  SERVER_STATE_OFFSET,
  SEGMENT_HEADER_LENGTH,
} from './segment-descriptor.js';

/**
 * Atomic accessors for the session line of a channel segment header; a view, so any number of them may be made over
 * the same segment (in one process or several) and agree.
 * @example
 * ```ts
 * const session = new ChannelSession(segment.buffer);
 * if (session.closeFlags & CLOSE_FLAG_SERVER_ABORTED) console.log('the server aborted');
 * ```
 */
export class ChannelSession {
  private readonly words: Int32Array;

  constructor(buffer: ArrayBufferLike) {
    this.words = new Int32Array(buffer, 0, SEGMENT_HEADER_LENGTH >> 2);
  }

  get generation(): number {
    return this.load(GENERATION_OFFSET);
  }

  /** Sets GENERATION (a server numbering its clients across per-client segments). */
  set generation(value: number) {
    this.store(GENERATION_OFFSET, value);
  }

  /** Bumps GENERATION and returns the new value (wraps at 2^32). */
  bumpGeneration(): number {
    return (Atomics.add(this.words, GENERATION_OFFSET >> 2, 1) + 1) >>> 0;
  }

  get serverState(): number {
    return this.load(SERVER_STATE_OFFSET);
  }

  set serverState(value: number) {
    this.store(SERVER_STATE_OFFSET, value);
  }

  get clientState(): number {
    return this.load(CLIENT_STATE_OFFSET);
  }

  set clientState(value: number) {
    this.store(CLIENT_STATE_OFFSET, value);
  }

  get serverPid(): number {
    return this.load(SERVER_PID_OFFSET);
  }

  set serverPid(value: number) {
    this.store(SERVER_PID_OFFSET, value);
  }

  get clientPid(): number {
    return this.load(CLIENT_PID_OFFSET);
  }

  set clientPid(value: number) {
    this.store(CLIENT_PID_OFFSET, value);
  }

  get closeFlags(): number {
    return this.load(CLOSE_FLAGS_OFFSET);
  }

  /** Sets CLOSE_FLAG_* bits in CLOSE_FLAGS (an atomic OR: the other side's bits are kept). */
  markClosed(bits: number): void {
    Atomics.or(this.words, CLOSE_FLAGS_OFFSET >> 2, bits);
  }

  /** Clears CLOSE_FLAGS for a new generation. */
  clearClosed(): void {
    this.store(CLOSE_FLAGS_OFFSET, 0);
  }

  private load(offset: number): number {
    return Atomics.load(this.words, offset >> 2) >>> 0;
  }

  private store(offset: number, value: number): void {
    Atomics.store(this.words, offset >> 2, value | 0);
  }
}
