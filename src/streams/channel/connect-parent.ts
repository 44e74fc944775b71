/**
 * `connectParent(options?)`: in a child started by spawnConnected, join the parent's anonymous channel.
 *
 * Cross-process invariants relied on: the parent passed the segment and the doorbell as inherited fds named by
 * PARENT_CHANNEL_ENV (see parent-channel.ts), single-use; nobody but the parent and this child holds them, so the
 * owner and listener checks of a named channel are not needed, but the token still is (the handshake is the same).
 * The segment is mapped only if the kernel says it is sealed against shrinking and growing (`openReceived`), so no
 * process holding it, this one included, can truncate it under the other side's mapping. Where the parent is a
 * nativeChannel on Windows, the doorbell is a one-shot named pipe under an unguessable name instead of an fd: this
 * process connects to it by name, and the parent accepts that one connection only.
 */
import { Socket, connect as connectPipe } from 'node:net';
import { Observable } from 'rxjs';
import type { Segment } from '../../native/contract.js';
import { native as defaultNative } from '../../native/index.js';
import type { ChannelLayout } from '../../layout/index.js';
import { ConnectError } from '../errors.js';
import { handshakeStatusText } from '../handshake/handshake.js';
import { joinChannel, readClientChannel } from '../handshake/join-channel.js';
import type { Connection } from '../connection/connection.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { PARENT_CHANNEL_ENV, parseParentChannelEnv } from './parent-channel.js';

/** The channel name a child's connection and its errors report. */
const PARENT_CHANNEL_NAME = 'parent';

/**
 * A cold observable that, on subscribe, maps the segment this process inherited from its parent (see
 * spawnConnected), completes the handshake and emits one Connection; it completes when the connection ends.
 * Errors with ConnectError `ServerAbsent` when this process was not started by spawnConnected, and
 * `IncompatibleSegment` when the inherited segment is not sealed against resizing (a parent of an older rxshm).
 * Unsubscribe sends Close and unmaps; a child that unsubscribes everything exits by itself.
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
    const channel = PARENT_CHANNEL_NAME;
    const fds = parseParentChannelEnv(process.env[PARENT_CHANNEL_ENV]);
    if (fds === null) {
      const why = `this process was not started by spawnConnected (${PARENT_CHANNEL_ENV} unset)`;
      subscriber.error(new ConnectError('ServerAbsent', channel, why));
      return;
    }
    // The fds are single-use: a second subscription must not map them again.
    delete process.env[PARENT_CHANNEL_ENV];
    let segment: Segment | undefined;
    let layout: ChannelLayout;
    try {
      // NotSealed for a segment that could be truncated; a named one (Windows) is a section, never resizable.
      segment =
        fds.segmentName === undefined
          ? native.segments.openReceived(fds.segmentFd)
          : native.segments.open(fds.segmentName);
      layout = readClientChannel(segment.buffer);
    } catch (error) {
      segment?.close();
      subscriber.error(new ConnectError('IncompatibleSegment', channel, (error as Error).message, error));
      return;
    }
    const mapped = segment;
    // A named pipe (nativeChannel on Windows) is connected by name; the hello is queued until it is connected.
    const socket =
      fds.pipeName === undefined
        ? new Socket({ fd: fds.doorbellFd, readable: true, writable: true })
        : connectPipe(fds.pipeName);
    let connection: Connection | null = null;
    const fail = (error: ConnectError): void => {
      socket.destroy();
      mapped.close();
      subscriber.error(error);
    };
    const params = { channel, buffer: mapped.buffer, layout, socket, options: resolved, serverPid: process.ppid };
    const stopJoin = joinChannel(params, (outcome) => {
      switch (outcome.kind) {
        case 'closed': {
          const cause = fds.pipeName !== undefined && outcome.error ? `: ${outcome.error.message}` : '';
          return fail(new ConnectError('HandshakeFailed', channel, `the parent closed the doorbell${cause}`));
        }
        case 'refused':
          return fail(new ConnectError('HandshakeFailed', channel, handshakeStatusText(outcome.status)));
        case 'corrupt': {
          const why = `the rings are corrupt: ${outcome.error.message}`;
          return fail(new ConnectError('HandshakeFailed', channel, why, outcome.error));
        }
        case 'joined':
          connection = outcome.connection;
          connection.onEnd = () => subscriber.complete(); // the teardown below then unmaps
          connection.emitTo(subscriber);
      }
    });
    return () => {
      stopJoin();
      if (connection) connection.release(() => mapped.close());
      else {
        socket.destroy();
        mapped.close();
      }
    };
  });
}
