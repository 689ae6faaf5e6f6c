/**
 * The log timelines as data: one row per node, aligned by index. Pure functions, so that what the canvas draws
 * (committed or not, applied, conflicting with the leader, inside the snapshot) is tested without a browser.
 */
import type { NodeId } from '../../raft/types.ts'
import type { EntryView, NodeSummary } from '../../node/protocol.ts'
import type { NodeState } from '../../browser/scheduler.ts'

export interface RowLog {
  from: number
  entries: readonly EntryView[]
  snapshot: { index: number; term: number }
}

export interface Row {
  id: NodeId
  state: NodeState
  summary: NodeSummary | null
  log: RowLog
}

export type CellKind = 'none' | 'snapshot' | 'entry'

export interface Cell {
  kind: CellKind
  entry?: EntryView
  committed: boolean
  applied: boolean
  /** Differs from the leader's entry at this index, or lies beyond the leader's log: it will be overwritten. */
  conflict: boolean
}

export function entryAt(log: RowLog, index: number): EntryView | undefined {
  const k = index - log.from
  return k >= 0 && k < log.entries.length ? log.entries[k] : undefined
}

/** The last index a row shows (its log's end, or its snapshot when the log is empty). */
export function lastIndexOf(log: RowLog): number {
  return log.entries.length > 0 ? log.entries[log.entries.length - 1].index : Math.max(log.snapshot.index, log.from - 1)
}

/** What the timeline shows for `row` at `index`, against the leader's row (null when there is no leader). */
export function cellAt(row: Row, index: number, leader: Row | null): Cell {
  const e = entryAt(row.log, index)
  const commit = row.summary?.commit ?? 0
  const applied = row.summary?.applied ?? 0
  if (!e) {
    if (index <= row.log.snapshot.index) return { kind: 'snapshot', committed: true, applied: true, conflict: false }
    return { kind: 'none', committed: false, applied: false, conflict: false }
  }
  let conflict = false
  // Safe Raft never lets a committed entry conflict; with the unsafe switches it can, and then it shows.
  if (leader && leader.id !== row.id) {
    const le = entryAt(leader.log, index)
    if (le) conflict = le.term !== e.term
    else conflict = index > lastIndexOf(leader.log) && index > leader.log.snapshot.index
  }
  return { kind: 'entry', entry: e, committed: index <= commit, applied: index <= applied, conflict }
}

/** The index range the timelines span: from the smallest snapshot boundary to the longest log. */
export function indexRange(rows: readonly Row[]): { first: number; last: number } {
  let first = Infinity
  let last = 0
  for (const r of rows) {
    first = Math.min(first, r.log.snapshot.index + 1, r.log.from)
    last = Math.max(last, lastIndexOf(r.log))
  }
  if (!Number.isFinite(first)) first = 1
  return { first: Math.max(1, first - 1), last: Math.max(last, first) }
}

/** The leader's view of a follower (match and next), or null. */
export function progressOf(leader: Row | null, id: NodeId): { match: number; next: number; state: string } | null {
  const p = leader?.summary?.progress?.[id]
  return p && leader!.id !== id ? p : null
}
