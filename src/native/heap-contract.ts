/**
 * The process's C heap policy, part of the native contract (contract.ts re-exports it): what a backend may do so
 * that fresh copies of received messages reuse freed memory. Process-local; nothing here touches shared memory.
 */

/** The process's C heap policy: glibc's on Linux (linux/heap.ts); absent where there is nothing to tune. */
export interface HeapApi {
  /**
   * Keeps freed heap memory for reuse instead of returning it to the OS at once (fresh copies of received messages
   * then reuse memory instead of faulting new pages in), once per process; says what it did. Honours an opt-out.
   */
  retainFreed(): 'applied' | 'opted-out' | 'user-tuned' | 'unavailable';
}
