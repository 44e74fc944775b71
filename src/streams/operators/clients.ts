/**
 * `clients()`: the set of live connections of a stream of connections (typically `listen(...)`), emitted anew on
 * every arrival and departure. Process-local only: a departure is a Connection's end (`end$`), which comes when its
 * client closes, dies or fails, or when this side closes.
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { Connection } from '../connection/connection.js';

/**
 * Emits the current set of connections (a new `ReadonlySet` each time) whenever one arrives or one ends; a
 * connection that has already ended when it arrives is not added. Completes or errors with the source; the sets it
 * emitted are snapshots, never changed afterwards.
 * @example
 * ```ts
 * listen('chat', { maxClients: 100 })
 *   .pipe(clients())
 *   .subscribe((connected) => console.log(`${connected.size} clients`));
 * ```
 */
export function clients(): OperatorFunction<Connection, ReadonlySet<Connection>> {
  return (source) =>
    new Observable<ReadonlySet<Connection>>((subscriber) => {
      const live = new Set<Connection>();
      const watches = new Map<Connection, Subscription>();
      const emit = (): void => subscriber.next(new Set(live));
      const upstream = source.subscribe({
        next: (connection) => {
          if (live.has(connection) || connection.ended) return;
          live.add(connection);
          emit();
          // end$ replays: a connection that ends while being added is removed right here.
          const watch = connection.end$.subscribe(() => {
            watches.get(connection)?.unsubscribe();
            watches.delete(connection);
            if (live.delete(connection)) emit();
          });
          if (live.has(connection)) watches.set(connection, watch);
          else watch.unsubscribe();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        upstream.unsubscribe();
        for (const watch of watches.values()) watch.unsubscribe();
        watches.clear();
        live.clear();
      };
    });
}
