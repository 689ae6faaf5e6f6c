/**
 * Reading sealed records back: check the wrapper, then the checksum, then the value's shape, in that order,
 * so that a flipped bit is reported as a checksum mismatch and a well-sealed but malformed value (written by
 * buggy code) as what is malformed. Every failure is a StorageCorruptError naming the record.
 */
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import { entrySum, hardStateSum, schemaSum, segmentSum, snapshotSum } from './checksum.ts'
import type { SchemaInfo } from './checksum.ts'
import { StorageCorruptError } from './errors.ts'
import { segmentName } from './segments.ts'
import type { Segment } from './segments.ts'
import { readEntry, readHardState, readSchema, readSegment, readSnapshot } from './validate.ts'

function unwrapSealed(node: string, what: string, raw: unknown): { value: unknown; sum: unknown } {
  if (typeof raw !== 'object' || raw === null || !('value' in raw) || !('sum' in raw)) {
    throw new StorageCorruptError(node, `${what}: not a checksummed record`)
  }
  return raw as { value: unknown; sum: unknown }
}

function sumOf(compute: () => number): number {
  // A value of the wrong shape can make the canonical form throw (e.g. a BigInt); that is a mismatch too.
  try {
    return compute()
  } catch {
    return -1
  }
}

/** The segment stored under `key` in the log store (schema version 3). Errors name it "log segment <first>..<last>". */
export function unsealSegment(node: string, key: IDBValidKey, raw: unknown): Segment {
  const inner = typeof raw === 'object' && raw !== null ? (raw as { value?: unknown }).value : undefined
  const last = typeof inner === 'object' && inner !== null ? (inner as { last?: unknown }).last : undefined
  const what = segmentName(key, last)
  const r = unwrapSealed(node, what, raw)
  if (r.sum !== sumOf(() => segmentSum(key, r.value as Segment))) throw new StorageCorruptError(node, `${what}: checksum mismatch`)
  const s = readSegment(r.value)
  if (typeof s === 'string') throw new StorageCorruptError(node, `${what}: ${s}`)
  if (s.first !== key) throw new StorageCorruptError(node, `${what}: stored under key ${String(key)} but starts at entry ${s.first}`)
  return s
}

/** The entry stored under `key` in a version-2 log store (one record per entry; read only by the upgrade). */
export function unsealEntry(node: string, key: IDBValidKey, raw: unknown): Entry {
  const what = `log entry ${String(key)}`
  const r = unwrapSealed(node, what, raw)
  if (r.sum !== sumOf(() => entrySum(key, r.value as Entry))) throw new StorageCorruptError(node, `${what}: checksum mismatch`)
  const e = readEntry(r.value)
  if (typeof e === 'string') throw new StorageCorruptError(node, `${what}: ${e}`)
  if (e.index !== key) throw new StorageCorruptError(node, `${what}: the record holds entry ${e.index}`)
  return e
}

/** The hard state stored under 'hardState' in the meta store. */
export function unsealHardState(node: string, raw: unknown): HardState {
  const what = 'hard state'
  const r = unwrapSealed(node, what, raw)
  if (r.sum !== sumOf(() => hardStateSum('hardState', r.value as HardState))) throw new StorageCorruptError(node, `${what}: checksum mismatch`)
  const hs = readHardState(r.value)
  if (typeof hs === 'string') throw new StorageCorruptError(node, `${what}: ${hs}`)
  return hs
}

/** The snapshot stored under 'latest' in the snapshot store. */
export function unsealSnapshot(node: string, raw: unknown): Snapshot {
  const what = 'snapshot'
  const r = unwrapSealed(node, what, raw)
  if (r.sum !== sumOf(() => snapshotSum('latest', r.value as Snapshot))) throw new StorageCorruptError(node, `${what}: checksum mismatch`)
  const s = readSnapshot(r.value)
  if (typeof s === 'string') throw new StorageCorruptError(node, `${what}: ${s}`)
  return s
}

/** The schema record stored under 'schema' in the meta store. */
export function unsealSchema(node: string, raw: unknown): SchemaInfo {
  const what = 'schema record'
  const r = unwrapSealed(node, what, raw)
  if (r.sum !== sumOf(() => schemaSum('schema', r.value as SchemaInfo))) throw new StorageCorruptError(node, `${what}: checksum mismatch`)
  const s = readSchema(r.value)
  if (typeof s === 'string') throw new StorageCorruptError(node, `${what}: ${s}`)
  return s
}
