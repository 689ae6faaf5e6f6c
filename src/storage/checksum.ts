/**
 * Record checksums. Every stored value is wrapped as `{ value, sum }`, where `sum` is FNV-1a 32 over a
 * canonical encoding of the store name, the record's key and the value's fields in a fixed order (for a log
 * segment: its bounds and every field of every entry, so one sum covers the whole segment).
 * Including store and key means a record copied or moved to another key is caught as well as a changed one.
 * FNV-1a is not cryptographic: it catches accidents and the lab's deliberate bit flips, which is all we need,
 * and it costs one pass over the characters with no allocation (no TextEncoder, no JSON).
 */
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import type { Segment } from './segments.ts'

/** What each store holds, wrapped with its checksum. */
export interface Sealed<T> {
  value: T
  sum: number
}

/** The schema record kept in the meta store under key 'schema'. */
export interface SchemaInfo {
  version: number
  node: string
}

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

// The canonical encoding is a byte stream hashed as it is produced (no intermediate string). Each field is
// one tag byte followed by its content, so the encoding is prefix-free and two different field sequences
// never encode alike:
//   string: TAG_STRING, length as 4 bytes LE, then each UTF-16 code unit as 2 bytes LE
//   integer (safe, >= 0): TAG_INT, value as 8 bytes LE
//   any other number: TAG_NUMBER, then String(n) as a string's content
//   null or undefined: TAG_NULL
//   array: TAG_ARRAY, length as 4 bytes LE, then each element
//   anything else (only in malformed records): TAG_OTHER, then its JSON as a string's content
// Field order is fixed per record kind below, never taken from object property order.
const TAG_STRING = 1
const TAG_INT = 2
const TAG_NUMBER = 3
const TAG_NULL = 4
const TAG_ARRAY = 5
const TAG_OTHER = 6

function byte(h: number, b: number): number {
  return Math.imul(h ^ b, FNV_PRIME)
}

function u32(h: number, n: number): number {
  h = byte(h, n & 0xff)
  h = byte(h, (n >>> 8) & 0xff)
  h = byte(h, (n >>> 16) & 0xff)
  return byte(h, (n >>> 24) & 0xff)
}

function units(h: number, s: string): number {
  h = u32(h, s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h = Math.imul(h ^ (c & 0xff), FNV_PRIME)
    h = Math.imul(h ^ (c >>> 8), FNV_PRIME)
  }
  return h
}

function field(h: number, v: unknown): number {
  if (typeof v === 'string') return units(byte(h, TAG_STRING), v)
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return u32(u32(byte(h, TAG_INT), v >>> 0), Math.floor(v / 0x100000000))
    return units(byte(h, TAG_NUMBER), String(v))
  }
  if (v === null || v === undefined) return byte(h, TAG_NULL)
  if (Array.isArray(v)) {
    h = u32(byte(h, TAG_ARRAY), v.length)
    for (const x of v) h = field(h, x)
    return h
  }
  return units(byte(h, TAG_OTHER), JSON.stringify(v) ?? '')
}

/**
 * FNV-1a 32 of the UTF-16LE encoding of `s` (low byte of each code unit first), as an unsigned integer.
 * Hashing code units directly keeps it allocation-free; lone surrogates are hashed like any other unit.
 */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h = Math.imul(h ^ (c & 0xff), FNV_PRIME)
    h = Math.imul(h ^ (c >>> 8), FNV_PRIME)
  }
  return h >>> 0
}

/** FNV-1a 32 of the canonical encoding of `fields` (see above), as an unsigned integer. */
export function fieldsSum(fields: readonly unknown[]): number {
  let h = FNV_OFFSET
  for (const f of fields) h = field(h, f)
  return h >>> 0
}

/**
 * Checksum of a log segment stored under `key` (schema version 3): the canonical encoding of
 * `['log', key, first, last, [[index, term, kind, data], ...]]`, one inner list per entry in order, so it equals
 * `fieldsSum` of that list (the test checks it) without building it. One flipped bit in any entry, a changed
 * bound, a dropped or added entry, or the segment moved to another key all change it.
 */
export function segmentSum(key: IDBValidKey, s: Segment): number {
  let h = FNV_OFFSET
  h = field(h, 'log')
  h = field(h, key)
  h = field(h, s.first)
  h = field(h, s.last)
  const es: unknown = s.entries
  // A malformed value (only read back from a damaged disk) is hashed as whatever it is: a mismatch either way.
  if (!Array.isArray(es)) return field(h, es) >>> 0
  h = u32(byte(h, TAG_ARRAY), es.length)
  for (let i = 0; i < es.length; i++) {
    const e = es[i] as Entry
    h = u32(byte(h, TAG_ARRAY), 4)
    h = field(h, e.index)
    h = field(h, e.term)
    h = field(h, e.kind)
    h = field(h, e.data)
  }
  return h >>> 0
}

/** Checksum of a log entry stored under `key` (schema version 2, one record per entry; read only by the upgrade). */
export function entrySum(key: IDBValidKey, e: Entry): number {
  return fieldsSum(['log', key, e.index, e.term, e.kind, e.data])
}

/** Checksum of a hard state stored under `key` in the meta store. */
export function hardStateSum(key: IDBValidKey, hs: HardState): number {
  return fieldsSum(['meta', key, hs.term, hs.vote, hs.commit])
}

/** Checksum of the schema record stored under `key` in the meta store. */
export function schemaSum(key: IDBValidKey, s: SchemaInfo): number {
  return fieldsSum(['meta', key, s.version, s.node])
}

/** Checksum of a snapshot stored under `key`. */
export function snapshotSum(key: IDBValidKey, s: Snapshot): number {
  return fieldsSum(['snapshot', key, s.index, s.term, s.voters, s.learners, s.data])
}

/** Wrap a log segment for storage under its first index. */
export function sealSegment(s: Segment): Sealed<Segment> {
  return { value: s, sum: segmentSum(s.first, s) }
}

/** Wrap a log entry for storage under its index (the version-2 layout; tests build old databases with it). */
export function sealEntry(e: Entry): Sealed<Entry> {
  return { value: e, sum: entrySum(e.index, e) }
}

/** Wrap a hard state for storage under key 'hardState'. */
export function sealHardState(hs: HardState): Sealed<HardState> {
  return { value: hs, sum: hardStateSum('hardState', hs) }
}

/** Wrap the schema record for storage under key 'schema'. */
export function sealSchema(s: SchemaInfo): Sealed<SchemaInfo> {
  return { value: s, sum: schemaSum('schema', s) }
}

/** Wrap a snapshot for storage under key 'latest'. */
export function sealSnapshot(s: Snapshot): Sealed<Snapshot> {
  return { value: s, sum: snapshotSum('latest', s) }
}
