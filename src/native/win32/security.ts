/**
 * Who owns what on Windows, as a number the contract's `uid` fields can carry: Windows names users by SIDs, so a
 * SID is turned into a uid by hashing its bytes (SHA-256, first 31 bits). `identity.uid()` is the uid of this
 * process token's default owner (TokenOwner: the owner Windows gives every object this process creates, the user
 * or, for an elevated administrator, BUILTIN\Administrators), and `ownerUid`/`ownerOf` the uid of a section's owner
 * SID (GetSecurityInfo), so "created by this user" compares equal exactly when Windows says the same owner.
 *
 * Cross-process invariants relied on: a section's owner SID is set by the kernel from the creator's token and no
 * process without WRITE_OWNER on it can change it; sections created without explicit security attributes get the
 * default DACL of the creator's token (the user, SYSTEM, administrators: no other user can open them).
 * Caveat: 31 bits of a hash are not the SID itself; two SIDs could share a uid with odds of 2^-31 (nobody chooses
 * their SID, so this is not a forgery path, but a uid here is an identity for comparison only).
 */
import { createHash } from 'node:crypto';
import { koffi } from '../linux/libc.js';
import {
  addressOf,
  bytesAt,
  kernel32,
  OWNER_SECURITY_INFORMATION,
  SE_KERNEL_OBJECT,
  TOKEN_OWNER_CLASS,
  TOKEN_QUERY,
  type Handle,
} from './kernel32.js';

/** TOKEN_OWNER and the SID it points to: a pointer and at most 68 bytes. */
const TOKEN_INFO_BYTES = 256;

/** The uid of the SID at `sid`: the first 31 bits of SHA-256 over its bytes. */
function uidOfSid(sid: Handle): number {
  const k = kernel32();
  const bytes = bytesAt(addressOf(sid), k.GetLengthSid(sid));
  return createHash('sha256').update(bytes).digest().readUInt32LE(0) & 0x7fffffff;
}

let tokenOwner: number | null = null;

/** The uid of this process token's default owner (read once: a process's token does not change owner). */
export function processOwnerUid(): number {
  tokenOwner ??= tokenOwnerUid(kernel32().GetCurrentProcess());
  return tokenOwner;
}

/** The uid of the default owner of `process`'s token (a process handle with PROCESS_QUERY_LIMITED_INFORMATION). */
export function tokenOwnerUid(process: Handle): number {
  const k = kernel32();
  const token: [Handle] = [null];
  if (!k.OpenProcessToken(process, TOKEN_QUERY, token))
    throw new Error(`OpenProcessToken failed (Win32 error ${k.GetLastError()})`);
  // Memory of koffi's own (koffi.alloc), not a Buffer: TOKEN_OWNER holds a pointer to a SID inside the same block,
  // and a Buffer would be copied in and out, leaving that pointer aimed at koffi's freed copy.
  const info = koffi().alloc('uint8_t', TOKEN_INFO_BYTES);
  try {
    const returned: [number] = [0];
    if (!k.GetTokenInformation(token[0], TOKEN_OWNER_CLASS, info, TOKEN_INFO_BYTES, returned))
      throw new Error(`GetTokenInformation failed (Win32 error ${k.GetLastError()})`);
    return uidOfSid(koffi().decode(info, 'void *'));
  } finally {
    koffi().free(info);
    k.CloseHandle(token[0]);
  }
}

/** The uid of the owner of the kernel object `handle` (opened with READ_CONTROL); a Win32 error code on failure. */
export function ownerUidOf(handle: Handle): number | { error: number } {
  const k = kernel32();
  const owner: [Handle] = [null];
  const descriptor: [Handle] = [null];
  const result = k.GetSecurityInfo(
    handle,
    SE_KERNEL_OBJECT,
    OWNER_SECURITY_INFORMATION,
    owner,
    null,
    null,
    null,
    descriptor,
  );
  if (result !== 0) return { error: result };
  try {
    // Windows gives every kernel object an owner. Wine gives its sections none, and runs every process as the one
    // user: only there is an object without an owner counted as this user's (see README "Platforms").
    if (addressOf(owner[0]) === 0n) return processOwnerUid();
    return uidOfSid(owner[0]);
  } finally {
    k.LocalFree(descriptor[0]);
  }
}
