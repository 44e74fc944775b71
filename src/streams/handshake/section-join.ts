/**
 * The client's join of a named channel on a backend that passes no descriptors (Windows): connect to the doorbell,
 * check who serves it before sending a byte, send HELLO2, read the SECTION REPLY (section-wire.ts), open the segment
 * it names, check it, and build the Connection over the socket (docs/SETUP-DESIGN.md, "Windows").
 *
 * Cross-process invariants relied on: who serves the pipe is the kernel's word (`identity.pipeServerOf` on a probe
 * connection; `peerOf` where the socket has a descriptor), and must be this user or a trusted uid; the segment is
 * opened only under a name of the form section-wire builds, its owner (the kernel's word) must be trusted as well,
 * its header is validated and must name the listener's pid as SERVER_PID; a section's size is fixed at creation, so
 * nobody can shrink it under the mapping. The client produces ring 1 and consumes ring 0, as on every channel.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Credentials, NativeApi, Segment } from '../../native/contract.js';
import { ChannelSession, RingCorruptError, SegmentHeaderError } from '../../layout/index.js';
import { ConnectError } from '../errors.js';
import { buildConnection, tryBuildConnection } from '../connection/build-connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { socketFd, who } from './doorbell-owner.js';
import { readClientChannel } from './join-channel.js';
import { SETUP_ACCEPTED, SETUP_BUSY, SETUP_CLOSING, encodeSetupHello, setupStatusText } from './setup-wire.js';
import { SECTION_REPLY_LENGTH, decodeSectionReply } from './section-wire.js';
import type { ChannelJoin, DescriptorJoinOutcome } from './descriptor-join.js';

/** One attempt to join; owns its socket (and the segment it opens) until the Connection takes them. */
export class SectionJoin implements ChannelJoin {
  private socket: Socket | null = null;
  private finish: ((outcome: DescriptorJoinOutcome) => void) | null = null;

  constructor(
    private readonly channel: string,
    private readonly options: ResolvedOptions,
    private readonly native: NativeApi,
  ) {}

  /** Destroys the socket, if this attempt still owns it; `run` then resolves `cancelled`. */
  cancel(): void {
    this.end({ kind: 'cancelled' });
  }

  /** Runs the attempt; waits for the reply until `deadline` (a Date.now() value). Never rejects. */
  run(deadline: number): Promise<DescriptorJoinOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.end({ kind: 'retry', error: new Error('no reply before the deadline'), timedOut: true }),
        Math.max(0, deadline - Date.now()),
      );
      this.finish = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const path = this.native.doorbellPath(this.channel);
      const listener = this.listenerOf(path);
      if (listener === null) return;
      const socket = (this.socket = netConnect(path));
      socket.once('connect', () => this.greet(socket, listener));
      socket.on('error', (error) => this.end({ kind: 'retry', error }));
      socket.on('close', () => this.end({ kind: 'retry', error: new Error('the doorbell closed before the reply') }));
    });
  }

  /**
   * Who serves `path`, or null when this attempt ended instead (nobody, someone untrusted, or no answer now). Where
   * the doorbell is a pipe (Windows) it asks before connecting, on a probe connection of its own: the probe needs a
   * free pipe instance, and the attempt's own connection would hold one. Elsewhere it asks once connected.
   */
  private listenerOf(path: string, socket?: Socket): Credentials | null | undefined {
    const pipeServerOf = this.native.identity.pipeServerOf;
    if (pipeServerOf === undefined && socket === undefined) return undefined; // asked on the socket, once connected
    let listener: Credentials | null;
    try {
      listener = pipeServerOf ? pipeServerOf(path) : this.native.identity.peerOf(socketFd(socket!));
    } catch (error) {
      // Windows asks on a probe connection, which fails while every pipe instance is taken (a storm of clients):
      // worth another attempt; nothing was sent. One that never succeeds ends as ServerAbsent, naming this cause.
      const why = `cannot tell who listens on the doorbell: ${(error as Error).message}`;
      this.end({ kind: 'retry', error: new ConnectError('Refused', this.channel, why, error) });
      return null;
    }
    if (listener === null) {
      this.end({ kind: 'retry', error: new Error('nobody serves the doorbell') });
      return null;
    }
    const distrust = this.distrust(listener.uid, 'the doorbell is held by', listener);
    if (distrust === null) return listener;
    this.fail('Refused', `${distrust}; nothing was sent`);
    return null;
  }

  /** Checks who serves (unless the probe did), then says hello and reads the reply. */
  private greet(socket: Socket, probed: Credentials | undefined): void {
    const listener = probed ?? this.listenerOf(this.native.doorbellPath(this.channel), socket);
    if (!listener) return;
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length < SECTION_REPLY_LENGTH) return;
      socket.off('data', onData); // what follows the reply are bells: losing them costs latency only
      this.answered(received.subarray(0, SECTION_REPLY_LENGTH), listener);
    };
    socket.on('data', onData);
    socket.write(encodeSetupHello(process.pid));
  }

  /** What the reply says: join, retry (busy, closing) or fail. */
  private answered(bytes: Uint8Array, listener: Credentials): void {
    const reply = decodeSectionReply(bytes);
    if (reply === null) return this.fail('HandshakeFailed', `not a reply (magic 0x${bytes[0]?.toString(16)}...)`);
    const why = setupStatusText(reply.status);
    if (reply.status === SETUP_BUSY)
      return this.end({ kind: 'retry', error: new ConnectError('Busy', this.channel, why) });
    if (reply.status === SETUP_CLOSING) return this.end({ kind: 'retry', error: new Error(why) });
    if (reply.status !== SETUP_ACCEPTED || reply.section === null) return this.fail('Refused', why);
    let segment: Segment;
    try {
      segment = this.native.segments.open(reply.section);
    } catch (error) {
      // Gone already: the server closed between its reply and this open. Worth another attempt.
      if ((error as { code?: string }).code === 'NotFound') return this.end({ kind: 'retry', error: error as Error });
      return this.fail('HandshakeFailed', `its segment: ${(error as Error).message}`, error);
    }
    try {
      this.join(segment, reply.clientId, listener);
    } catch (error) {
      segment.close();
      const code = error instanceof SegmentHeaderError ? 'IncompatibleSegment' : 'HandshakeFailed';
      this.fail(code, (error as Error).message, error);
    }
  }

  /** Checks the opened segment and builds the Connection over the socket. */
  private join(segment: Segment, clientId: number, listener: Credentials): void {
    const owner = this.distrust(segment.ownerUid, 'its segment is owned by', null);
    if (owner !== null) {
      segment.close();
      return this.fail('Refused', owner);
    }
    const layout = readClientChannel(segment.buffer);
    const session = new ChannelSession(segment.buffer);
    if (session.serverPid !== listener.pid) {
      segment.close();
      return this.fail('Refused', `the segment names server pid ${session.serverPid}, but ${who(listener)} listens`);
    }
    const socket = this.socket!;
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
      segment.close();
      return this.fail('HandshakeFailed', `its rings are corrupt: ${built.message}`, built);
    }
    this.socket = null; // the connection's now
    this.end({ kind: 'joined', connection: built, segment });
  }

  /** Why `uid` is not trusted (`what` says whose it is), or null: it must be this user or a trusted uid. */
  private distrust(uid: number, what: string, process: Credentials | null): string | null {
    const trusted = [this.native.identity.uid(), ...this.options.trustUids];
    if (trusted.includes(uid)) return null;
    const whom = process ? who(process) : `uid ${uid}`;
    return `refused to trust the server: ${what} ${whom}, not by this user or a trusted uid (${trusted.join(', ')})`;
  }

  private fail(code: 'Refused' | 'HandshakeFailed' | 'IncompatibleSegment', why: string, cause?: unknown): void {
    this.end({ kind: 'failed', error: new ConnectError(code, this.channel, why, cause) });
  }

  /** Settles the attempt once; every outcome but `joined` destroys the socket. */
  private end(outcome: DescriptorJoinOutcome): void {
    const finish = this.finish;
    if (finish === null) return;
    this.finish = null;
    if (outcome.kind !== 'joined') {
      this.socket?.destroy();
      this.socket = null;
    }
    finish(outcome);
  }
}
