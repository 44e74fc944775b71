/**
 * The serving side of a named channel: creates the segment (taking over one left by a dead server), listens on
 * the doorbell, accepts one client at a time and hands each accepted client to `onConnection`.
 *
 * Cross-process invariants: the segment is created exclusively with mode 0600; a segment whose server is alive is
 * never touched; rings are reset only between clients (see accept.ts); the creator unlinks on close.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { NativeApi, Segment } from '../native/contract.js';
import { ChannelSession, SERVER_STATE_CLOSED, SERVER_STATE_LISTENING, channelSegmentLength, initChannelSegment, readChannelSegment, type ChannelLayout } from '../layout/index.js';
import { FRAME_HEADER_LENGTH } from '../codecs/index.js';
import { ListenError } from './errors.js';
import { HANDSHAKE_BUSY, HANDSHAKE_CLOSING } from './handshake.js';
import { accept, readHello, refuse } from './accept.js';
import { wireConnection } from './wire.js';
import type { Connection } from './connection.js';
import type { ResolvedOptions } from './options.js';

/** The shared-memory name of a channel's segment. */
export const segmentName = (channel: string): string => `rxshm.${channel}`;

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

  start(): void {
    this.segment = this.createSegment();
    this.layout = initChannelSegment(this.segment.buffer, {
      ringCapacity: this.options.ringCapacity,
      maxMessage: this.options.maxMessage + FRAME_HEADER_LENGTH,
      token: randomBytes(8).readBigUInt64LE(0),
      creatorPid: process.pid,
    });
    const session = new ChannelSession(this.segment.buffer);
    session.serverPid = process.pid;
    session.serverState = SERVER_STATE_LISTENING;
    this.server = createServer((socket) => this.onSocket(socket));
    this.server.on('error', (error) => {
      this.close();
      this.onError(new ListenError('DoorbellFailed', this.channel, `doorbell: ${error.message}`, error));
    });
    this.server.listen(this.native.doorbellPath(this.channel));
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
    } catch {
      // already gone (e.g. unlinked by hand): nothing to clean up
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
      const connection = wireConnection({
        channel: this.channel,
        side: 'server',
        buffer: segment.buffer,
        layout,
        socket,
        options: this.options,
        peerPid: hello.pid,
        generation,
        peerFailure: this.clientFailure,
      });
      this.current = connection;
      // The slot frees when the client's doorbell closes, not when the connection ends: a client may still be
      // reading the rings (a stalled event loop) after both Close frames, and the next client's accept resets them.
      socket.once('close', () => {
        if (this.current !== connection) return;
        this.current = null;
        if (!this.closing && !segment.closed) {
          const session = new ChannelSession(segment.buffer);
          session.clientPid = 0;
          session.serverState = SERVER_STATE_LISTENING;
        }
      });
      connection.emitTo({ next: this.onConnection });
    });
  }

  /** Creates the segment; a segment left by a server that no longer runs is unlinked and created anew. */
  private createSegment(): Segment {
    const name = segmentName(this.channel);
    const size = channelSegmentLength(this.options.ringCapacity);
    try {
      return this.native.segments.create(name, size);
    } catch (error) {
      if ((error as { code?: string }).code !== 'AlreadyExists') {
        throw new ListenError('SegmentFailed', this.channel, (error as Error).message, error);
      }
    }
    const owner = this.ownerOf(name);
    if (owner !== 0 && this.native.processes.state(owner) === 'running') {
      throw new ListenError('AlreadyServing', this.channel, `process ${owner} already serves it`);
    }
    try {
      this.native.segments.unlink(name);
      return this.native.segments.create(name, size);
    } catch (error) {
      throw new ListenError('SegmentFailed', this.channel, (error as Error).message, error);
    }
  }

  /** The pid serving an existing segment, or 0 if the segment is not a valid channel (left half-made). */
  private ownerOf(name: string): number {
    let existing: Segment | null = null;
    try {
      existing = this.native.segments.open(name);
      const layout = readChannelSegment(existing.buffer);
      return new ChannelSession(existing.buffer).serverPid || layout.creatorPid;
    } catch {
      return 0;
    } finally {
      existing?.close();
    }
  }
}
