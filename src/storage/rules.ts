/**
 * The rules every disk obeys, shared by the durable and the volatile one so they cannot drift apart.
 * A valid disk holds: an optional snapshot (S, ST); a log of contiguous entries starting at S + 1 (or 1)
 * whose terms never decrease, starting at >= ST; an optional hard state with commit <= the last index
 * (or S when the log is empty).
 *
 * Writes are planned here before they touch storage: `planPersist` and `planCompact` take what is on disk
 * (its bounds, plus the stored terms at a few indexes the caller looked up) and either return exactly what
 * to write and the bounds afterwards, or throw StorageInvariantError. Protocol rules that do not concern the
 * disk's own consistency (one vote per term, never truncating committed entries as such) are the checkers'
 * job: the lab's unsafe switches break them on purpose, and the disk must then record what happened.
 */
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import { StorageCorruptError, StorageInvariantError } from './errors.ts'
import type { PersistBatch } from './types.ts'
import { readEntry, readHardState, readSnapshot } from './validate.ts'

/** What a disk holds, in brief. Invariants: snapshotIndex <= lastIndex; lastTerm is snapshotTerm when the log is empty. */
export interface DiskBounds {
  /** 0 when there is no snapshot. */
  snapshotIndex: number
  snapshotTerm: number
  /** Last entry's index, or snapshotIndex when the log is empty. */
  lastIndex: number
  lastTerm: number
  hardState: HardState | null
}

/** The bounds of an empty disk. */
export const EMPTY_BOUNDS: Readonly<DiskBounds> = { snapshotIndex: 0, snapshotTerm: 0, lastIndex: 0, lastTerm: 0, hardState: null }

/** Exactly what one write does, in this order: snapshot, log deletions, entries, hard state. */
export interface WritePlan {
  snapshot?: Snapshot
  /** Delete every stored entry (the new snapshot does not match the log). */
  clearLog: boolean
  /** Delete stored entries with index <= dropThrough; 0 for none. */
  dropThrough: number
  /** Delete stored entries with index >= dropFrom; 0 for none. */
  dropFrom: number
  entries: Entry[]
  hardState?: HardState
  /** The disk's bounds once the write has committed. */
  next: DiskBounds
}

/**
 * Check a batch's shape and its internal order, returning clean copies (so the caller's objects are never
 * stored or later mutated through us). Throws StorageInvariantError naming the first problem.
 */
export function checkBatch(node: string, batch: PersistBatch): PersistBatch {
  if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.entries)) refuse(node, 'a batch needs an entries array')
  const entries: Entry[] = []
  for (let i = 0; i < batch.entries.length; i++) {
    const e = readEntry(batch.entries[i])
    if (typeof e === 'string') refuse(node, `entry #${i} of the batch: ${e}`)
    const prev = entries[i - 1]
    if (prev && e.index !== prev.index + 1) refuse(node, `the batch is not contiguous: entry ${prev.index} is followed by entry ${e.index}`)
    if (prev && e.term < prev.term) refuse(node, `entry ${e.index} has term ${e.term}, lower than the term ${prev.term} of entry ${prev.index}`)
    entries.push(e)
  }
  const out: PersistBatch = { entries }
  if (batch.hardState !== undefined) {
    const hs = readHardState(batch.hardState)
    if (typeof hs === 'string') refuse(node, `hard state: ${hs}`)
    out.hardState = hs
  }
  if (batch.snapshot !== undefined) {
    const snap = readSnapshot(batch.snapshot)
    if (typeof snap === 'string') refuse(node, `snapshot: ${snap}`)
    out.snapshot = snap
  }
  return out
}

/** A checked snapshot for `compact`, as a clean copy. */
export function checkSnapshot(node: string, snapshot: Snapshot): Snapshot {
  const snap = readSnapshot(snapshot)
  if (typeof snap === 'string') throw new StorageInvariantError(node, `snapshot: ${snap}`)
  return snap
}

/** Indexes strictly inside the stored log (neither its end nor the snapshot) whose terms a persist may need. */
export function termsNeededForPersist(b: DiskBounds, batch: PersistBatch): number[] {
  const need: number[] = []
  const inside = (i: number, lo: number): boolean => i > lo && i < b.lastIndex
  if (batch.snapshot && inside(batch.snapshot.index, b.snapshotIndex)) need.push(batch.snapshot.index)
  if (batch.entries.length > 0) {
    const prev = batch.entries[0].index - 1
    if (inside(prev, Math.max(b.snapshotIndex, batch.snapshot?.index ?? 0)) && !need.includes(prev)) need.push(prev)
  }
  return need
}

/** Indexes whose terms `planCompact` needs. */
export function termsNeededForCompact(b: DiskBounds, snapshot: Snapshot): number[] {
  return snapshot.index > b.snapshotIndex && snapshot.index < b.lastIndex ? [snapshot.index] : []
}

function refuse(node: string, detail: string): never {
  throw new StorageInvariantError(node, detail)
}

function corrupt(node: string, detail: string): never {
  throw new StorageCorruptError(node, detail)
}

function lookUp(terms: ReadonlyMap<number, number>, index: number): number {
  const t = terms.get(index)
  // A missing term means the caller skipped termsNeeded*: a bug here, not bad data.
  if (t === undefined) throw new Error(`storage: term of entry ${index} was not looked up`)
  return t
}

/**
 * Plan one persist of a checked batch (see NodeDisk.persist). `terms` holds the stored terms at the indexes
 * `termsNeededForPersist` asked for.
 */
export function planPersist(node: string, b: DiskBounds, batch: PersistBatch, terms: ReadonlyMap<number, number>): WritePlan {
  let { snapshotIndex: s, snapshotTerm: st, lastIndex: last, lastTerm } = b
  const plan: WritePlan = { clearLog: false, dropThrough: 0, dropFrom: 0, entries: batch.entries, next: b }

  const snap = batch.snapshot
  if (snap) {
    if (snap.index <= s) refuse(node, `snapshot at ${snap.index} is not newer than the stored snapshot at ${s}`)
    const termThere = snap.index === last ? lastTerm : snap.index < last ? lookUp(terms, snap.index) : -1
    if (termThere === snap.term) {
      // The log already holds the snapshot's last entry, so (Log Matching) everything after it is consistent.
      plan.dropThrough = snap.index
    } else {
      // Paper, Figure 13: otherwise the snapshot replaces the whole log.
      plan.clearLog = true
      last = snap.index
      lastTerm = snap.term
    }
    s = snap.index
    st = snap.term
    plan.snapshot = snap
  }

  const entries = batch.entries
  if (entries.length > 0) {
    const first = entries[0]
    if (first.index <= s) refuse(node, `entries start at ${first.index}, inside the snapshot that covers up to ${s}`)
    if (first.index > last + 1) refuse(node, `entries start at ${first.index} but the log ends at ${last}: that leaves a gap`)
    const prev = first.index - 1
    const prevTerm = prev === s ? st : prev === last ? lastTerm : lookUp(terms, prev)
    if (first.term < prevTerm) {
      refuse(node, `entry ${first.index} has term ${first.term}, lower than the term ${prevTerm} of entry ${prev} before it`)
    }
    if (first.index <= last) plan.dropFrom = first.index
    const end = entries[entries.length - 1]
    last = end.index
    lastTerm = end.term
  }

  if (batch.hardState) {
    if (b.hardState && batch.hardState.term < b.hardState.term) {
      refuse(node, `hard state term would go back from ${b.hardState.term} to ${batch.hardState.term}`)
    }
    plan.hardState = batch.hardState
  }
  const hs = batch.hardState ?? b.hardState
  if (hs && hs.commit > last) refuse(node, `commit ${hs.commit} would be past the last index ${last}`)

  plan.next = { snapshotIndex: s, snapshotTerm: st, lastIndex: last, lastTerm, hardState: hs }
  return plan
}

/** Plan a local compaction to a checked snapshot: the log must hold the snapshot's last entry with the same term. */
export function planCompact(node: string, b: DiskBounds, snap: Snapshot, terms: ReadonlyMap<number, number>): WritePlan {
  if (snap.index <= b.snapshotIndex) refuse(node, `snapshot at ${snap.index} is not newer than the stored snapshot at ${b.snapshotIndex}`)
  if (snap.index > b.lastIndex) refuse(node, `cannot compact to ${snap.index}: the log ends at ${b.lastIndex}`)
  const termThere = snap.index === b.lastIndex ? b.lastTerm : lookUp(terms, snap.index)
  if (termThere !== snap.term) refuse(node, `snapshot at ${snap.index} has term ${snap.term} but the stored entry has term ${termThere}`)
  return {
    snapshot: snap,
    clearLog: false,
    dropThrough: snap.index,
    dropFrom: 0,
    entries: [],
    next: { ...b, snapshotIndex: snap.index, snapshotTerm: snap.term },
  }
}

/**
 * Check the structure of what was read back (records already individually verified) and return its bounds.
 * `entries` must be in key order. Throws StorageCorruptError naming the first problem.
 */
export function checkLoaded(node: string, hardState: HardState | null, snapshot: Snapshot | null, entries: readonly Entry[]): DiskBounds {
  const s = snapshot?.index ?? 0
  const st = snapshot?.term ?? 0
  let prevIndex = s
  let prevTerm = st
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]
    if (e.index !== prevIndex + 1) {
      if (i === 0) {
        corrupt(node, snapshot
          ? `log starts at entry ${e.index} but should start at ${s + 1}, right after the snapshot at ${s}`
          : `log starts at entry ${e.index} but should start at 1 (there is no snapshot)`)
      }
      corrupt(node, `log is not contiguous: entry ${prevIndex} is followed by entry ${e.index}`)
    }
    if (e.term < prevTerm) {
      corrupt(node, i === 0
        ? `log entry ${e.index} has term ${e.term}, lower than the snapshot's term ${st}`
        : `log entry ${e.index} has term ${e.term}, lower than the term ${prevTerm} of entry ${prevIndex}`)
    }
    prevIndex = e.index
    prevTerm = e.term
  }
  if (hardState && hardState.commit > prevIndex) {
    corrupt(node, `hard state commit ${hardState.commit} is past the last index ${prevIndex}`)
  }
  return { snapshotIndex: s, snapshotTerm: st, lastIndex: prevIndex, lastTerm: prevTerm, hardState }
}
