/**
 * The catalog of what this browser stores: list clusters and their node disks, delete them, probe IndexedDB. Apart
 * from idb.ts (the node disk itself) so that the page, which only lists and deletes, does not load the disk's code.
 */
import { StorageUnavailableError, describeError } from './errors.ts'
import { deleteDatabase, getFactory, openDatabase } from './open.ts'
import { DB_PREFIX, clusterDbName, nodeDbName, parseDbName } from './schema.ts'
import type { StorageOptions } from './types.ts'

/** Delete a node's database. Open connections to it (ours) close themselves first. */
export async function deleteNodeDisk(cluster: string, node: string, opts?: StorageOptions): Promise<void> {
  await deleteDatabase(getFactory(opts), nodeDbName(cluster, node), opts)
}

async function databaseNames(opts?: StorageOptions): Promise<string[] | null> {
  const factory = getFactory(opts)
  if (typeof factory.databases !== 'function') return null
  try {
    const infos = await factory.databases()
    return infos.map((i) => i.name).filter((n): n is string => typeof n === 'string' && n.startsWith(DB_PREFIX))
  } catch (e) {
    throw new StorageUnavailableError(`cannot list IndexedDB databases: ${describeError(e)}`, { cause: e })
  }
}

/**
 * Names of the clusters stored in this browser (those with a settings database or any node disk), sorted;
 * null when the browser cannot list databases (indexedDB.databases() is missing).
 */
export async function listClusters(opts?: StorageOptions): Promise<string[] | null> {
  const names = await databaseNames(opts)
  if (!names) return null
  const clusters = new Set<string>()
  for (const n of names) {
    const parsed = parseDbName(n)
    if (parsed) clusters.add(parsed.cluster)
  }
  return [...clusters].sort()
}

/** The nodes of `cluster` that have a disk in this browser, sorted; null when databases cannot be listed. */
export async function listNodeDisks(cluster: string, opts?: StorageOptions): Promise<string[] | null> {
  const names = await databaseNames(opts)
  if (!names) return null
  const prefix = clusterDbName(cluster) + '/'
  const nodes: string[] = []
  for (const n of names) {
    const parsed = n.startsWith(prefix) ? parseDbName(n) : null
    if (parsed?.node !== undefined) nodes.push(parsed.node)
  }
  return nodes.sort()
}

/**
 * Delete everything stored for `cluster`: its settings database and every node disk, those listed by the
 * browser plus `nodes` (for browsers that cannot list databases).
 */
export async function deleteCluster(cluster: string, opts?: StorageOptions & { nodes?: string[] }): Promise<void> {
  const factory = getFactory(opts)
  const nodes = new Set([...(opts?.nodes ?? []), ...((await listNodeDisks(cluster, opts)) ?? [])])
  await Promise.all([
    deleteDatabase(factory, clusterDbName(cluster), opts),
    ...[...nodes].map((n) => deleteDatabase(factory, nodeDbName(cluster, n), opts)),
  ])
}

/** Name of the throwaway database `probeIndexedDb` uses; outside the `raftlab/` namespace so it is never listed. */
export const PROBE_DB_NAME = 'raftlab-probe'

/** Whether IndexedDB works here: opens, writes, reads back and deletes a throwaway database. Never throws. */
export async function probeIndexedDb(opts?: StorageOptions): Promise<{ ok: boolean; reason?: string }> {
  try {
    const factory = getFactory(opts)
    const db = await openDatabase<unknown>(factory, PROBE_DB_NAME, 1, (d) => {
      d.createObjectStore('probe')
      return undefined
    }, opts)
    try {
      const tx = db.transaction('probe', 'readwrite')
      await Promise.all([tx.store.put('ok', 'probe'), tx.done])
      const back = await db.get('probe', 'probe')
      if (back !== 'ok') return { ok: false, reason: 'IndexedDB did not return what was written' }
    } finally {
      db.close()
    }
    await deleteDatabase(factory, PROBE_DB_NAME, opts)
    return { ok: true }
  } catch (e) {
    return { ok: false, reason: describeError(e) }
  }
}
