/**
 * koffi bindings to kernel32's event functions, loaded on first use (kept apart from kernel32.ts, whose bindings
 * serve sections, processes and pipes).
 *
 * Cross-process invariants relied on: a named event is one kernel object for every process of the session that
 * opens its name, and lives while any process holds a handle to it; SetEvent on a manual-reset event releases every
 * thread waiting on it at that moment, in any process, and a wait satisfied then stays satisfied whatever resets
 * follow. WaitForMultipleObjects runs as a koffi `.async` call on one libuv threadpool thread, always with a
 * timeout, so it never holds that thread (or the process's exit) for longer than the timeout.
 */
import { koffi } from '../linux/libc.js';
import type { Handle } from './kernel32.js';

/** EVENT_MODIFY_STATE: the right SetEvent and ResetEvent need. */
export const EVENT_MODIFY_STATE = 0x0002;
/** WaitForMultipleObjects' limit on handles (MAXIMUM_WAIT_OBJECTS). */
export const MAXIMUM_WAIT_OBJECTS = 64;
export const WAIT_FAILED = 0xffffffff;

/** The event functions; handles are what koffi returns for `void *` (a bigint), null on failure. */
export interface EventFunctions {
  CreateEventW(attributes: null, manualReset: boolean, initialState: boolean, name: string | null): Handle;
  OpenEventW(access: number, inherit: boolean, name: string): Handle;
  SetEvent(event: Handle): boolean;
  ResetEvent(event: Handle): boolean;
  CloseHandle(handle: Handle): boolean;
  GetLastError(): number;
  WaitForMultipleObjects: {
    (count: number, handles: readonly Handle[], waitAll: boolean, ms: number): number;
    async(
      count: number,
      handles: readonly Handle[],
      waitAll: boolean,
      ms: number,
      done: (error: unknown, result: number) => void,
    ): void;
  };
}

let loaded: EventFunctions | null = null;

/** The bindings, loaded on first call (throws where kernel32 cannot be loaded: not Windows). */
export function eventFunctions(): EventFunctions {
  if (loaded !== null) return loaded;
  const k = koffi().load('kernel32.dll');
  loaded = {
    CreateEventW: k.func('void *__stdcall CreateEventW(void *attributes, bool manual, bool initial, str16 name)'),
    OpenEventW: k.func('void *__stdcall OpenEventW(uint32_t access, bool inherit, str16 name)'),
    SetEvent: k.func('bool __stdcall SetEvent(void *event)'),
    ResetEvent: k.func('bool __stdcall ResetEvent(void *event)'),
    CloseHandle: k.func('bool __stdcall CloseHandle(void *handle)'),
    GetLastError: k.func('uint32_t __stdcall GetLastError()'),
    // The handle array is an input: koffi copies it into the call's own memory, so no JS array outlives the call.
    WaitForMultipleObjects: k.func(
      'uint32_t __stdcall WaitForMultipleObjects(uint32_t count, void **handles, bool all, uint32_t ms)',
    ),
  } as EventFunctions;
  return loaded;
}
