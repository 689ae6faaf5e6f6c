// Shared fixtures for the storage tests. Loading fake-indexeddb/auto installs the IDB* globals that idb's
// wrapper recognises requests by; every test still gets its own fresh factory (and so an empty "browser").
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import type { Entry, HardState, Snapshot } from '../../../src/raft/types.ts'
import { nodeDbName } from '../../../src/storage/schema.ts'

export { IDBFactory }

/** A fresh, empty fake IndexedDB. */
export function freshFactory(): IDBFactory {
  return new IDBFactory()
}

/** Entries `from..to` with the given term (or a term per index), each carrying some data. */
export function entries(from: number, to: number, term: number | ((i: number) => number) = 1): Entry[] {
  const out: Entry[] = []
  for (let i = from; i <= to; i++) {
    out.push({ index: i, term: typeof term === 'number' ? term : term(i), kind: 'command', data: `set k${i} v${i}` })
  }
  return out
}

export function hs(term: number, vote: string | null, commit: number): HardState {
  return { term, vote, commit }
}

export function snap(index: number, term: number, data = `{"k":"v@${index}"}`): Snapshot {
  return { index, term, voters: ['n1', 'n2', 'n3'], data }
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

/** Run `body` on a raw connection to a node's database at its current version (bypassing the disk's checks). */
export async function withRawDb<T>(factory: IDBFactory, cluster: string, node: string, body: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await req(factory.open(nodeDbName(cluster, node)))
  try {
    return await body(db)
  } finally {
    db.close()
  }
}

/** Put `value` under `key` in `store` of a node's database, as is. */
export function rawPut(factory: IDBFactory, cluster: string, node: string, store: string, key: IDBValidKey, value: unknown): Promise<void> {
  return withRawDb(factory, cluster, node, async (db) => {
    const tx = db.transaction(store, 'readwrite')
    tx.objectStore(store).put(value, key)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onabort = () => reject(tx.error)
    })
  })
}

/** Read the raw value under `key` in `store`. */
export function rawGet(factory: IDBFactory, cluster: string, node: string, store: string, key: IDBValidKey): Promise<unknown> {
  return withRawDb(factory, cluster, node, (db) => req(db.transaction(store).objectStore(store).get(key)))
}

/** Delete `key` from `store`. */
export function rawDelete(factory: IDBFactory, cluster: string, node: string, store: string, key: IDBValidKey): Promise<void> {
  return withRawDb(factory, cluster, node, async (db) => {
    const tx = db.transaction(store, 'readwrite')
    tx.objectStore(store).delete(key)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onabort = () => reject(tx.error)
    })
  })
}

/** The version of a node's database as stored. */
export function rawVersion(factory: IDBFactory, cluster: string, node: string): Promise<number> {
  return withRawDb(factory, cluster, node, async (db) => db.version)
}

/** The settled rejection of `p`, failing the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a rejection, but the promise resolved')
}

/** The log store as stored: each record's key and, for a well-formed segment, its bounds and entry count. */
export function rawLog(factory: IDBFactory, cluster: string, node: string): Promise<Array<{ key: number; first: unknown; last: unknown; count: number }>> {
  return withRawDb(factory, cluster, node, async (db) => {
    const store = db.transaction('log').objectStore('log')
    const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())])
    return keys.map((key, i) => {
      const v = (values[i] as { value?: { first?: unknown; last?: unknown; entries?: unknown } } | undefined)?.value
      return { key: key as number, first: v?.first, last: v?.last, count: Array.isArray(v?.entries) ? v.entries.length : -1 }
    })
  })
}

/** Replace the whole log store with `records` (key, value) as given, in one transaction. */
export function rawReplaceLog(factory: IDBFactory, cluster: string, node: string, records: Array<[number, unknown]>): Promise<void> {
  return withRawDb(factory, cluster, node, async (db) => {
    const tx = db.transaction('log', 'readwrite')
    const store = tx.objectStore('log')
    store.clear()
    for (const [key, value] of records) store.put(value, key)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onabort = () => reject(tx.error)
    })
  })
}

/** A seeded pseudo-random source in [0, 1) for the model tests (xorshift32; quality is not the point). */
export function seeded(seed: number): () => number {
  let x = (seed >>> 0) || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}
