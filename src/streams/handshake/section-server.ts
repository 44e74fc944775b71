/**
 * The serving side of a named channel on a backend that passes no descriptors (Windows): listens on the doorbell
 * (the named pipe `\\.\pipe\rxshm.<name>`; each accepted pipe instance is one client's doorbell), and gives each
 * client that says HELLO2 a slot and a fresh segment of its own under an unguessable name, sent in the SECTION REPLY
 * (section-wire.ts; docs/SETUP-DESIGN.md, "Windows").
 *
 * Cross-process invariants: a client's segment is created exclusively under 128 random bits that only the server and
 * that client learn, with the default DACL of the server's token (this user only), and is never reused: a client
 * that stalls after its Close still maps its own segment, never the next client's. The pipe's default DACL lets
 * other users open it for reading only, so only this user (and administrators) can send HELLO2; the pid it states
 * is a claim, checked against the process's token owner where the backend can (`identity.processOwnerOf`). A slot
 * frees when its client's connection ends or its doorbell closes, whichever comes first (only its number is ever
 * reused), yet a server maps at most maxClients segments: one whose doorbell is still open counts against it. A
 * segment is unmapped (and, on Windows, gone with the client's last handle) once its doorbell has closed and its
 * Connection has ended. Nothing else has a name: the pipe goes with the listener.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { NativeApi, Segment } from '../../native/contract.js';
import { RingCorruptError } from '../../layout/index.js';
import { ListenError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import { buildConnection, tryBuildConnection } from '../connection/build-connection.js';
import type { ResolvedOptions } from '../channel/options.js';
import { addressInUse, refuseIfServed } from './served-name.js';
import { HELLO_TIMEOUT_MS } from './server-handshake.js';
import { createClientSegment, readSetupHello } from './client-setup.js';
import { SlotTable } from './slot-table.js';
import { SETUP_ACCEPTED, SETUP_BAD_HELLO, SETUP_BUSY, SETUP_CLOSING, SETUP_REFUSED } from './setup-wire.js';
import { SECTION_NONCE_BYTES, clientSectionName, encodeSectionReply } from './section-wire.js';

/** What a SectionServer is told at construction. */
export interface SectionServerParams {
  readonly channel: string;
  readonly options: ResolvedOptions;
  readonly maxClients: number;
  readonly native: NativeApi;
  readonly clientFailure: 'complete' | 'error';
  readonly onConnection: (connection: Connection) => void;
  readonly onError: (error: Error) => void;
}

/** A live client: its doorbell, its segment's name and mapping and, once built, its Connection. */
interface ClientSlot {
  readonly socket: Socket;
  readonly name: string;
  segment: Segment | null;
  connection: Connection | null;
  /** Its connection ended while its doorbell is still open: the slot is free, the segment still mapped. */
  lingering: boolean;
  /** Its doorbell has closed. */
  closed: boolean;
}

/** Answers `status` and closes the socket. */
function refuse(socket: Socket, status: number): void {
  socket.end(encodeSectionReply(status));
}

/**
 * One named channel's server with up to `maxClients` clients at once, each on a segment of its own. `listen()` makes
 * one per subscription; `close()` is its teardown.
 */
export class SectionServer {
  private server: Server | null = null;
  private readonly slots: SlotTable<ClientSlot>;
  /** Sockets accepted that have not said hello yet. */
  private readonly greeting = new Set<Socket>();
  private generation = 0;
  private closing = false;
  /** Clients whose slot freed at their connection's end but whose doorbell, and segment, are still open. */
  private lingering = 0;
  /** Every client with a segment or a connection, lingering ones included, until its doorbell closes. */
  private readonly live = new Set<ClientSlot>();

  constructor(private readonly params: SectionServerParams) {
    this.slots = new SlotTable(params.maxClients);
  }

  /**
   * Listens on the doorbell. A name already served throws (or, when found out only by listening, errors through
   * `onError`) ListenError AlreadyServing or Squatted, naming the process.
   */
  start(): void {
    const { channel, native } = this.params;
    const path = native.doorbellPath(channel);
    refuseIfServed(native, channel, path);
    this.server = createServer((socket) => this.onSocket(socket));
    this.server.on('error', (error: NodeJS.ErrnoException) => {
      this.close();
      if (error.code === 'EADDRINUSE') void addressInUse(native, channel, path, error).then(this.params.onError);
      else this.params.onError(new ListenError('DoorbellFailed', channel, `doorbell: ${error.message}`, error));
    });
    this.server.listen(path);
  }

  /**
   * Stops listening; clients still greeting are dropped, each connected client's connection closes after
   * delivering what it queued (or, while being emitted, stays with the caller), and its segment is unmapped once
   * that connection has ended. Idempotent.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.server?.close();
    for (const socket of this.greeting) socket.destroy();
    this.greeting.clear();
    for (const slot of [...this.live]) {
      this.unlinkQuietly(slot.name);
      const segment = slot.segment;
      if (slot.connection && !slot.lingering) slot.connection.release(() => segment?.close());
      else {
        slot.socket.destroy(); // a lingering client's connection has ended: its segment goes in leave()
        if (!slot.connection) segment?.close();
      }
    }
  }

  private onSocket(socket: Socket): void {
    if (this.closing) return void socket.destroy();
    this.greeting.add(socket);
    readSetupHello(
      socket,
      HELLO_TIMEOUT_MS,
      (pid) => {
        this.greeting.delete(socket);
        if (pid === null) return refuse(socket, SETUP_BAD_HELLO);
        this.admit(socket, pid);
      },
      () => this.greeting.delete(socket),
    );
  }

  /** Whether the process `pid` a client states belongs to this user or a trusted uid (true where none can say). */
  private trusted(pid: number): boolean {
    const { native, options } = this.params;
    const ownerOf = native.identity.processOwnerOf;
    if (!ownerOf) return true;
    const owner = ownerOf(pid);
    return owner !== null && (owner === native.identity.uid() || options.trustUids.includes(owner));
  }

  /** Gives a greeted client a slot and its own segment, names it in the reply, and emits its Connection. */
  private admit(socket: Socket, peerPid: number): void {
    const { channel, native, options } = this.params;
    if (this.closing) return refuse(socket, SETUP_CLOSING);
    // A client stating a pid of another user (or of no process) gets nothing at all, not even a reply.
    if (!this.trusted(peerPid)) return void socket.destroy();
    const nonce = randomBytes(SECTION_NONCE_BYTES);
    const slot: ClientSlot = {
      socket,
      name: clientSectionName(nonce),
      segment: null,
      connection: null,
      lingering: false,
      closed: false,
    };
    // Segments still mapped count too, so a server never holds more than maxClients of them.
    if (this.slots.size + this.lingering >= this.params.maxClients) return refuse(socket, SETUP_BUSY);
    const clientId = this.slots.take(slot);
    if (clientId === null) return refuse(socket, SETUP_BUSY);
    this.live.add(slot);
    socket.once('close', () => this.leave(clientId, slot));
    let layout;
    const generation = (this.generation = (this.generation + 1) >>> 0);
    try {
      const create = (size: number): Segment => native.segments.create(slot.name, size);
      ({ segment: slot.segment, layout } = createClientSegment(
        native,
        options,
        { clientPid: peerPid, generation },
        create,
      ));
    } catch (error) {
      process.emitWarning(`rxshm: listen('${channel}') could not create a client's segment: ${String(error)}`, {
        code: 'RXSHM_CLIENT_SEGMENT_FAILED',
      });
      return refuse(socket, SETUP_REFUSED);
    }
    socket.write(encodeSectionReply(SETUP_ACCEPTED, clientId, nonce));
    const built = tryBuildConnection(() =>
      buildConnection({
        channel,
        side: 'server',
        buffer: slot.segment!.buffer,
        layout,
        socket,
        options,
        peerPid,
        generation,
        clientId,
        peerFailure: this.params.clientFailure,
      }),
    );
    if (built instanceof RingCorruptError) return void socket.destroy();
    slot.connection = built;
    // Nothing of a slot is reused but its number, so it frees as soon as the connection has ended, even while the
    // client still holds its doorbell and its segment (a Windows pipe's close comes once the peer has read all).
    built.end$.subscribe(() => {
      if (slot.closed) return;
      slot.lingering = true;
      this.lingering++;
      this.slots.free(clientId);
    });
    built.emitTo({ next: this.params.onConnection });
  }

  /** The client's doorbell closed: its slot frees now (if it has not), its segment once its Connection has ended. */
  private leave(clientId: number, slot: ClientSlot): void {
    slot.closed = true;
    this.live.delete(slot);
    if (slot.lingering) this.lingering--;
    else this.slots.free(clientId);
    this.unlinkQuietly(slot.name);
    const segment = slot.segment;
    if (!segment) return;
    if (slot.connection) slot.connection.release(() => segment.close(), false);
    else segment.close();
  }

  /** Drops the segment's name where names outlive handles (the fake); Windows drops it with the last handle. */
  private unlinkQuietly(name: string): void {
    try {
      this.params.native.segments.unlink(name);
    } catch {
      // gone already, or never created
    }
  }
}
