/**
 * The scrubber's marks (elections, crashes, network changes, commits, violations), bounded however long the run
 * gets, and still true on screen.
 *
 * Each kind keeps at most one mark per time bucket of width `w` (the mark sits at the first event of its bucket).
 * When a kind holds more than `perKind` marks, its buckets double until it holds at most that many again. Marks
 * of one kind are in distinct buckets, so a kind with more than `perKind` of them spans more than `perKind`
 * buckets: once thinned, its width never exceeds 2 x (run length) / perKind. With `perKind` 800 that is a quarter
 * of a percent of the run, the width the scrubber draws a mark with: every event lies under its mark, none is
 * dropped from the start of the run, and each kind keeps at most 800 marks (commits under load reach that; the rest
 * rarely do). Commits start with buckets of 250 ms (a solid bar otherwise), the other kinds with every event.
 */
import type { NodeId } from '../../raft/types.ts'

export type MarkKind = 'election' | 'crash' | 'partition' | 'commit' | 'violation'
export interface Mark {
  t: number
  k: MarkKind
  node?: NodeId
}

export const MARKS_PER_KIND = 800

/** Starting bucket widths (virtual ms): commits come many per millisecond under load; the rest are kept exactly. */
const BASE_MS: Record<MarkKind, number> = { commit: 250, election: 0, crash: 0, partition: 0, violation: 0 }

interface Lane {
  w: number
  list: Mark[]
}

export class Marks {
  readonly #perKind: number
  #lanes = new Map<MarkKind, Lane>()
  #flat: Mark[] | null = null

  constructor(perKind = MARKS_PER_KIND) {
    this.#perKind = Math.max(2, Math.floor(perKind))
  }

  /** Every mark kept, all kinds (the same array until the next change). */
  get all(): readonly Mark[] {
    if (this.#flat === null) this.#flat = [...this.#lanes.values()].flatMap((l) => l.list)
    return this.#flat
  }

  /** The bucket width of a kind now (virtual ms; 0: every event its own mark). */
  width(k: MarkKind): number {
    return this.#lanes.get(k)?.w ?? BASE_MS[k]
  }

  count(k: MarkKind): number {
    return this.#lanes.get(k)?.list.length ?? 0
  }

  /** Add an event; returns false when a mark already stands for it (the same bucket). Times come in order. */
  add(m: Mark): boolean {
    let lane = this.#lanes.get(m.k)
    if (!lane) this.#lanes.set(m.k, (lane = { w: BASE_MS[m.k], list: [] }))
    const last = lane.list[lane.list.length - 1]
    if (last && lane.w > 0 && Math.floor(last.t / lane.w) === Math.floor(m.t / lane.w)) return false
    lane.list.push(m)
    this.#flat = null
    while (lane.list.length > this.#perKind) this.#coarsen(lane)
    return true
  }

  /** Double a lane's bucket width and keep the first mark of each bucket. */
  #coarsen(lane: Lane): void {
    lane.w = lane.w > 0 ? lane.w * 2 : 1
    let kept = 0
    let bucket = -Infinity
    for (const m of lane.list) {
      const b = Math.floor(m.t / lane.w)
      if (b === bucket) continue
      bucket = b
      lane.list[kept++] = m
    }
    lane.list.length = kept
  }

  /** Drop the marks after `t` (the run continued from there; its old future is gone). */
  truncate(t: number): void {
    for (const lane of this.#lanes.values()) {
      while (lane.list.length > 0 && lane.list[lane.list.length - 1].t > t) lane.list.pop()
    }
    this.#flat = null
  }

  clear(): void {
    this.#lanes.clear()
    this.#flat = null
  }
}
