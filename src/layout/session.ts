/**
 * The session line of a channel header (generation, states, pids, close flags): small atomic words both sides
 * read. Writers: the server writes GENERATION, SERVER_STATE, SERVER_PID and CLIENT_PID (from the client's hello);
 * the client writes CLIENT_STATE; each side sets its own CLOSE_FLAGS bit.
 */
import {
  CLIENT_PID_OFFSET,
  CLIENT_STATE_OFFSET,
  CLOSE_FLAGS_OFFSET,
  GENERATION_OFFSET,
  SERVER_PID_OFFSET,
  SERVER_STATE_OFFSET,
} from './segment-descriptor.js';

/** Atomic accessors for the session line of a channel segment header. */
export class ChannelSession {
  private readonly words: Int32Array;

  constructor(buffer: ArrayBufferLike) {
    this.words = new Int32Array(buffer, 0, 64);
  }

  get generation(): number {
    return this.load(GENERATION_OFFSET);
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

  /** Sets bits in CLOSE_FLAGS (bit 0: server sent Close, bit 1: client sent Close). */
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
