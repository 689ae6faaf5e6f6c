/**
 * Log segments: since schema version 3 the log store holds runs of consecutive entries, one record per run,
 * keyed by the index of its first entry. A browser writes a few large IndexedDB records far faster than many
 * small ones (each record costs a round of serialisation, bookkeeping and a database row), so one persist()
 * call, however many entries it carries, costs one record (a few when it is very large).
 *
 * A valid log store tiles the log: segment keys are strictly increasing, each segment starts right after the
 * previous one ends, the first starts right after the snapshot (or at 1). Pure helpers here; the IndexedDB
 * side is in idb.ts.
 */
import type { Entry } from '../raft/types.ts'

/** One record of the log store (its key is `first`). Invariant: entries[j].index === first + j, last === first + entries.length - 1. */
export interface Segment {
  first: number
  last: number
  entries: Entry[]
}

/** A segment never holds more entries than this, so no single record (and no rewrite of one) is huge. */
export const MAX_SEGMENT_ENTRIES = 1000

/** Nor more than this many characters of entry data (about 2 MB): a few huge commands get segments of their own. */
export const MAX_SEGMENT_CHARS = 1 << 20

/**
 * An append right after a last segment holding fewer entries than this is merged into it (the segment is read
 * and rewritten in the same transaction). A log written one entry per persist, as at teaching speed, then has
 * one record per ~this many entries instead of one per entry, which keeps reloads fast; at full speed batches
 * are large and each starts a segment of its own, with no extra read.
 */
export const MERGE_BELOW = 64

/**
 * Cut entries into segments: a new segment starts at every gap in the indexes (only the upgrade from older
 * layouts can meet one: it keeps what was stored, gaps included, for load to report) and whenever the
 * current one is full. Entries must be in index order. The entry objects are shared, not copied.
 */
export function toSegments(entries: readonly Entry[]): Segment[] {
  const out: Segment[] = []
  let cur: Entry[] = []
  let chars = 0
  const flush = (): void => {
    if (cur.length === 0) return
    out.push({ first: cur[0].index, last: cur[cur.length - 1].index, entries: cur })
    cur = []
    chars = 0
  }
  for (const e of entries) {
    const size = e.data?.length ?? 0
    const prev = cur[cur.length - 1]
    if (prev && (e.index !== prev.index + 1 || cur.length >= MAX_SEGMENT_ENTRIES || chars + size > MAX_SEGMENT_CHARS)) flush()
    cur.push(e)
    chars += size
  }
  flush()
  return out
}

/** The part of `seg` within [lo, hi] (clamped to the segment), or null if none. Shares the entry objects. */
export function sliceSegment(seg: Segment, lo: number, hi: number): Segment | null {
  const from = Math.max(lo, seg.first)
  const to = Math.min(hi, seg.last)
  if (from > to) return null
  return { first: from, last: to, entries: seg.entries.slice(from - seg.first, to - seg.first + 1) }
}

/** Short name of a segment for messages: "log segment 4..8". */
export function segmentName(first: unknown, last: unknown): string {
  return `log segment ${String(first)}..${typeof last === 'number' ? String(last) : '?'}`
}
