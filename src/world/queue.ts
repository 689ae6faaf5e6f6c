/** Fields the queue writes into every item it schedules. */
export interface Scheduled {
  /** Virtual time in milliseconds. */
  time: number
  /** Push order, assigned by the queue; breaks ties between equal times. */
  seq: number
}

/**
 * A binary min-heap of events ordered by (time, seq). `seq` increases with every push, so events at the same
 * time come out in the order they were scheduled, and a run is reproducible whatever the heap layout.
 *
 * Items are stored as they are (no wrapper objects), so an item must be in the queue at most once at a time;
 * a popped item may be pushed again (the simulator reuses its tick events that way).
 */
export class EventQueue<T extends Scheduled> {
  #heap: T[] = []
  #seq = 0

  /** Number of pending items. */
  get size(): number {
    return this.#heap.length
  }

  /** Schedules `item` at `time`, stamping its `time` and `seq`. */
  push(item: T, time: number): void {
    item.time = time
    item.seq = this.#seq++
    this.#insertStamped(item)
  }

  /**
   * Puts back an item popped earlier, with the time and seq it had: it comes out again exactly where it was.
   */
  restore(item: T): void {
    this.#insertStamped(item)
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.#heap[0]
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) this.#siftDown(last)
    return top
  }

  /** Removes every item for which `drop` returns true (linear time; for rare clean-ups). */
  removeWhere(drop: (item: T) => boolean): number {
    const before = this.#heap.length
    const kept = this.#heap.filter((x) => !drop(x))
    this.#heap = []
    // Re-inserting keeps each item's original (time, seq), so the order among survivors is unchanged.
    for (const x of kept) this.#insertStamped(x)
    return before - kept.length
  }

  /** Every pending item, in no particular order (for inspection). */
  items(): readonly T[] {
    return this.#heap
  }

  #insertStamped(item: T): void {
    const h = this.#heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = h[parent]
      if (!before(item, p)) break
      h[i] = p
      i = parent
    }
    h[i] = item
  }

  /** Places `item` at the root and moves it down to restore the heap property. */
  #siftDown(item: T): void {
    const h = this.#heap
    const n = h.length
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && before(h[r], h[l]) ? r : l
      if (!before(h[c], item)) break
      h[i] = h[c]
      i = c
    }
    h[i] = item
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
