/**
 * The client slots of one server: ids 0..maxClients-1, the lowest free one taken first, freed at once when its
 * client's doorbell closes. Holds entries for live clients only, so memory follows the clients connected, not
 * maxClients. Process-local: the event loop serialises takes, so concurrent connects get distinct ids.
 */

/** A fixed number of numbered slots holding `T`. */
export class SlotTable<T> {
  private readonly entries = new Map<number, T>();
  /** Freed ids below `next`, kept so the lowest free id is found without a scan of every slot. */
  private readonly freed: number[] = [];
  /** Ids from here up were never taken. */
  private next = 0;

  constructor(readonly capacity: number) {}

  /** How many slots are taken. */
  get size(): number {
    return this.entries.size;
  }

  /** Takes the lowest free id for `entry`; null when every slot is taken. */
  take(entry: T): number | null {
    let id: number;
    if (this.freed.length > 0) id = this.popLowestFreed();
    else if (this.next < this.capacity) id = this.next++;
    else return null;
    this.entries.set(id, entry);
    return id;
  }

  /** Frees `id` (nothing when it is not taken). */
  free(id: number): void {
    if (!this.entries.delete(id)) return;
    this.freed.push(id);
  }

  /** The live entries, in no particular order. */
  values(): IterableIterator<T> {
    return this.entries.values();
  }

  private popLowestFreed(): number {
    let lowest = 0;
    for (let i = 1; i < this.freed.length; i++) if (this.freed[i]! < this.freed[lowest]!) lowest = i;
    const id = this.freed[lowest]!;
    this.freed[lowest] = this.freed[this.freed.length - 1]!;
    this.freed.pop();
    return id;
  }
}
