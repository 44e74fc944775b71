/**
 * koffi bindings to kernel32.dll and advapi32.dll, loaded on first use so importing rxshm costs nothing on any OS.
 *
 * Cross-process invariants relied on: views (`MapViewOfFile`) of one named section are the same physical pages in
 * every process; a section lives while any process holds a handle or a view of it and is freed with the last one,
 * so a crashed process leaves nothing behind. The last error is read with `GetLastError()` as the very next koffi
 * call: koffi keeps the thread's last error from one foreign call to the next (it saves it in the TEB around each
 * call), so Node's own Win32 calls in between cannot clobber it.
 */
import { koffi } from '../linux/libc.js';

/** A Win32 handle or pointer as koffi returns it (an opaque external, or null). */
export type Handle = unknown;

export const INVALID_HANDLE_VALUE = -1n;
export const PAGE_READWRITE = 0x04;
export const SEC_COMMIT = 0x8000000;
export const FILE_MAP_WRITE = 0x0002;
export const FILE_MAP_READ = 0x0004;
export const READ_CONTROL = 0x20000;
export const SYNCHRONIZE = 0x100000;
export const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
export const TOKEN_QUERY = 0x0008;
/** TOKEN_INFORMATION_CLASS TokenOwner: the default owner of the objects this process creates. */
export const TOKEN_OWNER_CLASS = 4;
export const SE_KERNEL_OBJECT = 6;
export const OWNER_SECURITY_INFORMATION = 1;
export const WAIT_OBJECT_0 = 0;
export const WAIT_TIMEOUT = 258;
export const GENERIC_READ = 0x80000000;
export const OPEN_EXISTING = 3;

export interface Kernel32 {
  CreateFileMappingW(
    file: bigint,
    attributes: null,
    protect: number,
    high: number,
    low: number,
    name: string | null,
  ): Handle;
  OpenFileMappingW(access: number, inherit: boolean, name: string): Handle;
  MapViewOfFile(mapping: Handle, access: number, high: number, low: number, bytes: number): Handle;
  UnmapViewOfFile(address: Handle): boolean;
  CloseHandle(handle: Handle): boolean;
  GetLastError(): number;
  OpenProcess(access: number, inherit: boolean, pid: number): Handle;
  WaitForSingleObject(handle: Handle, ms: number): number;
  GetCurrentProcess(): Handle;
  SwitchToThread(): boolean;
  /** CreateFileW as the pipe probe uses it: returns the handle as a number, -1 (INVALID_HANDLE_VALUE) on failure. */
  CreateFileW(
    name: string,
    access: number,
    share: number,
    sa: null,
    disposition: number,
    flags: number,
    t: null,
  ): number | bigint;
  GetNamedPipeServerProcessId(pipe: number | bigint, pid: [number]): boolean;
  ClosePipe(pipe: number | bigint): boolean;
  WaitNamedPipeW(name: string, ms: number): boolean;
  /** MEMORY_BASIC_INFORMATION of the region at `address`; returns the bytes written (0 on failure). */
  VirtualQuery(address: Handle, info: Buffer, length: number): number;
  OpenProcessToken(process: Handle, access: number, token: [Handle]): boolean;
  GetTokenInformation(token: Handle, infoClass: number, info: unknown, length: number, returned: [number]): boolean;
  /** advapi32: the owner SID of a kernel object (pointers into `descriptor`, freed with LocalFree). */
  GetSecurityInfo(
    handle: Handle,
    type: number,
    info: number,
    owner: [Handle],
    group: null,
    dacl: null,
    sacl: null,
    descriptor: [Handle],
  ): number;
  GetLengthSid(sid: Handle): number;
  LocalFree(memory: Handle): Handle;
}

let loaded: Kernel32 | null = null;

/** The bindings, loaded on first call (throws where kernel32 cannot be loaded: not Windows). */
export function kernel32(): Kernel32 {
  if (loaded !== null) return loaded;
  const ffi = koffi();
  const k = ffi.load('kernel32.dll');
  const a = ffi.load('advapi32.dll');
  loaded = {
    CreateFileMappingW: k.func(
      'void *__stdcall CreateFileMappingW(intptr_t file, void *attributes, uint32_t protect, uint32_t high, uint32_t low, str16 name)',
    ),
    OpenFileMappingW: k.func('void *__stdcall OpenFileMappingW(uint32_t access, bool inherit, str16 name)'),
    MapViewOfFile: k.func(
      'void *__stdcall MapViewOfFile(void *mapping, uint32_t access, uint32_t high, uint32_t low, size_t bytes)',
    ),
    UnmapViewOfFile: k.func('bool __stdcall UnmapViewOfFile(void *address)'),
    CloseHandle: k.func('bool __stdcall CloseHandle(void *handle)'),
    GetLastError: k.func('uint32_t __stdcall GetLastError()'),
    OpenProcess: k.func('void *__stdcall OpenProcess(uint32_t access, bool inherit, uint32_t pid)'),
    WaitForSingleObject: k.func('uint32_t __stdcall WaitForSingleObject(void *handle, uint32_t ms)'),
    GetCurrentProcess: k.func('void *__stdcall GetCurrentProcess()'),
    SwitchToThread: k.func('bool __stdcall SwitchToThread()'),
    CreateFileW: k.func(
      'intptr_t __stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *t)',
    ),
    GetNamedPipeServerProcessId: k.func(
      'bool __stdcall GetNamedPipeServerProcessId(intptr_t pipe, _Out_ uint32_t *pid)',
    ),
    ClosePipe: k.func('CloseHandle', 'bool', ['intptr_t']),
    WaitNamedPipeW: k.func('bool __stdcall WaitNamedPipeW(str16 name, uint32_t ms)'),
    VirtualQuery: k.func('size_t __stdcall VirtualQuery(void *address, _Out_ uint8_t *info, size_t length)'),
    OpenProcessToken: a.func('bool __stdcall OpenProcessToken(void *process, uint32_t access, _Out_ void **token)'),
    GetTokenInformation: a.func(
      'bool __stdcall GetTokenInformation(void *token, int infoClass, void *info, uint32_t length, _Out_ uint32_t *returned)',
    ),
    GetSecurityInfo: a.func(
      'uint32_t __stdcall GetSecurityInfo(void *handle, int type, uint32_t info, _Out_ void **owner, void *group, void *dacl, void *sacl, _Out_ void **descriptor)',
    ),
    GetLengthSid: a.func('uint32_t __stdcall GetLengthSid(void *sid)'),
    LocalFree: k.func('void *__stdcall LocalFree(void *memory)'),
  } as Kernel32;
  return loaded;
}

/** The address a pointer result denotes (koffi 3 returns a bigint for `void *`; older versions an external). */
export function addressOf(pointer: unknown): bigint {
  if (pointer === null || pointer === undefined) return 0n;
  return typeof pointer === 'bigint' ? pointer : koffi().address(pointer);
}

/** The bytes at `address` (a copy), e.g. a SID inside a security descriptor. */
export function bytesAt(address: bigint, length: number): Uint8Array {
  return new Uint8Array(koffi().view(address, length).slice(0));
}

/** An ArrayBuffer over `length` bytes at `address`; it does not own the memory. */
export function viewOf(address: bigint, length: number): ArrayBuffer {
  return koffi().view(address, length);
}
