/**
 * A parked flag of a ring header (PRODUCER_PARKED or CONSUMER_PARKED, docs/LAYOUT.md 4.6): the word a side sets to
 * say "I am about to sleep, wake me", and that the other side takes (1 -> 0) to learn whether it must ring the
 * doorbell. One class for both flags: the reader parks on CONSUMER_PARKED and takes PRODUCER_PARKED, the writer the
 * reverse.
 *
 * Cross-process invariants relied on: every access is a sequentially consistent atomic. A sleeper stores 1, then
 * re-checks the ring before it sleeps; a waker publishes its position, then takes the flag. So either the re-check
 * sees the new position or the take sees 1, and a wake-up is never lost; exactly one party wins the
 * compare-exchange, so the doorbell rings at most once per park.
 */

/** One parked flag: the word at `index` of `words` (an Int32Array over the whole segment). */
export class ParkedFlag {
  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
  ) {}

  /** Announces that this side waits; re-check the ring after this, before sleeping. */
  park(): void {
    Atomics.store(this.words, this.index, 1);
  }

  /** Withdraws the announcement: woken, or the re-check found what this side waited for. */
  unpark(): void {
    Atomics.store(this.words, this.index, 0);
  }

  /** Wakes the side parked on this flag, if it parked: true when the caller must ring the doorbell. */
  take(): boolean {
    // A plain (sequentially consistent) load first: the locked compare-exchange only when the flag is set. Still
    // Dekker-safe: the consumer stores 1 then re-checks WRITE_POSITION; we stored WRITE_POSITION then load the flag.
    // (Symmetrically for PRODUCER_PARKED: the producer stores 1 then re-checks READ_POSITION; the consumer stored
    // READ_POSITION then loads the flag.)
    return Atomics.load(this.words, this.index) === 1 && Atomics.compareExchange(this.words, this.index, 1, 0) === 1;
  }
}
