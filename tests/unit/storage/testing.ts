/**
 * Helpers for tests (unit tests on fake-indexeddb, browser tests on the real IndexedDB): build an old-format
 * database, and damage stored records the way a bad disk would, without fixing their checksums.
 */
import type { Entry, HardState, Snapshot } from '../../../src/raft/types.ts'
import { sealEntry, sealHardState, sealSchema, sealSnapshot } from '../../../src/storage/checksum.ts'
import { describeError } from '../../../src/storage/errors.ts'
import { getFactory } from '../../../src/storage/open.ts'
import { NODE_STORES, nodeDbName } from '../../../src/storage/schema.ts'
import type { StorageOptions } from '../../../src/storage/types.ts'

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = (event) => {
      event.preventDefault()
      reject(r.error ?? new Error('IndexedDB request failed'))
    }
  })
}

function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
  })
}

/**
 * Create `raftlab/<cluster>/<node>` at an old schema `version` with the node stores, letting `fill` write the
 * records inside the creating transaction. Fails if the database already exists.
 */
async function createOldDatabase(
  cluster: string,
  node: string,
  version: number,
  fill: (tx: IDBTransaction) => void,
  opts?: StorageOptions,
): Promise<void> {
  const open = getFactory(opts).open(nodeDbName(cluster, node), version)
  let created = false
  open.onupgradeneeded = (event) => {
    if (event.oldVersion !== 0) return
    created = true
    const db = open.result
    for (const name of NODE_STORES) db.createObjectStore(name)
    fill(open.transaction as IDBTransaction)
  }
  const db = await request(open)
  db.close()
  if (!created) throw new Error(`creating a version-${version} database: ${nodeDbName(cluster, node)} already exists`)
}

/**
 * Create `raftlab/<cluster>/<node>` as a version-1 database (no checksums, no schema record) holding exactly
 * `contents`, written as given (so a test can store v1 data that is malformed). Fails if it already exists.
 */
export function createV1DatabaseForTest(
  cluster: string,
  node: string,
  contents: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot },
  opts?: StorageOptions,
): Promise<void> {
  return createOldDatabase(cluster, node, 1, (tx) => {
    if (contents.hardState) tx.objectStore('meta').put(contents.hardState, 'hardState')
    if (contents.snapshot) tx.objectStore('snapshot').put(contents.snapshot, 'latest')
    for (const e of contents.entries ?? []) tx.objectStore('log').put(e, e.index)
  }, opts)
}

/**
 * Create `raftlab/<cluster>/<node>` as a version-2 database: one sealed record per log entry, sealed hard state
 * and snapshot, and a schema record naming `schemaNode` (default `node`). Fails if it already exists.
 */
export function createV2DatabaseForTest(
  cluster: string,
  node: string,
  contents: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot; schemaNode?: string },
  opts?: StorageOptions,
): Promise<void> {
  return createOldDatabase(cluster, node, 2, (tx) => {
    const meta = tx.objectStore('meta')
    meta.put(sealSchema({ version: 2, node: contents.schemaNode ?? node }), 'schema')
    if (contents.hardState) meta.put(sealHardState(contents.hardState), 'hardState')
    if (contents.snapshot) tx.objectStore('snapshot').put(sealSnapshot(contents.snapshot), 'latest')
    for (const e of contents.entries ?? []) tx.objectStore('log').put(sealEntry(e), e.index)
  }, opts)
}

/**
 * Flip data in one stored (version-3) record of a node's database without updating its checksum, as a
 * failing disk would. For the log, `key` is an entry index (default: the first stored entry) and the change is
 * made to that entry inside the segment that holds it; otherwise `key` defaults to 'hardState' in meta and
 * 'latest' in snapshot. Returns what was changed. The node's disk should be closed, or at least not written,
 * meanwhile.
 */
export async function corruptRecord(
  cluster: string,
  node: string,
  which: 'log' | 'meta' | 'snapshot',
  key?: IDBValidKey,
  opts?: StorageOptions,
): Promise<string> {
  const factory = getFactory(opts)
  const name = nodeDbName(cluster, node)
  // Open at the current version: no upgrade, and an absent database is an error rather than created.
  let createdByUs = false
  const open = factory.open(name)
  open.onupgradeneeded = () => {
    createdByUs = true
    open.transaction?.abort()
  }
  let db: IDBDatabase
  try {
    db = await request(open)
  } catch (e) {
    throw new Error(createdByUs ? `corruptRecord: there is no database ${name}` : `corruptRecord: cannot open ${name}: ${describeError(e)}`)
  }
  try {
    const tx = db.transaction(which, 'readwrite')
    const done = finished(tx)
    const store = tx.objectStore(which)
    if (which === 'log') {
      if (key !== undefined && typeof key !== 'number') throw new Error('corruptRecord: a log key is an entry index')
      const cursor = await request(store.openCursor(key === undefined ? null : IDBKeyRange.upperBound(key), key === undefined ? 'next' : 'prev'))
      if (!cursor) throw new Error(key === undefined ? `corruptRecord: the log of ${node} is empty` : `corruptRecord: no log segment holds entry ${key}`)
      const record: unknown = cursor.value
      const seg = typeof record === 'object' && record !== null ? (record as { value?: unknown }).value : undefined
      const list = typeof seg === 'object' && seg !== null ? (seg as { entries?: unknown }).entries : undefined
      if (!Array.isArray(list)) throw new Error(`corruptRecord: no checksummed log segment at key ${String(cursor.key)}`)
      const { first, last } = seg as { first: number; last: number }
      const at = key === undefined ? first : key
      const entry: unknown = list[at - first]
      if (typeof entry !== 'object' || entry === null) throw new Error(`corruptRecord: log segment ${first}..${last} does not hold entry ${at}`)
      const change = flip(entry as Record<string, unknown>)
      cursor.update(record)
      await done
      return `log segment ${first}..${last}: ${change} of entry ${at}`
    }
    const k = key ?? (which === 'meta' ? 'hardState' : 'latest')
    const record: unknown = await request(store.get(k))
    if (typeof record !== 'object' || record === null || !('value' in record)) {
      throw new Error(`corruptRecord: no checksummed ${which} record at key ${String(k)}`)
    }
    const value = (record as { value: Record<string, unknown> }).value
    const change = flip(value)
    store.put(record, k)
    await done
    return `${which} record ${String(k)}: ${change}`
  } finally {
    db.close()
  }
}

/** Change one field of a stored value in place, in a way that keeps it well-formed. */
function flip(value: Record<string, unknown>): string {
  if (typeof value.data === 'string' && value.data.length > 0) {
    const s = value.data
    // Flip the lowest bit of the first character: the smallest change a checksum must still catch.
    value.data = String.fromCharCode(s.charCodeAt(0) ^ 1) + s.slice(1)
    return 'flipped a bit in data'
  }
  if (typeof value.term === 'number') {
    value.term = value.term ^ 1
    return `term changed to ${value.term}`
  }
  if (typeof value.node === 'string') {
    value.node = value.node + '?'
    return `node changed to ${value.node}`
  }
  throw new Error('corruptRecord: the record has no field it knows how to change')
}
