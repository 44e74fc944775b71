/**
 * The serving side of a named channel: creates the segment (taking over one of this user's left by a dead server),
 * listens on the doorbell, accepts one client at a time and hands each accepted client to `onConnection`.
 *
 * Cross-process invariants: the segment is created exclusively with mode 0600 and its memory reserved (a full
 * /dev/shm fails listen with SegmentFailed/NoSpace, never a SIGBUS later); a segment whose server is alive is never
 * touched, nor is another user's segment; a name held by a process that does not serve it fails with `Squatted`,
 * naming its uid and pid (see taken-name.ts); rings are reset only between clients (see server-handshake.ts); a
 * client's slot frees (SERVER_STATE listening, CLIENT_STATE closed) only once its doorbell has closed, since it may
 * still read the rings until then; the creator sets SERVER_STATE closed, then unlinks, on close.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { NativeApi, Segment } from '../../native/contract.js';
import { UnlinkSegmentError } from '../../native/errors.js';
import {
  CLIENT_STATE_CLOSED,
  ChannelSession,
  RingCorruptError,
  SERVER_STATE_CLOSED,
  SERVER_STATE_LISTENING,
  channelSegmentLength,
  initChannelSegment,
  type ChannelLayout,
} from '../../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../../codecs/index.js';
import { ListenError } from '../errors.js';
import { HANDSHAKE_BUSY, HANDSHAKE_CLOSING } from './handshake.js';
import { accept, readHello, refuse } from './server-handshake.js';
import { probeDoorbell, who } from './doorbell-owner.js';
import { inspectTakenName } from './taken-name.js';
import { tryBuildConnection, buildConnection } from '../connection/build-connection.js';
import type { Connection } from '../connection/connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { segmentName } from '../channel/channel-name.js';

/** How often listen looks again at a name that another server takes while this one takes it over. */
const TAKEOVER_ROUNDS = 3;

/** Marks the client gone in the session line (CLIENT_PID 0, CLIENT_STATE closed, SERVER_STATE listening). */
function freeClientSlot(buffer: ArrayBuffer): void {
  const session = new ChannelSession(buffer);
  session.clientPid = 0;
  session.clientState = CLIENT_STATE_CLOSED;
  session.serverState = SERVER_STATE_LISTENING;
}

/**
 * One named channel's server: owns the segment and the doorbell's listening socket, accepts one client at a time and
 * builds its Connection, refuses the others (busy, closing), and frees the slot when the client's doorbell closes.
 * `listen()` makes one per subscription; `close()` is its teardown.
 */
export class ChannelServer {
  private segment: Segment | null = null;
  private layout: ChannelLayout | null = null;
  private server: Server | null = null;
  private current: Connection | null = null;
  private closing = false;

  constructor(
    private readonly channel: string,
    private readonly options: ResolvedOptions,
    private readonly native: NativeApi,
    private readonly onConnection: (connection: Connection) => void,
    private readonly onError: (error: Error) => void,
    private readonly clientFailure: 'complete' | 'error' = 'complete',
  ) {}

  /**
   * Creates the segment and listens; throws ListenError when that fails at once. A name already taken is looked
   * into asynchronously (who owns the segment, who listens on the doorbell): then it serves, or reports through
   * `onError`.
   */
  start(): void {
    const segment = this.createSegment();
    if (segment === null) void this.takeOver();
    else this.serve(segment);
  }

  private serve(segment: Segment): void {
    this.segment = segment;
    this.layout = initChannelSegment(segment.buffer, {
      ringCapacity: this.options.ringCapacity,
      maxMessage: this.options.maxMessage + FRAME_HEADER_LENGTH,
      token: randomBytes(8).readBigUInt64LE(0),
      creatorPid: process.pid,
    });
    const session = new ChannelSession(segment.buffer);
    session.serverPid = process.pid;
    session.serverState = SERVER_STATE_LISTENING;
    const path = this.native.doorbellPath(this.channel);
    this.server = createServer((socket) => this.onSocket(socket));
    this.server.on('error', (error: NodeJS.ErrnoException) => {
      this.close();
      if (error.code !== 'EADDRINUSE')
        return this.onError(new ListenError('DoorbellFailed', this.channel, `doorbell: ${error.message}`, error));
      // Someone else holds the doorbell: say who, rather than a bare EADDRINUSE.
      probeDoorbell(this.native, path).then(
        (holder) =>
          this.onError(
            holder
              ? new ListenError(
                  'Squatted',
                  this.channel,
                  `the doorbell is held by ${who(holder)}, which does not serve this channel's segment`,
                  error,
                )
              : new ListenError('DoorbellFailed', this.channel, `doorbell: ${error.message}`, error),
          ),
        () => this.onError(new ListenError('DoorbellFailed', this.channel, `doorbell: ${error.message}`, error)),
      );
    });
    this.server.listen(path);
  }

  /**
   * Stops listening and unlinks the name at once; the current connection closes after delivering what it queued
   * (or, when this runs while it is being emitted, e.g. `firstValueFrom(listen(name))`, stays with the caller until
   * it ends); the segment is unmapped after that. Idempotent.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.server?.close();
    const segment = this.segment;
    if (!segment) return;
    if (!segment.closed) new ChannelSession(segment.buffer).serverState = SERVER_STATE_CLOSED;
    try {
      this.native.segments.unlink(segmentName(this.channel));
    } catch (error) {
      // Already gone (unlinked by hand) is fine; anything else would leave the name behind: say so, since
      // teardown cannot throw.
      if (!(error instanceof UnlinkSegmentError && error.code === 'NotFound')) {
        process.emitWarning(`rxshm: listen('${this.channel}') could not remove its segment: ${String(error)}`, {
          code: 'RXSHM_UNLINK_FAILED',
        });
      }
    }
    if (this.current) this.current.release(() => segment.close());
    else segment.close();
  }

  private onSocket(socket: Socket): void {
    if (this.closing || !this.segment || !this.layout) return refuse(socket, HANDSHAKE_CLOSING);
    const { segment, layout } = this;
    readHello(socket, layout.token, (hello) => {
      if (this.closing) return refuse(socket, HANDSHAKE_CLOSING);
      if (this.current) return refuse(socket, HANDSHAKE_BUSY);
      const generation = accept(socket, segment.buffer, layout, hello);
      const connection = tryBuildConnection(() =>
        buildConnection({
          channel: this.channel,
          side: 'server',
          buffer: segment.buffer,
          layout,
          socket,
          options: this.options,
          peerPid: hello.pid,
          generation,
          peerFailure: this.clientFailure,
        }),
      );
      if (connection instanceof RingCorruptError) {
        // The rings were corrupted under the handshake: drop this client (its doorbell ends, so it fails with a
        // typed error), free the slot, and serve the next one.
        socket.destroy();
        freeClientSlot(segment.buffer);
        return;
      }
      this.current = connection;
      // The slot frees when the client's doorbell closes, not when the connection ends: a client may still be
      // reading the rings (a stalled event loop) after both Close frames, and the next client's accept resets them.
      socket.once('close', () => {
        if (this.current !== connection) return;
        this.current = null;
        if (!this.closing && !segment.closed) freeClientSlot(segment.buffer);
      });
      connection.emitTo({ next: this.onConnection });
    });
  }

  /** Creates the segment exclusively; null when the name is taken. Other failures are ListenError `SegmentFailed`. */
  private createSegment(): Segment | null {
    const size = channelSegmentLength(this.options.ringCapacity);
    try {
      return this.native.segments.create(segmentName(this.channel), size);
    } catch (error) {
      if ((error as { code?: string }).code === 'AlreadyExists') return null;
      throw new ListenError(
        'SegmentFailed',
        this.channel,
        `a segment of ${size} bytes (ringCapacity=${this.options.ringCapacity}): ${(error as Error).message}`,
        error,
      );
    }
  }

  /**
   * The name is taken: serve in its place only if the segment is ours and its server is gone. Another user's
   * segment is never taken over, and a doorbell held by anyone but the segment's live server is a squatter, named.
   */
  private async takeOver(): Promise<void> {
    const name = segmentName(this.channel);
    try {
      for (let round = 0; round < TAKEOVER_ROUNDS; round++) {
        const found = await inspectTakenName(this.native, name, this.native.doorbellPath(this.channel));
        if (this.closing) return;
        if (found.kind === 'serving') throw new ListenError('AlreadyServing', this.channel, found.why);
        if (found.kind === 'squatted') throw new ListenError('Squatted', this.channel, found.why);
        if (found.kind === 'stale') this.unlinkQuietly(name);
        const segment = this.createSegment();
        if (segment === null) continue; // another server took the name meanwhile: look again
        if (this.closing) {
          this.unlinkQuietly(name);
          return segment.close();
        }
        return this.serve(segment);
      }
      throw new ListenError(
        'SegmentFailed',
        this.channel,
        `the name was taken again ${TAKEOVER_ROUNDS} times while taking it over`,
      );
    } catch (error) {
      if (this.closing) return;
      this.close();
      this.onError(
        error instanceof ListenError
          ? error
          : new ListenError('SegmentFailed', this.channel, (error as Error).message, error),
      );
    }
  }

  private unlinkQuietly(name: string): void {
    try {
      this.native.segments.unlink(name);
    } catch {
      // gone already (another server took it over first): create() decides
    }
  }
}
