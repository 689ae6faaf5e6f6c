/**
 * Per-node storage: each node's "disk" is its own IndexedDB database (durable, survives reloads) or a
 * memory copy (volatile). The worker persists every Ready through a NodeDisk before sending its messages.
 *
 * ```ts
 * const disk = await openNodeDisk('demo', 'n1')
 * const { hardState, entries, snapshot, empty } = await disk.load()
 * await disk.persist({ hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot })
 * ```
 */
export type { ClusterDb, ClusterSettings, DiskSummary, NodeDisk, NodeDiskOptions, PersistBatch, StorageOptions } from './types.ts'
export { StorageCorruptError, StorageInvariantError, StorageQuotaError, StorageUnavailableError } from './errors.ts'
export { deleteCluster, deleteNodeDisk, listClusters, listNodeDisks, openNodeDisk, probeIndexedDb } from './idb.ts'
export { openClusterDb } from './cluster-db.ts'
export { createMemoryDisk } from './memory.ts'
export { SCHEMA_VERSION, clusterDbName, nodeDbName } from './schema.ts'
