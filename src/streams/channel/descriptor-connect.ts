/**
 * connect()'s attempts: one join after another (DescriptorJoin on Linux, each on a fresh raw socket; SectionJoin on
 * Windows) until one joins,
 * one fails for good, or the deadline passes (ConnectError `Busy` if every slot stayed taken, `ServerAbsent` if no
 * server answered).
 *
 * Cross-process invariants relied on: those of DescriptorJoin (handshake/descriptor-join.ts); nothing is sent to a
 * listener of an untrusted uid, and every descriptor of a failed attempt is closed before the next one.
 */
import type { Subscriber } from 'rxjs';
import type { Segment } from '../../native/contract.js';
import { ConnectError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import type { ChannelJoin } from '../handshake/descriptor-join.js';
import type { ResolvedOptions } from './options.js';

/** Pause between attempts while the server is absent or full. */
const RETRY_MS = 25;

/** One subscription's attempts; owns the connection's segment until the connection ends and is released. */
export class DescriptorConnectAttempt {
  private readonly deadline: number;
  private join: ChannelJoin | null = null;
  private timer: NodeJS.Timeout | null = null;
  private connection: Connection | null = null;
  private segment: Segment | null = null;
  private cancelled = false;
  /** The last server that answered said Busy (an attempt cut short by the deadline does not change that). */
  private lastBusy = false;

  constructor(
    private readonly channel: string,
    private readonly options: ResolvedOptions,
    private readonly makeJoin: () => ChannelJoin,
    private readonly subscriber: Subscriber<Connection>,
  ) {
    this.deadline = Date.now() + options.timeout;
  }

  /** One attempt; the next is scheduled by its outcome. */
  tryOnce(): void {
    if (this.cancelled) return;
    const join = (this.join = this.makeJoin());
    void join.run(this.deadline).then((outcome) => {
      this.join = null;
      switch (outcome.kind) {
        case 'cancelled':
          return;
        case 'failed':
          return this.subscriber.error(outcome.error);
        case 'retry':
          return this.retry(outcome.error, outcome.timedOut === true);
        case 'joined': {
          const { connection, segment } = outcome;
          this.connection = connection;
          this.segment = segment;
          if (this.cancelled) return connection.release(() => segment.close());
          connection.onEnd = () => this.subscriber.complete(); // its teardown (cancel) then unmaps
          connection.emitTo(this.subscriber);
        }
      }
    });
  }

  /** Stops retrying; releases the connection (which unmaps once it has ended) or the pending attempt. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.join?.cancel();
    const segment = this.segment;
    this.connection?.release(() => segment?.close());
  }

  private retry(cause: Error, timedOut: boolean): void {
    if (this.cancelled) return;
    if (!timedOut) this.lastBusy = cause instanceof ConnectError && cause.code === 'Busy';
    if (Date.now() >= this.deadline) {
      if (this.lastBusy) {
        const why = `every client slot was taken for ${this.options.timeout} ms`;
        return this.subscriber.error(new ConnectError('Busy', this.channel, why));
      }
      const why = `no server within ${this.options.timeout} ms`;
      return this.subscriber.error(new ConnectError('ServerAbsent', this.channel, why, cause));
    }
    this.timer = setTimeout(() => this.tryOnce(), RETRY_MS);
  }
}
