/**
 * Shape checks for values that come from outside the type system: records read from disk, and batches from
 * the driver (checked again right before writing). Each `read*` returns a clean copy holding only the known
 * fields, or a string saying what is wrong. Copying here is what stops callers from aliasing stored data.
 */
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import type { SchemaInfo } from './checksum.ts'
import type { Segment } from './segments.ts'

const KINDS: ReadonlySet<string> = new Set(['command', 'noop', 'config'])

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

/** A clean copy of a log entry, or what is wrong with it. Invariant: index >= 1. */
export function readEntry(v: unknown): Entry | string {
  if (!isObject(v)) return 'is not an object'
  if (!isCount(v.index) || v.index < 1) return `index ${String(v.index)} is not an integer >= 1`
  if (!isCount(v.term)) return `term ${String(v.term)} is not an integer >= 0`
  if (typeof v.kind !== 'string' || !KINDS.has(v.kind)) return `kind ${JSON.stringify(v.kind)} is not command, noop or config`
  if (v.data !== undefined && typeof v.data !== 'string') return 'data is not a string'
  const e: Entry = { index: v.index, term: v.term, kind: v.kind as Entry['kind'] }
  if (v.data !== undefined) e.data = v.data
  return e
}

/**
 * A clean copy of a log segment, or what is wrong with it: its bounds, its length, every entry's shape and
 * index (entry #j must have index first + j). Terms along the log are checked once the whole log is read.
 */
export function readSegment(v: unknown): Segment | string {
  if (!isObject(v)) return 'is not an object'
  if (!isCount(v.first) || v.first < 1) return `first index ${String(v.first)} is not an integer >= 1`
  if (!isCount(v.last) || v.last < v.first) return `last index ${String(v.last)} is not an integer >= the first index ${v.first}`
  const raw = v.entries
  if (!Array.isArray(raw)) return 'entries is not a list'
  const first = v.first
  if (raw.length !== v.last - first + 1) return `holds ${raw.length} entries but should hold ${v.last - first + 1}`
  const entries: Entry[] = new Array(raw.length)
  for (let j = 0; j < raw.length; j++) {
    const e = readEntry(raw[j])
    if (typeof e === 'string') return `entry #${j}: ${e}`
    if (e.index !== first + j) return `entry #${j} has index ${e.index}, expected ${first + j}`
    entries[j] = e
  }
  return { first, last: v.last, entries }
}

/** A clean copy of a hard state, or what is wrong with it. */
export function readHardState(v: unknown): HardState | string {
  if (!isObject(v)) return 'is not an object'
  if (!isCount(v.term)) return `term ${String(v.term)} is not an integer >= 0`
  if (v.vote !== null && typeof v.vote !== 'string') return 'vote is neither a node id nor null'
  if (!isCount(v.commit)) return `commit ${String(v.commit)} is not an integer >= 0`
  return { term: v.term, vote: v.vote, commit: v.commit }
}

/** A clean copy of a snapshot, or what is wrong with it. Invariant: index >= 1. */
export function readSnapshot(v: unknown): Snapshot | string {
  if (!isObject(v)) return 'is not an object'
  if (!isCount(v.index) || v.index < 1) return `index ${String(v.index)} is not an integer >= 1`
  if (!isCount(v.term)) return `term ${String(v.term)} is not an integer >= 0`
  if (!isStringArray(v.voters)) return 'voters is not a list of node ids'
  if (v.learners !== undefined && !isStringArray(v.learners)) return 'learners is not a list of node ids'
  if (typeof v.data !== 'string') return 'data is not a string'
  const s: Snapshot = { index: v.index, term: v.term, voters: [...v.voters], data: v.data }
  if (v.learners !== undefined) s.learners = [...v.learners]
  return s
}

/** A clean copy of the schema record, or what is wrong with it. */
export function readSchema(v: unknown): SchemaInfo | string {
  if (!isObject(v)) return 'is not an object'
  if (!isCount(v.version)) return `version ${String(v.version)} is not an integer`
  if (typeof v.node !== 'string') return 'node is not a string'
  return { version: v.version, node: v.node }
}

/** Deep copies for values already known to be well-formed. */
export function copyEntry(e: Entry): Entry {
  const c: Entry = { index: e.index, term: e.term, kind: e.kind }
  if (e.data !== undefined) c.data = e.data
  return c
}

/** A copy of a hard state. */
export function copyHardState(hs: HardState): HardState {
  return { term: hs.term, vote: hs.vote, commit: hs.commit }
}

/** A deep copy of a snapshot. */
export function copySnapshot(s: Snapshot): Snapshot {
  const c: Snapshot = { index: s.index, term: s.term, voters: [...s.voters], data: s.data }
  if (s.learners !== undefined) c.learners = [...s.learners]
  return c
}
