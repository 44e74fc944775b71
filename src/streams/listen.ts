/**
 * `listen(name, options?)`: serve a named channel.
 */
import { Observable } from 'rxjs';
import { native as defaultNative } from '../native/index.js';
import { validateChannelName } from './channel-name.js';
import { ChannelServer } from './channel-server.js';
import type { Connection } from './connection.js';
import { resolveOptions, type ChannelOptions } from './options.js';

/**
 * A cold observable that, on subscribe, creates the channel's segment (two rings) and its doorbell, and emits a
 * Connection each time a client completes the handshake: one client at a time; after it leaves, the next client
 * gets a new Connection with generation + 1 and clean rings. Unsubscribe closes every connection (Close is sent)
 * and unlinks the segment. Bad options throw ChannelOptionsError at once; failures to serve error the observable
 * with ListenError (`AlreadyServing` when a live process serves the name).
 *
 * @example
 * ```ts
 * listen('echo').pipe(mergeMap((connection) => connection.pipe(tap((bytes) => connection.next(bytes)))))
 *   .subscribe();
 * ```
 */
export function listen(name: string, options: ChannelOptions = {}): Observable<Connection> {
  validateChannelName(name);
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  return new Observable<Connection>((subscriber) => {
    const server = new ChannelServer(name, resolved, native, (c) => subscriber.next(c), (e) => subscriber.error(e));
    try {
      server.start();
    } catch (error) {
      server.close();
      subscriber.error(error);
    }
    return () => server.close();
  });
}
