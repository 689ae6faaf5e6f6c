/**
 * The on-disk layout of a node's database and its upgrades.
 *
 * Version 1 had three stores with out-of-line keys holding raw objects: meta['hardState'] = HardState,
 * log[index] = Entry, snapshot['latest'] = Snapshot.
 * Version 2 has the same stores and keys, every value sealed as `{ value, sum }` (see checksum.ts),
 * plus meta['schema'] = { version, node } so a database can be recognised and tied to its node.
 * Version 3 (current) keeps meta and snapshot as in version 2; the log store holds segments (segments.ts):
 * log[first] = sealed { first, last, entries }, one record and one checksum per run of entries, tiling the log.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import { sealHardState, sealSchema, sealSegment, sealSnapshot } from './checksum.ts'
import type { SchemaInfo, Sealed } from './checksum.ts'
import { StorageCorruptError } from './errors.ts'
import { unsealEntry, unsealSchema } from './records.ts'
import { toSegments } from './segments.ts'
import type { Segment } from './segments.ts'
import { readEntry, readHardState, readSnapshot } from './validate.ts'

/** The schema version this code writes. */
export const SCHEMA_VERSION = 3

/** Keys of the meta store. */
export type MetaKey = 'hardState' | 'schema'

/** The typed layout of a node's database (version 3). */
export interface NodeDbSchema extends DBSchema {
  meta: { key: MetaKey; value: Sealed<HardState> | Sealed<SchemaInfo> }
  log: { key: number; value: Sealed<Segment> }
  snapshot: { key: 'latest'; value: Sealed<Snapshot> }
}

/** The stores of a node's database, in every version. */
export const NODE_STORES = ['meta', 'log', 'snapshot'] as const

/** Prefix of every database this app creates. */
export const DB_PREFIX = 'raftlab/'

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${what} must be a non-empty string`)
}

/** Name of a cluster's settings database: `raftlab/<cluster>`. Names are URI-encoded, so '/' inside one cannot be misparsed. */
export function clusterDbName(cluster: string): string {
  checkName('cluster name', cluster)
  return DB_PREFIX + encodeURIComponent(cluster)
}

/** Name of a node's database: `raftlab/<cluster>/<node>`. */
export function nodeDbName(cluster: string, node: string): string {
  checkName('node id', node)
  return `${clusterDbName(cluster)}/${encodeURIComponent(node)}`
}

/** The cluster and node a database name belongs to, or null if it is not one of ours. */
export function parseDbName(name: string): { cluster: string; node?: string } | null {
  if (!name.startsWith(DB_PREFIX)) return null
  const parts = name.slice(DB_PREFIX.length).split('/')
  if (parts.length > 2 || parts.some((p) => p.length === 0)) return null
  try {
    const cluster = decodeURIComponent(parts[0])
    return parts.length === 1 ? { cluster } : { cluster, node: decodeURIComponent(parts[1]) }
  } catch {
    return null
  }
}

type UpgradeTx = IDBPTransaction<NodeDbSchema, StoreNames<NodeDbSchema>[], 'versionchange'>

/**
 * Bring a node's database from `oldVersion` to SCHEMA_VERSION inside the versionchange transaction.
 * Returns a promise when there is data to migrate; it awaits only requests of `tx`, as IndexedDB requires.
 * A record that is not well-formed (version 1) or fails its checksum (version 2) fails the upgrade with a
 * StorageCorruptError, and the aborted transaction leaves the database as it was: resealing it would bless it.
 * The log is regrouped into segments as stored, gaps included, so load still reports whatever was wrong.
 */
export function upgradeNodeDb(node: string, db: IDBPDatabase<NodeDbSchema>, oldVersion: number, tx: UpgradeTx): Promise<void> | undefined {
  if (oldVersion < 1) {
    for (const name of NODE_STORES) db.createObjectStore(name)
    return tx.objectStore('meta').put(sealSchema({ version: SCHEMA_VERSION, node }), 'schema').then(() => undefined)
  }
  if (oldVersion === 1) return migrateV1(node, tx)
  if (oldVersion === 2) return migrateV2(node, tx)
  return undefined
}

/** Replace the whole log store with `entries` (in index order) as segments. Returns the write requests. */
function rewriteLog(tx: UpgradeTx, entries: Entry[]): Promise<unknown>[] {
  const log = tx.objectStore('log')
  const writes: Promise<unknown>[] = [log.clear()]
  for (const seg of toSegments(entries)) writes.push(log.put(sealSegment(seg), seg.first))
  return writes
}

async function migrateV1(node: string, tx: UpgradeTx): Promise<void> {
  const fail = (detail: string): StorageCorruptError => new StorageCorruptError(node, `upgrade from version 1: ${detail}`)
  const meta = tx.objectStore('meta')
  const log = tx.objectStore('log')
  const snapStore = tx.objectStore('snapshot')
  // Values are typed as v3 by the schema but are raw v1 objects here.
  const [rawHs, rawSnap, keys, values] = await Promise.all([
    meta.get('hardState') as Promise<unknown>,
    snapStore.get('latest') as Promise<unknown>,
    log.getAllKeys(),
    log.getAll() as Promise<unknown[]>,
  ])
  // Check everything before the first write, so a failure leaves no write request unobserved.
  const hs = rawHs === undefined ? undefined : readHardState(rawHs)
  if (typeof hs === 'string') throw fail(`hard state: ${hs}`)
  const snap = rawSnap === undefined ? undefined : readSnapshot(rawSnap)
  if (typeof snap === 'string') throw fail(`snapshot: ${snap}`)
  const entries: Entry[] = []
  for (let i = 0; i < keys.length; i++) {
    const e = readEntry(values[i])
    if (typeof e === 'string') throw fail(`log entry ${keys[i]}: ${e}`)
    if (e.index !== keys[i]) throw fail(`log record at key ${keys[i]} holds entry ${e.index}`)
    entries.push(e)
  }
  const writes = rewriteLog(tx, entries)
  if (hs) writes.push(meta.put(sealHardState(hs), 'hardState'))
  if (snap) writes.push(snapStore.put(sealSnapshot(snap), 'latest'))
  writes.push(meta.put(sealSchema({ version: SCHEMA_VERSION, node }), 'schema'))
  await Promise.all(writes)
}

/**
 * Version 2 to 3: the meta and snapshot stores stay as they are (load verifies them); every log record is
 * verified against its checksum and the log is rewritten as segments. The schema record keeps the node it
 * names, so a database that belongs to another node still says so.
 */
async function migrateV2(node: string, tx: UpgradeTx): Promise<void> {
  const fail = (e: unknown): unknown =>
    e instanceof StorageCorruptError ? new StorageCorruptError(node, `upgrade from version 2: ${e.detail}`) : e
  const meta = tx.objectStore('meta')
  const log = tx.objectStore('log')
  const [rawSchema, keys, values] = await Promise.all([
    meta.get('schema') as Promise<unknown>,
    log.getAllKeys(),
    log.getAll() as Promise<unknown[]>,
  ])
  let schema: SchemaInfo | undefined
  const entries: Entry[] = new Array(keys.length)
  try {
    schema = rawSchema === undefined ? undefined : unsealSchema(node, rawSchema)
    for (let i = 0; i < keys.length; i++) entries[i] = unsealEntry(node, keys[i], values[i])
  } catch (e) {
    throw fail(e)
  }
  const writes = rewriteLog(tx, entries)
  // Without a schema record, load reports it missing, as it would have before the upgrade.
  if (schema) writes.push(meta.put(sealSchema({ version: SCHEMA_VERSION, node: schema.node }), 'schema'))
  await Promise.all(writes)
}
