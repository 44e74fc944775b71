/**
 * Word wake-ups on Windows (`NativeApi.wordEvents`, see `WordEventApi` in ../contract.ts): the event of the word at
 * `byteOffset` of segment `name` is the manual-reset event `<namespace>\rxshm/<name>/<byteOffset>`. A waiter creates
 * it (or opens it, if another process did) and keeps it while it watches the word; a signaller opens it by name,
 * sets it and closes it. A wait set sleeps on up to MAX_WORD_EVENTS events plus a private auto-reset control event
 * in ONE WaitForMultipleObjects call off the JS thread.
 *
 * Cross-process invariants relied on (see ../contract.ts for why they suffice): signallers change the word before
 * they set its event; this module resets an event that may be set BEFORE it compares the words, and waits only when
 * every word still holds the value its caller saw. Every wait is bounded (MAX_FUTEX_WAIT_MS), and no handle is
 * closed while a wait on it is pending (Windows leaves that undefined): `close()` defers to the wait's return.
 */
import {
  MAX_FUTEX_WAIT_MS,
  MAX_WORD_EVENTS,
  type FutexWaitResult,
  type FutexWord,
  type Segment,
  type WordEventApi,
  type WordWaitSet,
} from '../contract.js';
import { validateName } from '../names.js';
import { clampTimeout, validateWord } from '../validate.js';
import { EVENT_MODIFY_STATE, eventFunctions, WAIT_FAILED } from './kernel32-events.js';
import { WAIT_OBJECT_0, WAIT_TIMEOUT, type Handle } from './kernel32.js';
import type { Win32Namespace } from './segments.js';
import { ERROR_ALREADY_EXISTS, win32ErrorName } from './win32-errors.js';

const ERROR_FILE_NOT_FOUND = 2;

/** `<namespace>\rxshm/<segment>/<byteOffset>`: `/` keeps it apart from every section name (see the contract). */
function nameOf(namespace: Win32Namespace, segmentName: string, byteOffset: number): string {
  validateName(segmentName, 'open');
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0)
    throw new RangeError(`invalid word offset: byteOffset=${String(byteOffset)}, expected a multiple of 4`);
  return `${namespace}\\rxshm/${segmentName}/${byteOffset}`;
}

/** The event name of a watched word; RangeError for a word of an anonymous segment (it has no name to derive). */
function wordEventName(namespace: Win32Namespace, segment: Segment, byteOffset: number): string {
  validateWord(segment, byteOffset);
  if (segment.name === null) throw new RangeError('word events need a named segment: this one is anonymous');
  return nameOf(namespace, segment.name, byteOffset);
}

/** One waiter's events and control event; see {@link WordWaitSet}. */
class Win32WaitSet implements WordWaitSet {
  /** Open events by name: the words of the last `waitAny`. */
  private readonly events = new Map<string, Handle>();
  /** Events that may be set: reset before the next compare, so a set that follows is not lost. */
  private readonly suspects = new Set<Handle>();
  private control: Handle = null;
  private pending = false;
  private closing = false;

  constructor(private readonly namespace: Win32Namespace) {}

  waitAny(words: readonly FutexWord[], timeoutMs: number): Promise<FutexWaitResult> {
    let handles: Handle[];
    try {
      if (this.closing) throw new Error('word events: the wait set is closed');
      if (this.pending) throw new RangeError('word events: one waitAny at a time');
      if (words.length > MAX_WORD_EVENTS)
        throw new RangeError(`word events: ${words.length} words, expected at most ${MAX_WORD_EVENTS}`);
      handles = [this.controlEvent(), ...this.open(words)];
    } catch (error) {
      return Promise.reject(error);
    }
    const ev = eventFunctions();
    for (const event of this.suspects) ev.ResetEvent(event);
    this.suspects.clear();
    if (words.some(({ segment, byteOffset, expected }) => wordAt(segment, byteOffset) !== expected >>> 0)) {
      handles.slice(1).forEach((event) => this.suspects.add(event)); // its signaller's SetEvent may be on its way
      return Promise.resolve('not-equal');
    }
    this.pending = true;
    const ms = Math.round(clampTimeout(timeoutMs, MAX_FUTEX_WAIT_MS));
    return new Promise((resolve, reject) => {
      ev.WaitForMultipleObjects.async(handles.length, handles, false, ms, (error, result) => {
        this.pending = false;
        if (this.closing) this.closeAll();
        if (error) return reject(error);
        if (result === WAIT_TIMEOUT) return resolve('timeout');
        if (result === WAIT_FAILED || result >= WAIT_OBJECT_0 + handles.length)
          return reject(new Error(`WaitForMultipleObjects failed (result ${result})`));
        // It reports the lowest index set: events before it were not set then (a later set wakes the next wait).
        handles.slice(Math.max(result - WAIT_OBJECT_0, 1)).forEach((event) => this.suspects.add(event));
        resolve('woken');
      });
    });
  }

  interrupt(): void {
    if (this.control !== null) eventFunctions().SetEvent(this.control);
  }

  close(): void {
    this.closing = true;
    // A pending wait returns at once and closes everything then: no handle is closed under a wait.
    if (this.pending) this.interrupt();
    else this.closeAll();
  }

  /** The private control event: auto-reset, since only this set's one wait ever waits on it. */
  private controlEvent(): Handle {
    if (this.control !== null) return this.control;
    const ev = eventFunctions();
    const control = ev.CreateEventW(null, false, false, null);
    if (control === null) throw new Error(`CreateEventW failed (${win32ErrorName(ev.GetLastError())})`);
    return (this.control = control);
  }

  /** The handles of the events of `words`, opening the new ones and closing those no longer watched. */
  private open(words: readonly FutexWord[]): Handle[] {
    const names = new Set(words.map(({ segment, byteOffset }) => wordEventName(this.namespace, segment, byteOffset)));
    const ev = eventFunctions();
    for (const [name, event] of this.events)
      if (!names.has(name)) {
        ev.CloseHandle(event);
        this.events.delete(name);
        this.suspects.delete(event);
      }
    for (const name of names) {
      if (this.events.has(name)) continue;
      const event = ev.CreateEventW(null, true, false, name);
      const error = ev.GetLastError();
      if (event === null) throw new Error(`CreateEventW failed for "${name}" (${win32ErrorName(error)})`);
      if (error === ERROR_ALREADY_EXISTS) this.suspects.add(event); // another process's event: maybe set
      this.events.set(name, event);
    }
    return [...names].map((name) => this.events.get(name));
  }

  private closeAll(): void {
    const ev = eventFunctions();
    for (const event of this.events.values()) ev.CloseHandle(event);
    this.events.clear();
    this.suspects.clear();
    if (this.control !== null) ev.CloseHandle(this.control);
    this.control = null;
  }
}

/** The u32 at `byteOffset` of `segment`, read atomically. */
function wordAt(segment: Segment, byteOffset: number): number {
  return Atomics.load(new Int32Array(segment.buffer, byteOffset, 1), 0) >>> 0;
}

/**
 * The word events of the Windows backend whose segments live in `namespace`.
 * @example
 * const events = win32WordEvents('Local');
 * Atomics.add(new Int32Array(seg.buffer), 0, 1);
 * events.signal(seg, 0); // wakes every process watching word 0 of seg
 */
export function win32WordEvents(namespace: Win32Namespace): WordEventApi {
  return {
    eventName: (segmentName, byteOffset) => nameOf(namespace, segmentName, byteOffset),
    signal(segment, byteOffset) {
      const name = wordEventName(namespace, segment, byteOffset);
      const ev = eventFunctions();
      const event = ev.OpenEventW(EVENT_MODIFY_STATE, false, name);
      if (event === null) {
        const error = ev.GetLastError();
        if (error === ERROR_FILE_NOT_FOUND) return false; // nobody watches: the new value is all there is to see
        throw new Error(`OpenEventW failed for "${name}" (${win32ErrorName(error)})`);
      }
      ev.SetEvent(event);
      ev.CloseHandle(event);
      return true;
    },
    createWaitSet: () => new Win32WaitSet(namespace),
  };
}
