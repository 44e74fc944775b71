/**
 * Peer side of the control channel (see peer.ts): JSON lines in on stdin, one JSON answer line per command on
 * stdout, in order. Built in: `cpu` (process.cpuUsage), and `window-open` / `window-close`, the peer's own peak
 * RSS and GC share over a measured window (resources.ts). The peer exits when stdin closes, so a harness that dies
 * never leaves a peer behind.
 */
import { ResourceWindow } from './resources.js';

export type Handler = (command: Record<string, unknown>) => unknown;

export interface Control {
  /** Tell the harness the channel under test is connected (answers its start-up wait). */
  ready(): void;
}

export function serveControl(handlers: Record<string, Handler>): Control {
  let window: ResourceWindow | undefined;
  const all: Record<string, Handler> = {
    cpu: () => process.cpuUsage(),
    'window-open': () => {
      window?.discard(); // left open by a repetition that failed
      window = new ResourceWindow();
    },
    'window-close': () => {
      const closing = window;
      window = undefined;
      if (!closing) throw new Error('window-close without window-open');
      return closing.close();
    },
    ...handlers,
  };
  let buffer = '';
  // Commands run one after another, so answers keep the order of requests even when a handler is async.
  let chain: Promise<void> = Promise.resolve();
  const answer = (msg: unknown): void => {
    process.stdout.write(JSON.stringify(msg) + '\n');
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (s: string) => {
    buffer += s;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const command = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      chain = chain.then(async () => {
        const handler = all[String(command['cmd'])];
        try {
          if (!handler) throw new Error(`unknown command ${String(command['cmd'])}`);
          answer({ ok: true, value: (await handler(command)) ?? null });
        } catch (e) {
          answer({ ok: false, error: e instanceof Error ? e.message : String(e) });
        }
      });
    }
  });
  process.stdin.on('end', () => process.exit(0));
  // An orderly exit on the harness's SIGTERM, so exit-time output (--cpu-prof via RXSHM_BENCH_PEER_FLAGS) is written.
  process.once('SIGTERM', () => process.exit(0));
  return { ready: () => answer({ ok: true, value: 'ready' }) };
}

/**
 * Counts messages in throughput mode and lets the `wait` command resolve when all arrived.
 * Shared by the peers whose receiver just counts.
 */
export class Counter {
  private expected = 0;
  private received = 0;
  private waiter: (() => void) | undefined;
  /** True while counting (throughput mode); false means echo mode. */
  counting = false;

  expect(count: number): void {
    this.expected = count;
    this.received = 0;
    this.counting = true;
  }

  /** `count` messages arrived (more than one: a batch). */
  add(count = 1): void {
    this.received += count;
    if (this.received >= this.expected && this.waiter) this.finish();
  }

  wait(): Promise<number> {
    return new Promise((resolve) => {
      this.waiter = () => resolve(this.received);
      if (this.received >= this.expected) this.finish();
    });
  }

  private finish(): void {
    const w = this.waiter!;
    this.waiter = undefined;
    this.counting = false;
    w();
  }
}
