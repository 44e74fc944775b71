/**
 * The subscribers of one receive stream (per-message or batches) and how a value or the end reaches them: what a
 * Subject does, minus its per-value closure and copying, since it runs once per message. Process-local only.
 *
 * Invariants relied on: values and the end reach the subscribers there are when they are emitted, in subscription
 * order; a subscriber that unsubscribes meanwhile gets nothing more (RxJS's Subscriber ignores calls once stopped);
 * one that subscribes after the end gets the end at once.
 */
import type { Subscriber } from 'rxjs';

/** A list of subscribers, replaced (never changed in place) on each change, so a loop over it is never disturbed. */
export class Fanout<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  /** How it ended (undefined: not yet; null: complete). */
  private ending: Error | null | undefined = undefined;

  /** How many subscribe now. */
  get size(): number {
    return this.subscribers.length;
  }

  /** Adds `subscriber` (false: the stream already ended, and it was told); `remove` takes it off again. */
  add(subscriber: Subscriber<T>): boolean {
    if (this.ending !== undefined) {
      if (this.ending) subscriber.error(this.ending);
      else subscriber.complete();
      return false;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return true;
  }

  /** Takes `subscriber` off (nothing if it is not there). */
  remove(subscriber: Subscriber<T>): void {
    this.subscribers = this.subscribers.filter((s) => s !== subscriber);
  }

  /** Hands `value` to every subscriber there is now. */
  next(value: T): void {
    const subscribers = this.subscribers;
    if (subscribers.length === 1) return subscribers[0]!.next(value);
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(value);
  }

  /** Ends the stream (null: complete) for everyone there is and will be; the first end wins. */
  end(error: Error | null): void {
    if (this.ending !== undefined) return;
    this.ending = error;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) {
      if (error) subscriber.error(error);
      else subscriber.complete();
    }
  }
}
