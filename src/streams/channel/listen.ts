/**
 * `listen(name, options?)`: serve a named channel.
 *
 * Cross-process invariants: those of the channel server (handshake/channel-server.ts): one client at a time, rings
 * reset only between clients, another user's name never touched, the name unlinked when serving stops.
 */
import { Observable } from 'rxjs';
import { native as defaultNative } from '../../native/index.js';
import { validateChannelName } from './channel-name.js';
import { ChannelServer } from '../handshake/channel-server.js';
import type { Connection } from '../connection/connection.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { ChannelOptionsError } from '../errors.js';

/** Options of listen: the channel's options, and what a client's failure does to its connection. */
export interface ListenOptions extends ChannelOptions {
  /**
   * A client that dies, aborts or corrupts its rings: `'complete'` (default) completes that connection's receive
   * side and reports the typed error on its `errors$` and `end$`, so `listen(...).pipe(mergeMap(...))` keeps serving
   * every other client without a catchError; `'error'` errors the receive side with it instead.
   */
  readonly clientFailure?: 'complete' | 'error';
}

/**
 * A cold observable that, on subscribe, creates the channel's segment (two rings) and its doorbell, and emits a
 * Connection each time a client completes the handshake: one client at a time (the next one waits); after it
 * leaves, the next client gets a new Connection with generation + 1 and clean rings. A client's failure ends only
 * its own connection (see ListenOptions.clientFailure), so the stream keeps serving. Unsubscribe stops listening and
 * unlinks the name; the current connection closes after delivering what it queued. Bad options throw
 * ChannelOptionsError at once; failures to serve error the observable with ListenError (`AlreadyServing` when a
 * live process of this user serves the name, `Squatted` naming the uid and pid of what holds it otherwise).
 *
 * @example
 * ```ts
 * listen('echo').pipe(mergeMap((connection) => connection.pipe(tap((bytes) => connection.next(bytes)))))
 *   .subscribe();
 * ```
 */
export function listen(name: string, options: ListenOptions = {}): Observable<Connection> {
  validateChannelName(name);
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  const clientFailure = options.clientFailure ?? 'complete';
  if (clientFailure !== 'complete' && clientFailure !== 'error') {
    throw new ChannelOptionsError(
      `invalid option clientFailure=${String(clientFailure)}: must be 'complete' or 'error'`,
    );
  }
  return new Observable<Connection>((subscriber) => {
    const server = new ChannelServer(
      name,
      resolved,
      native,
      (connection) => subscriber.next(connection),
      (error) => subscriber.error(error),
      clientFailure,
    );
    try {
      server.start();
    } catch (error) {
      server.close();
      subscriber.error(error);
    }
    return () => server.close();
  });
}
