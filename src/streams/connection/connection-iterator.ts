/**
 * `for await (const bytes of connection)`: a connection's messages as an async iterator. What arrives between two
 * pulls is buffered (a head index, so a long buffer drains in linear time); the receive side's error is thrown from
 * the pull that reaches it; `return()` (a `break`) unsubscribes. Process-local only.
 */
import type { Observable } from 'rxjs';

/** An async iterator over a connection's messages: buffers what arrives between pulls; errors are thrown. */
export function iterate(connection: Observable<Uint8Array>): AsyncIterator<Uint8Array> {
  const values: Uint8Array[] = [];
  let head = 0;
  let end: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const subscription = connection.subscribe({
    next: (value) => {
      values.push(value);
      wake?.();
    },
    error: (error) => {
      end = { error };
      wake?.();
    },
    complete: () => {
      end = { error: undefined };
      wake?.();
    },
  });
  return {
    async next(): Promise<IteratorResult<Uint8Array>> {
      for (;;) {
        if (head < values.length) {
          const value = values[head++]!;
          if (head === values.length) values.length = head = 0;
          return { value, done: false };
        }
        if (end) {
          if (end.error !== undefined) throw end.error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      subscription.unsubscribe();
      return { value: undefined, done: true };
    },
  };
}
