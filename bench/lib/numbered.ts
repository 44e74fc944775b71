/**
 * Numbered messages of the many-clients bench: message `seq` of a stream carries `seq` in bytes 0..3 (u32,
 * little-endian), so a receiver proves it got each message exactly once and in order, for any transport.
 */

/** Writes `seq` into `bytes` (at least 4 bytes) and returns `bytes`. */
export function numbered(bytes: Uint8Array, seq: number): Uint8Array {
  bytes[0] = seq & 0xff;
  bytes[1] = (seq >>> 8) & 0xff;
  bytes[2] = (seq >>> 16) & 0xff;
  bytes[3] = (seq >>> 24) & 0xff;
  return bytes;
}

/** The number `bytes` carries. */
export function seqOf(bytes: Uint8Array): number {
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}

/** What a receiver reports: messages counted, and the first problem (null: every message once, in order). */
export interface NumberedReport {
  readonly received: number;
  readonly problem: string | null;
}

/**
 * Checks one stream: after `reset(count, size)` it expects messages 0..count-1 of `size` bytes, in order; anything
 * else (a gap, a repeat, a wrong size, a message beyond `count`) is a problem, the first of which is kept.
 * @example
 * ```ts
 * const check = new NumberedCheck().reset(2, 64);
 * check.add(numbered(new Uint8Array(64), 0));
 * const report = check.done(); // resolves once message 1 arrived too
 * ```
 */
export class NumberedCheck {
  private expected = 0;
  private size = 0;
  received = 0;
  problem: string | null = null;
  private waiter: ((report: NumberedReport) => void) | undefined;

  /** Expect `count` messages of `size` bytes (size 0: any size of at least 4) from number 0 on. */
  reset(count: number, size = 0): this {
    [this.expected, this.size, this.received] = [count, size, 0];
    return this;
  }

  /** One message; returns the check's problem (null while all is well). */
  add(bytes: Uint8Array): string | null {
    const seq = bytes.length >= 4 ? seqOf(bytes) : -1;
    if (this.received >= this.expected) this.fail(`message ${seq} beyond the ${this.expected} expected`);
    else if (seq !== this.received) this.fail(`message ${this.received} carries ${seq}`);
    else if (this.size > 0 && bytes.length !== this.size)
      this.fail(`message ${seq}: ${bytes.length} B, not ${this.size}`);
    this.received++;
    if (this.received >= this.expected) this.settle();
    return this.problem;
  }

  /** Records a failure of the stream itself (an error, a closed socket). */
  fail(problem: string): void {
    this.problem ??= problem;
    this.settle();
  }

  /** Resolves once `count` messages arrived, or at the first failure of the stream. */
  done(): Promise<NumberedReport> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      if (this.received >= this.expected || this.problem) this.settle();
    });
  }

  private settle(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ received: this.received, problem: this.problem });
  }
}
