/**
 * The serving side of a named channel on Linux: binds the doorbell's abstract address at its exact length, hands the
 * listening descriptor to a `net.Server` paused on connect, and gives each client that passes the kernel's check
 * (SO_PEERCRED) and says hello a slot and its own sealed segment, passed with the reply (docs/LAYOUT.md 5).
 *
 * Cross-process invariants: nothing of the channel has a name in any file system, so nothing outlives the processes
 * (the kernel frees the address with the listener and each memfd with its last mapping); a client of another uid
 * gets nothing, not even a reply; each client has its own rings (single producer, single consumer), so a stalled
 * client delays only its own sends; a slot frees the moment its client's doorbell closes, and that client's segment
 * is unmapped once its Connection has ended (its engine may read the rings until then).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LocalSocketApi, NativeApi, Segment } from '../../native/contract.js';
import { SocketError } from '../../native/socket-errors.js';
import { RingCorruptError } from '../../layout/index.js';
import { ListenError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import { buildConnection, tryBuildConnection } from '../connection/build-connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { socketFd, who } from './doorbell-owner.js';
import { HELLO_TIMEOUT_MS } from './server-handshake.js';
import { createClientSegment, readSetupHello, refuseClient, sendReply } from './client-setup.js';
import { SlotTable } from './slot-table.js';
import { SETUP_ACCEPTED, SETUP_BAD_HELLO, SETUP_BUSY, SETUP_CLOSING, SETUP_REFUSED } from './setup-wire.js';

/** What a SlotServer is told at construction. */
export interface SlotServerParams {
  readonly channel: string;
  readonly options: ResolvedOptions;
  readonly maxClients: number;
  readonly native: NativeApi;
  readonly sockets: LocalSocketApi;
  readonly clientFailure: 'complete' | 'error';
  readonly onConnection: (connection: Connection) => void;
  readonly onError: (error: Error) => void;
}

/** A live client: its doorbell, its segment and, once built, its Connection. */
interface ClientSlot {
  readonly socket: Socket;
  segment: Segment | null;
  connection: Connection | null;
}

/**
 * One named channel's server with up to `maxClients` clients at once. `listen()` makes one per subscription;
 * `close()` is its teardown.
 */
export class SlotServer {
  private server: Server | null = null;
  private readonly slots: SlotTable<ClientSlot>;
  /** Sockets accepted that have not said hello yet. */
  private readonly greeting = new Set<Socket>();
  private generation = 0;
  private closing = false;

  constructor(private readonly params: SlotServerParams) {
    this.slots = new SlotTable(params.maxClients);
  }

  /** Binds the address and serves; throws ListenError when the address is held (saying by whom) or bind fails. */
  start(): void {
    const { channel, native, sockets } = this.params;
    const address = native.doorbellPath(channel);
    let fd: number;
    try {
      fd = sockets.listen(address);
    } catch (error) {
      if (error instanceof SocketError && error.code === 'AddressInUse') throw this.heldBy(address, error);
      throw new ListenError('DoorbellFailed', channel, `doorbell: ${(error as Error).message}`, error);
    }
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.onSocket(socket));
    this.server.on('error', (error) => {
      this.close();
      this.params.onError(new ListenError('DoorbellFailed', channel, `doorbell: ${error.message}`, error));
    });
    this.server.listen({ fd });
  }

  /**
   * Stops listening (the kernel drops the address at once); clients still greeting are dropped, each connected
   * client's connection closes after delivering what it queued (or, while being emitted, stays with the caller), and
   * its segment is unmapped once that connection has ended. Idempotent.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.server?.close();
    for (const socket of this.greeting) socket.destroy();
    this.greeting.clear();
    for (const slot of [...this.slots.values()]) {
      const segment = slot.segment;
      if (slot.connection) slot.connection.release(() => segment?.close());
      else {
        slot.socket.destroy();
        segment?.close();
      }
    }
  }

  /** Who holds the address: an AlreadyServing (this user) or Squatted (another) ListenError naming uid and pid. */
  private heldBy(address: string, cause: SocketError): ListenError {
    const { channel, native, sockets } = this.params;
    try {
      const fd = sockets.connect(address);
      try {
        const holder = native.identity.peerOf(fd);
        if (holder.uid === native.identity.uid())
          return new ListenError('AlreadyServing', channel, `process ${holder.pid} already serves it`, cause);
        return new ListenError('Squatted', channel, `the doorbell is held by ${who(holder)}`, cause);
      } finally {
        sockets.close(fd);
      }
    } catch (error) {
      return new ListenError('DoorbellFailed', channel, `doorbell: ${cause.message}`, error);
    }
  }

  private onSocket(socket: Socket): void {
    if (this.closing) return void socket.destroy();
    const { native, options } = this.params;
    let peer;
    try {
      peer = native.identity.peerOf(socketFd(socket));
    } catch {
      return void socket.destroy();
    }
    // Another user gets nothing at all: not a reply, not a descriptor.
    if (peer.uid !== native.identity.uid() && !options.trustUids.includes(peer.uid)) return void socket.destroy();
    this.greeting.add(socket);
    socket.resume();
    readSetupHello(
      socket,
      HELLO_TIMEOUT_MS,
      (pid) => {
        this.greeting.delete(socket);
        if (pid === null) return refuseClient(this.params.sockets, socket, SETUP_BAD_HELLO);
        this.admit(socket, peer.pid);
      },
      () => this.greeting.delete(socket),
    );
  }

  /** Gives a greeted client a slot and its segment, sends both, and emits its Connection. */
  private admit(socket: Socket, peerPid: number): void {
    const { channel, native, sockets, options } = this.params;
    if (this.closing) return refuseClient(sockets, socket, SETUP_CLOSING);
    const slot: ClientSlot = { socket, segment: null, connection: null };
    const clientId = this.slots.take(slot);
    if (clientId === null) return refuseClient(sockets, socket, SETUP_BUSY);
    socket.once('close', () => this.leave(clientId, slot));
    let layout;
    try {
      const generation = (this.generation = (this.generation + 1) >>> 0);
      ({ segment: slot.segment, layout } = createClientSegment(native, options, { clientPid: peerPid, generation }));
    } catch (error) {
      process.emitWarning(`rxshm: listen('${channel}') could not create a client's segment: ${String(error)}`, {
        code: 'RXSHM_CLIENT_SEGMENT_FAILED',
      });
      return refuseClient(sockets, socket, SETUP_REFUSED);
    }
    if (!sendReply(sockets, socket, SETUP_ACCEPTED, clientId, slot.segment.fd)) return void socket.destroy();
    const built = tryBuildConnection(() =>
      buildConnection({
        channel,
        side: 'server',
        buffer: slot.segment!.buffer,
        layout,
        socket,
        options,
        peerPid,
        generation: this.generation,
        clientId,
        peerFailure: this.params.clientFailure,
      }),
    );
    if (built instanceof RingCorruptError) return void socket.destroy();
    slot.connection = built;
    built.emitTo({ next: this.params.onConnection });
  }

  /** The client's doorbell closed: its slot frees now, its segment once its Connection has ended. */
  private leave(clientId: number, slot: ClientSlot): void {
    this.slots.free(clientId);
    const segment = slot.segment;
    if (!segment) return;
    if (slot.connection) slot.connection.release(() => segment.close(), false);
    else segment.close();
  }
}
