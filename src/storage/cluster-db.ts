/**
 * A cluster's settings database, `raftlab/<cluster>`: one store `settings` holding one versioned, JSON-able
 * object (nodes, seed, parameters, storage mode; the runtime defines the fields) under key 'current'.
 */
import type { DBSchema, IDBPDatabase } from 'idb'
import { StorageCorruptError, StorageUnavailableError } from './errors.ts'
import { deleteDatabase, getFactory, openDatabase, idbError } from './open.ts'
import { clusterDbName } from './schema.ts'
import type { ClusterDb, ClusterSettings, StorageOptions } from './types.ts'

/** Version of the settings database's layout (not of the settings object, which carries its own `version`). */
export const CLUSTER_DB_VERSION = 1

interface ClusterDbSchema extends DBSchema {
  settings: { key: 'current'; value: ClusterSettings }
}

function isSettings(v: unknown): v is ClusterSettings {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { version?: unknown }).version === 'number'
}

/** Open (creating if needed) the settings database of `cluster`. Throws StorageUnavailableError if IndexedDB is missing or failing. */
export async function openClusterDb(cluster: string, opts?: StorageOptions): Promise<ClusterDb> {
  const name = clusterDbName(cluster)
  const factory = getFactory(opts)
  const owner = `settings of ${cluster}`
  let db: IDBPDatabase<ClusterDbSchema> | null = await openDatabase<ClusterDbSchema>(factory, name, CLUSTER_DB_VERSION, (d) => {
    d.createObjectStore('settings')
    return undefined
  }, opts)
  const live = (): IDBPDatabase<ClusterDbSchema> => {
    if (!db) throw new StorageUnavailableError(`the ${owner} are closed`)
    return db
  }
  return {
    async load() {
      let raw: unknown
      try {
        raw = await live().get('settings', 'current')
      } catch (e) {
        throw idbError(owner, e, null)
      }
      if (raw === undefined) return null
      if (!isSettings(raw)) throw new StorageCorruptError(owner, 'the stored settings are not an object with a numeric version')
      return raw
    },
    async save(settings) {
      if (!isSettings(settings)) throw new TypeError('cluster settings must be an object with a numeric version')
      try {
        await live().put('settings', settings, 'current')
      } catch (e) {
        throw idbError(owner, e, null)
      }
    },
    async destroy() {
      db?.close()
      db = null
      await deleteDatabase(factory, name, opts)
    },
    close() {
      db?.close()
      db = null
    },
  }
}
