/**
 * `listen(name, options?)`: serve a named channel.
 *
 * Cross-process invariants: those of the slot server on Linux (handshake/slot-server.ts): one sealed segment per
 * client, passed over the doorbell, nothing named in any file system, a slot freed when its client's doorbell
 * closes; on Windows those of the section server (handshake/section-server.ts): a fresh section per client under an
 * unguessable name, nothing reused; with a backend that cannot pass descriptors (the fake), those of the channel server
 * (handshake/channel-server.ts): one named segment, one client at a time, the name unlinked when serving stops.
 */
import { Observable } from 'rxjs';
import { native as defaultNative } from '../../native/index.js';
import { validateChannelName } from './channel-name.js';
import { ChannelServer } from '../handshake/channel-server.js';
import { SlotServer } from '../handshake/slot-server.js';
import { SectionServer } from '../handshake/section-server.js';
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
  /**
   * How many clients may be connected at once (default 64, 1..MAX_CLIENTS). A client beyond that is answered
   * `Busy` and retries until its own timeout. Memory grows with the clients connected, not with this number.
   * The fake backend serves one client at a time whatever this says (unless created with `clientSections`).
   */
  readonly maxClients?: number;
}

/** Default `maxClients` of listen. */
export const DEFAULT_MAX_CLIENTS = 64;
/** The largest `maxClients` listen accepts. */
export const MAX_CLIENTS = 65_536;

function resolveMaxClients(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_CLIENTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CLIENTS)
    throw new ChannelOptionsError(`invalid option maxClients=${String(value)}: must be an integer 1..${MAX_CLIENTS}`);
  return value;
}

/**
 * A cold observable that, on subscribe, binds the channel's doorbell and emits a Connection each time a client
 * completes the handshake: up to `maxClients` at once (default 64), each with its own segment (two rings),
 * `clientId` (its slot, 0-based, reused once it leaves), `peerPid` and a generation one higher than the previous
 * client's. A client's failure ends only its own connection (see ListenOptions.clientFailure), so the stream keeps
 * serving. Unsubscribe stops listening; each connection closes after delivering what it queued. Bad options throw
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
  const maxClients = resolveMaxClients(options.maxClients);
  return new Observable<Connection>((subscriber) => {
    const onConnection = (connection: Connection): void => subscriber.next(connection);
    const onError = (error: Error): void => subscriber.error(error);
    // Linux: a sealed segment per client, passed over the doorbell; Windows: a section per client under an
    // unguessable name sent over the pipe; the fake (unless told otherwise): one named segment, one client at a time.
    const sockets = native.sockets;
    const params = { channel: name, options: resolved, maxClients, native, clientFailure, onConnection, onError };
    const server = sockets
      ? new SlotServer({ ...params, sockets })
      : native.clientSections
        ? new SectionServer(params)
        : new ChannelServer(name, resolved, native, onConnection, onError, clientFailure);
    try {
      server.start();
    } catch (error) {
      server.close();
      subscriber.error(error);
    }
    return () => server.close();
  });
}
