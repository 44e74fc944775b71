/**
 * The client's join of a named channel on Linux (docs/LAYOUT.md 5): connect to the doorbell's abstract address on a
 * raw socket, check who listens (SO_PEERCRED) before sending a byte, send HELLO2, receive the REPLY and the sealed
 * segment's descriptor, map it, then hand the socket to `net.Socket` as the doorbell and build the Connection.
 *
 * Cross-process invariants relied on: the listener's credentials are the kernel's word; the reply's descriptor is
 * received with recvmsg before libuv reads the socket (a plain read would discard it); the segment is mapped only
 * if the kernel says it is sealed (no peer can shrink it: no SIGBUS), and its header is validated and must name the
 * listener's pid as SERVER_PID; the client produces ring 1 and consumes ring 0, as on every channel.
 */
import { Socket } from 'node:net';
import type { Credentials, LocalSocketApi, NativeApi, Segment } from '../../native/contract.js';
import { SocketError } from '../../native/socket-errors.js';
import { ChannelSession, RingCorruptError, SegmentHeaderError } from '../../layout/index.js';
import { ConnectError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import { buildConnection, tryBuildConnection } from '../connection/build-connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { who } from './doorbell-owner.js';
import { readClientChannel } from './join-channel.js';
import {
  SETUP_ACCEPTED,
  SETUP_BUSY,
  SETUP_CLOSING,
  decodeSetupReply,
  encodeSetupHello,
  setupStatusText,
} from './setup-wire.js';
import { awaitReply } from './await-reply.js';

/** How one join ended. */
export type DescriptorJoinOutcome =
  /** Joined: the connection (built, not yet emitted) and its segment, which the caller unmaps after it ends. */
  | { readonly kind: 'joined'; readonly connection: Connection; readonly segment: Segment }
  /**
   * Worth another attempt until the deadline: nobody listens, every slot is taken, the socket ended early, or the
   * deadline passed while waiting for the reply (`timedOut`).
   */
  | { readonly kind: 'retry'; readonly error: Error; readonly timedOut?: boolean }
  /** Final. */
  | { readonly kind: 'failed'; readonly error: ConnectError }
  /** `cancel()` ran. */
  | { readonly kind: 'cancelled' };

/** One attempt to join a named channel, whichever way the segment arrives (descriptor, or name on Windows). */
export interface ChannelJoin {
  /** Runs the attempt; waits for the server's reply until `deadline` (a Date.now() value). Never rejects. */
  run(deadline: number): Promise<DescriptorJoinOutcome>;
  /** Releases what the attempt holds; `run` then resolves `cancelled`. */
  cancel(): void;
}

/** One attempt to join; owns its raw socket (and any received descriptor) until the Connection takes them. */
export class DescriptorJoin implements ChannelJoin {
  private fd = -1;
  private cancelled = false;

  constructor(
    private readonly channel: string,
    private readonly options: ResolvedOptions,
    private readonly native: NativeApi,
    private readonly sockets: LocalSocketApi,
  ) {}

  /** Closes the raw socket, if this attempt still owns it; `run` then resolves `cancelled`. */
  cancel(): void {
    this.cancelled = true;
    this.closeSocket();
  }

  /** Runs the attempt; waits for the reply until `deadline` (a Date.now() value). Never rejects. */
  async run(deadline: number): Promise<DescriptorJoinOutcome> {
    try {
      return await this.attempt(deadline);
    } catch (error) {
      this.closeSocket();
      if (this.cancelled) return { kind: 'cancelled' };
      if (error instanceof SocketError && (error.code === 'NotListening' || error.code === 'Busy'))
        return { kind: 'retry', error };
      if (error instanceof SocketError && error.code === 'PeerGone') return { kind: 'retry', error };
      const code = error instanceof SegmentHeaderError ? 'IncompatibleSegment' : 'HandshakeFailed';
      return { kind: 'failed', error: new ConnectError(code, this.channel, (error as Error).message, error) };
    }
  }

  private async attempt(deadline: number): Promise<DescriptorJoinOutcome> {
    const fd = (this.fd = this.sockets.connect(this.native.doorbellPath(this.channel)));
    const listener = this.native.identity.peerOf(fd);
    const distrust = this.distrust(listener);
    if (distrust !== null) return this.fail('Refused', `refused to trust the server: ${distrust}; nothing was sent`);
    this.sockets.send(fd, encodeSetupHello(process.pid));
    const answer = await awaitReply(this.sockets, fd, deadline, () => this.cancelled);
    if (this.cancelled) {
      if (answer.kind === 'reply' && answer.fd !== null) this.sockets.close(answer.fd);
      return { kind: 'cancelled' };
    }
    if (answer.kind !== 'reply') {
      this.closeSocket();
      const why = `the doorbell ${answer.kind} before the server's reply`;
      return { kind: 'retry', error: new Error(why), timedOut: answer.kind === 'timed out' };
    }
    const reply = decodeSetupReply(answer.bytes);
    if (reply === null || reply.status !== SETUP_ACCEPTED || answer.fd === null) {
      if (answer.fd !== null) this.sockets.close(answer.fd);
      if (reply === null) return this.fail('HandshakeFailed', `not a reply (${answer.bytes.length} bytes)`);
      const why = setupStatusText(reply.status);
      if (reply.status === SETUP_BUSY) return this.again(new ConnectError('Busy', this.channel, why));
      if (reply.status === SETUP_CLOSING) return this.again(new Error(why));
      if (reply.status !== SETUP_ACCEPTED) return this.fail('Refused', why);
      return this.fail('HandshakeFailed', 'an accepting reply came without a segment descriptor');
    }
    return this.join(answer.fd, reply.clientId, listener);
  }

  /** Maps the received segment, checks it, and builds the Connection over the socket taken over by `net`. */
  private join(memfd: number, clientId: number, listener: Credentials): DescriptorJoinOutcome {
    const segment = this.native.segments.openReceived(memfd); // closes memfd itself when it refuses it
    try {
      const layout = readClientChannel(segment.buffer);
      const session = new ChannelSession(segment.buffer);
      if (session.serverPid !== listener.pid) {
        const why = `the segment names server pid ${session.serverPid}, but ${who(listener)} listens`;
        segment.close();
        return this.fail('Refused', why);
      }
      const socket = new Socket({ fd: this.fd, readable: true, writable: true });
      this.fd = -1; // the doorbell's now
      const built = tryBuildConnection(() =>
        buildConnection({
          channel: this.channel,
          side: 'client',
          buffer: segment.buffer,
          layout,
          socket,
          options: this.options,
          peerPid: listener.pid,
          generation: session.generation,
          clientId,
        }),
      );
      if (built instanceof RingCorruptError) {
        socket.destroy();
        segment.close();
        return this.fail('HandshakeFailed', `its rings are corrupt: ${built.message}`);
      }
      return { kind: 'joined', connection: built, segment };
    } catch (error) {
      segment.close();
      throw error;
    }
  }

  /** Why the listener is not trusted, or null: it must be this user or a trusted uid. */
  private distrust(listener: Credentials): string | null {
    const trusted = [this.native.identity.uid(), ...this.options.trustUids];
    if (trusted.includes(listener.uid)) return null;
    return `the doorbell is held by ${who(listener)}, not by this user or a trusted uid (${trusted.join(', ')})`;
  }

  private fail(code: 'Refused' | 'HandshakeFailed', why: string): DescriptorJoinOutcome {
    this.closeSocket();
    return { kind: 'failed', error: new ConnectError(code, this.channel, why) };
  }

  private again(error: Error): DescriptorJoinOutcome {
    this.closeSocket();
    return { kind: 'retry', error };
  }

  private closeSocket(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      this.sockets.close(fd);
    } catch {
      // closed already
    }
  }
}
