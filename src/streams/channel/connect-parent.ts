/**
 * `connectParent(options?)`: in a child started by spawnConnected, join the parent's anonymous channel.
 */
import { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { native as defaultNative } from '../../native/index.js';
import { ChannelSession, RingCorruptError, readChannelSegment } from '../../layout/index.js';
import { clientHandshake, HANDSHAKE_ACCEPTED } from '../handshake/client-handshake.js';
import { ConnectError } from '../errors.js';
import { handshakeStatusText } from '../handshake/handshake.js';
import type { Connection } from '../connection/connection.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { PARENT_CHANNEL_ENV } from './spawn-connected.js';
import { readClientChannel, tryWire, wireConnection } from '../connection/build-connection.js';

/**
 * A cold observable that, on subscribe, maps the segment this process inherited from its parent (see
 * spawnConnected), completes the handshake and emits one Connection; it completes when the connection ends.
 * Errors with ConnectError `ServerAbsent` when this process was not started by spawnConnected. Unsubscribe
 * sends Close and unmaps; a child that unsubscribes everything exits by itself.
 *
 * @example
 * ```ts
 * connectParent().pipe(switchMap((parent) => parent.pipe(tap((bytes) => parent.next(bytes))))).subscribe();
 * ```
 */
export function connectParent(options: ChannelOptions = {}): Observable<Connection> {
  const resolved = resolveOptions(options);
  const native = options.native ?? defaultNative;
  return new Observable<Connection>((subscriber) => {
    const channel = 'parent';
    const fds = (process.env[PARENT_CHANNEL_ENV] ?? '').split(',').map(Number);
    if (fds.length !== 2 || !fds.every((fd) => Number.isInteger(fd) && fd > 2)) {
      subscriber.error(new ConnectError('ServerAbsent', channel, `this process was not started by spawnConnected (${PARENT_CHANNEL_ENV} unset)`));
      return;
    }
    // The fds are single-use: a second subscription must not map them again.
    delete process.env[PARENT_CHANNEL_ENV];
    let segment;
    let layout;
    try {
      segment = native.segments.openInherited(fds[0]!);
      layout = readClientChannel(segment.buffer);
    } catch (error) {
      segment?.close();
      subscriber.error(new ConnectError('IncompatibleSegment', channel, (error as Error).message, error));
      return;
    }
    const seg = segment;
    const lay = layout;
    const socket = new Socket({ fd: fds[1]!, readable: true, writable: true });
    let connection: Connection | null = null;
    const stop = clientHandshake(socket, lay.token, (outcome) => {
      if ('closed' in outcome || outcome.status !== HANDSHAKE_ACCEPTED) {
        const why = 'closed' in outcome ? 'the parent closed the doorbell' : handshakeStatusText(outcome.status);
        socket.destroy();
        seg.close();
        return subscriber.error(new ConnectError('HandshakeFailed', channel, why));
      }
      const session = new ChannelSession(seg.buffer);
      const wired = tryWire(() =>
        wireConnection({ channel, side: 'client', buffer: seg.buffer, layout: lay, socket, options: resolved, peerPid: process.ppid, generation: session.generation }),
      );
      if (wired instanceof RingCorruptError) {
        socket.destroy();
        seg.close();
        return subscriber.error(new ConnectError('HandshakeFailed', channel, `the rings are corrupt: ${wired.message}`, wired));
      }
      connection = wired;
      connection.onEnd = () => subscriber.complete(); // the teardown below then unmaps
      connection.emitTo(subscriber);
    });
    return () => {
      stop();
      if (connection) connection.release(() => seg.close());
      else {
        socket.destroy();
        seg.close();
      }
    };
  });
}
