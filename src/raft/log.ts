import type { Entry, Snapshot } from './types.ts'

/**
 * The replicated log of one node: an optional snapshot followed by entries.
 *
 * Invariants (asserted where they can break):
 *   snapIndex <= applied <= committed <= lastIndex
 *   snapIndex <= stable <= lastIndex
 *   entries[i].index === snapIndex + 1 + i
 * `stable` is the last index the caller has persisted (acknowledged through advance()); entries after it are
 * "unstable" and go out in the next Ready. `applied` is what the caller has applied to its state machine.
 */
export class RaftLog {
  snapIndex = 0
  snapTerm = 0
  /** The latest snapshot (taken locally or installed), sent to followers that need compacted entries. */
  snapshot: Snapshot | null = null
  /** A snapshot installed from the leader and not yet persisted by the caller. */
  unstableSnapshot: Snapshot | null = null
  entries: Entry[] = []
  committed = 0
  applied = 0
  stable = 0

  firstIndex(): number {
    return this.snapIndex + 1
  }

  lastIndex(): number {
    return this.snapIndex + this.entries.length
  }

  lastTerm(): number {
    const n = this.entries.length
    return n === 0 ? this.snapTerm : this.entries[n - 1].term
  }

  /** The term of the entry at `i`; 0 for index 0; undefined when compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm
    if (i < this.snapIndex || i > this.lastIndex()) return undefined
    return this.entries[i - this.snapIndex - 1].term
  }

  entry(i: number): Entry | undefined {
    if (i <= this.snapIndex || i > this.lastIndex()) return undefined
    return this.entries[i - this.snapIndex - 1]
  }

  /** Entries [lo, hi). Throws when lo is compacted: callers check firstIndex first. */
  slice(lo: number, hi: number): Entry[] {
    if (lo <= this.snapIndex) throw new Error(`entries from ${lo} are compacted (first index ${this.firstIndex()})`)
    const last = this.lastIndex()
    if (hi > last + 1) hi = last + 1
    if (lo >= hi) return []
    return this.entries.slice(lo - this.snapIndex - 1, hi - this.snapIndex - 1)
  }

  /** Section 5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm()
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex())
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t
  }

  /**
   * The largest index <= `index` whose term is <= `term` (or the first compacted index reached). Used on both sides
   * of a rejected append so that a diverged follower is found in one round trip per term, not per entry.
   */
  findConflictByTerm(index: number, term: number): number {
    if (index > this.lastIndex()) index = this.lastIndex()
    for (let i = index; i >= 0; i--) {
      const t = this.term(i)
      if (t === undefined || t <= term) return i
    }
    return 0
  }

  /** Append at the end, or replace the suffix from ents[0].index. Moves `stable` back when it truncates. */
  truncateAndAppend(ents: Entry[]): void {
    if (ents.length === 0) return
    const first = ents[0].index
    const last = this.lastIndex()
    if (first <= this.snapIndex) throw new Error(`append at ${first} is inside the snapshot (index ${this.snapIndex})`)
    if (first > last + 1) throw new Error(`append at ${first} leaves a gap after last index ${last}`)
    if (first <= last) {
      this.entries.length = first - this.snapIndex - 1
      if (this.stable > first - 1) this.stable = first - 1
    }
    for (const e of ents) this.entries.push(e)
  }

  commitTo(i: number): boolean {
    if (i <= this.committed) return false
    if (i > this.lastIndex()) throw new Error(`commit ${i} is beyond last index ${this.lastIndex()}`)
    this.committed = i
    return true
  }

  /** The caller persisted entries up to `i` (of term `t`). Ignored if the entry was replaced since. */
  stableTo(i: number, t: number): void {
    if (i > this.stable && this.term(i) === t) this.stable = i
  }

  appliedTo(i: number): void {
    if (i > this.applied) {
      if (i > this.committed) throw new Error(`applied ${i} is beyond commit ${this.committed}`)
      this.applied = i
    }
  }

  /** Replace everything with a snapshot from the leader (the state machine is restored from it too). */
  restore(s: Snapshot): void {
    this.snapIndex = s.index
    this.snapTerm = s.term
    this.snapshot = s
    this.unstableSnapshot = s
    this.entries = []
    this.committed = s.index
    this.applied = s.index
    this.stable = s.index
  }

  /** Drop entries up to `index` (inclusive), recording `s` as the latest snapshot. Invariant: index <= applied. */
  compact(s: Snapshot): void {
    if (s.index > this.applied) throw new Error(`cannot compact to ${s.index}: only ${this.applied} is applied`)
    if (s.index <= this.snapIndex) throw new Error(`cannot compact to ${s.index}: already compacted to ${this.snapIndex}`)
    this.entries = this.entries.slice(s.index - this.snapIndex)
    this.snapIndex = s.index
    this.snapTerm = s.term
    this.snapshot = s
  }
}
