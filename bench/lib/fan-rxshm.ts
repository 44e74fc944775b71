/**
 * rxshm's side of the many-clients bench: `listen()` with default options (up to 64 clients), the room kept with
 * `clients()` and written to with `broadcast()`, as a chat server does (README, "Many clients"). Each client has
 * its own rings, so the harness's fan-in check is one NumberedCheck per connection.
 */
import { BehaviorSubject, filter, firstValueFrom, mergeMap, share, type Subscription } from 'rxjs';
import type { Connection } from '../../src/index.js';
import { allChecked, SizeWatch, type FanServer, type GreetingServer } from './fan-server.js';
import { rxshm } from './library.js';
import { NumberedCheck, numbered } from './numbered.js';

const { broadcast, clients, listen } = rxshm;

/** Listens on channel `name`; every arrival is received and checked from the start. */
export function rxshmFanServer(name: string): FanServer {
  const checks = new Map<Connection, NumberedCheck>();
  const room = new BehaviorSubject<ReadonlySet<Connection>>(new Set());
  const watch = new SizeWatch(() => room.value.size);
  const arrivals = listen(name).pipe(share());
  const subscriptions: Subscription[] = [
    arrivals.pipe(clients()).subscribe((members) => {
      room.next(members);
      watch.changed();
    }),
    arrivals.subscribe((connection) => {
      const check = new NumberedCheck();
      checks.set(connection, check);
      connection.subscribe({
        next: (bytes) => check.add(bytes),
        error: (e: Error) => check.fail(`receive: ${e.message}`),
      });
    }),
  ];
  return {
    transport: 'rxshm',
    address: name,
    arrivals: (n) => watch.until(n),
    fanIn(perClient, size) {
      const members = [...room.value];
      return allChecked(
        members.map((c) => checks.get(c)!.reset(perClient, size).done()),
        'rxshm fan-in',
      );
    },
    async broadcast(count, size) {
      const targets = room.value; // a snapshot: clients() emits a new set on every change
      const bytes = new Uint8Array(size); // broadcast() copies into each ring or queue: one buffer serves all
      for (let seq = 0; seq < count; seq++) {
        const reached = broadcast(targets, numbered(bytes, seq));
        if (reached !== targets.size) throw new Error(`rxshm broadcast ${seq}: ${reached} of ${targets.size} took it`);
        for (const c of targets) if (!c.writable) await firstValueFrom(c.writable$.pipe(filter(Boolean)));
      }
    },
    departures: () => watch.until(0),
    async close() {
      for (const s of subscriptions) s.unsubscribe();
      for (const c of checks.keys()) if (!c.ended) c.complete();
      checks.clear();
    },
  };
}

/** Greets each client of channel `name` with message 0 of `size` bytes; each connection closes when its client does. */
export function rxshmGreetingServer(name: string, size: number): GreetingServer {
  const greeting = numbered(new Uint8Array(size), 0);
  const server = listen(name)
    .pipe(
      mergeMap((connection) => {
        connection.next(greeting);
        return connection;
      }),
    )
    .subscribe();
  return {
    address: name,
    close: async () => server.unsubscribe(),
  };
}
