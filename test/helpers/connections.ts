/**
 * Holding connections in tests. listen/connect/spawnConnected are cold: unsubscribing tears the connection down,
 * so `Opened` keeps the subscription and hands out its connections as promises; `receive` subscribes to a
 * connection's messages and reports how its receive side ended; `failure` awaits the error of any observable;
 * `served` starts test/fixtures/rpc-server.ts as a client that serves the test's requests.
 */
import type { Observable, Subscription } from 'rxjs';
import { listen, type Connection } from '../../src/index.js';
import { channelName } from './names.js';
import type { Child } from './processes.js';
import type { Watch } from './watched.js';

/** A subscription to a cold Observable<Connection> kept open, with its connections as promises. */
export class Opened {
  readonly subscription: Subscription;
  readonly connections: Connection[] = [];
  error: unknown = null;
  completed = false;
  private waiters: { resolve: (c: Connection) => void; reject: (e: unknown) => void }[] = [];
  private taken = 0;

  constructor(source: Observable<Connection>) {
    this.subscription = source.subscribe({
      next: (c) => {
        this.connections.push(c);
        this.waiters.shift()?.resolve(c);
      },
      error: (e) => {
        this.error = e;
        for (const w of this.waiters.splice(0)) w.reject(e);
      },
      complete: () => (this.completed = true),
    });
  }

  /** The next connection not taken yet (the first call: the first connection). */
  connection(): Promise<Connection> {
    const i = this.taken++;
    if (i < this.connections.length) return Promise.resolve(this.connections[i]!);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Rejects with the observable's error (for error-path tests). */
  failure(): Promise<unknown> {
    return this.connection().then(
      (c) => Promise.reject(new Error(`expected an error, got a connection (generation ${c.generation})`)),
      (e) => e,
    );
  }

  /** Unsubscribes: the connections it opened are torn down. */
  close(): void {
    this.subscription.unsubscribe();
  }
}

/** How a connection's receive side ended. */
export interface Ending {
  readonly how: 'complete' | 'error';
  readonly error?: unknown;
  /** performance.now() when it ended. */
  readonly at: number;
}

/** Subscribes to receive; resolves when the receive side completes or errors. */
export function receive(
  connection: Connection,
  onMessage: (m: Uint8Array) => void = () => undefined,
): { ended: Promise<Ending>; subscription: Subscription } {
  let subscription!: Subscription;
  const ended = new Promise<Ending>((resolve) => {
    subscription = connection.subscribe({
      next: onMessage,
      error: (error) => resolve({ how: 'error', error, at: performance.now() }),
      complete: () => resolve({ how: 'complete', at: performance.now() }),
    });
  });
  return { ended, subscription };
}

/**
 * The error `source` fails with; a value or a completion fails the test instead (a value also unsubscribes, so a
 * connection opened by mistake is torn down). Typed as Error for the message: check the class with assert.instance.
 */
export function failure(source: Observable<unknown>): Promise<Error> {
  const show = (v: unknown): string => {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v); // bigints
    }
  };
  return new Promise((resolve, reject) => {
    const subscription = source.subscribe({
      next: (v) => {
        reject(new Error(`expected an error, got ${show(v)}`));
        queueMicrotask(() => subscription.unsubscribe()); // a synchronous value comes before `subscription` is set
      },
      error: (error) => resolve(error as Error),
      complete: () => reject(new Error('expected an error, got complete')),
    });
  });
}

/** Listens on a fresh channel and starts rpc-server.ts as its client; resolves once it serves. */
export async function served(
  watch: Watch,
  options: Record<string, unknown> = {},
): Promise<{ connection: Connection; child: Child }> {
  const name = channelName();
  const listening = new Opened(listen(name));
  watch.defer(() => listening.close());
  const child = watch.child(['test/fixtures/rpc-server.ts', 'connect', name, JSON.stringify(options)]);
  const connection = await listening.connection();
  await child.next('ready');
  return { connection, child };
}
