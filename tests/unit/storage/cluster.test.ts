// Cluster settings, database names, listing and deleting what a cluster stored.
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, rejection } from './helpers.ts'
import { deleteCluster, deleteNodeDisk, listClusters, listNodeDisks, openNodeDisk, probeIndexedDb } from '../../../src/storage/idb.ts'
import { openClusterDb } from '../../../src/storage/cluster-db.ts'
import { clusterDbName, nodeDbName, parseDbName } from '../../../src/storage/schema.ts'
import { StorageCorruptError, StorageUnavailableError } from '../../../src/storage/errors.ts'

async function touch(factory: IDBFactory, cluster: string, node: string): Promise<void> {
  const disk = await openNodeDisk(cluster, node, { indexedDB: factory })
  await disk.persist({ entries: entries(1, 1) })
  disk.close()
}

describe('database names', () => {
  it('follow raftlab/<cluster>/<node> and round-trip through the parser, even with odd characters', () => {
    expect(clusterDbName('demo')).toBe('raftlab/demo')
    expect(nodeDbName('demo', 'n1')).toBe('raftlab/demo/n1')
    expect(nodeDbName('a/b', 'n 1')).toBe('raftlab/a%2Fb/n%201')
    expect(parseDbName(nodeDbName('a/b', 'n/1'))).toEqual({ cluster: 'a/b', node: 'n/1' })
    expect(parseDbName(clusterDbName('x%y'))).toEqual({ cluster: 'x%y' })
    expect(parseDbName('raftlab-probe')).toBeNull()
    expect(parseDbName('other/app')).toBeNull()
    expect(parseDbName('raftlab/a/b/c')).toBeNull()
    expect(parseDbName('raftlab/%E0')).toBeNull()
  })

  it('refuse empty names', () => {
    expect(() => nodeDbName('', 'n1')).toThrow('cluster name must be a non-empty string')
    expect(() => nodeDbName('c', '')).toThrow('node id must be a non-empty string')
  })
})

describe('cluster settings database', () => {
  it('saves, reloads after reopening, and destroys', async () => {
    const factory = freshFactory()
    const db = await openClusterDb('demo', { indexedDB: factory })
    expect(await db.load()).toBeNull()
    const settings = { version: 1, nodes: ['n1', 'n2', 'n3'], seed: 42, storage: 'durable', params: { electionTick: 10 } }
    await db.save(settings)
    db.close()
    await expect(db.load()).rejects.toThrow(StorageUnavailableError)

    const again = await openClusterDb('demo', { indexedDB: factory })
    expect(await again.load()).toEqual(settings)
    await again.save({ ...settings, seed: 7 })
    expect(await again.load()).toEqual({ ...settings, seed: 7 })
    await again.destroy()
    expect((await factory.databases()).map((d) => d.name)).toEqual([])
  })

  it('refuses settings without a numeric version, and reports stored ones that lack it', async () => {
    const factory = freshFactory()
    const db = await openClusterDb('demo', { indexedDB: factory })
    await expect(db.save({ nodes: [] } as unknown as { version: number })).rejects.toThrow(TypeError)
    db.close()
    await new Promise<void>((resolve, reject) => {
      const r = factory.open(clusterDbName('demo'))
      r.onsuccess = () => {
        const tx = r.result.transaction('settings', 'readwrite')
        tx.objectStore('settings').put(['not', 'settings'], 'current')
        tx.oncomplete = () => {
          r.result.close()
          resolve()
        }
        tx.onabort = () => reject(tx.error)
      }
    })
    const reopened = await openClusterDb('demo', { indexedDB: factory })
    const err = await rejection(reopened.load())
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect(err.message).toBe('storage of settings of demo is corrupt: the stored settings are not an object with a numeric version')
    reopened.close()
  })
})

describe('listing and deleting', () => {
  it('lists clusters and their node disks, ignoring other databases', async () => {
    const factory = freshFactory()
    await touch(factory, 'alpha', 'n1')
    await touch(factory, 'alpha', 'n2')
    await touch(factory, 'a/b', 'n1')
    ;(await openClusterDb('beta', { indexedDB: factory })).close()
    await probeIndexedDb({ indexedDB: factory })
    await createOtherAppDb(factory)
    expect(await listClusters({ indexedDB: factory })).toEqual(['a/b', 'alpha', 'beta'])
    expect(await listNodeDisks('alpha', { indexedDB: factory })).toEqual(['n1', 'n2'])
    expect(await listNodeDisks('a/b', { indexedDB: factory })).toEqual(['n1'])
    expect(await listNodeDisks('beta', { indexedDB: factory })).toEqual([])
  })

  it('returns null where the browser cannot list databases', async () => {
    const factory = {} as IDBFactory
    expect(await listClusters({ indexedDB: factory })).toBeNull()
    expect(await listNodeDisks('alpha', { indexedDB: factory })).toBeNull()
  })

  it('deleteNodeDisk removes one node; deleteCluster removes the settings and every node', async () => {
    const factory = freshFactory()
    await touch(factory, 'alpha', 'n1')
    await touch(factory, 'alpha', 'n2')
    await touch(factory, 'gamma', 'n1')
    const settings = await openClusterDb('alpha', { indexedDB: factory })
    await settings.save({ version: 1 })
    await deleteNodeDisk('alpha', 'n1', { indexedDB: factory })
    expect(await listNodeDisks('alpha', { indexedDB: factory })).toEqual(['n2'])
    // The open settings connection closes itself instead of blocking the deletion.
    await deleteCluster('alpha', { indexedDB: factory, timeoutMs: 1000 })
    expect(await listClusters({ indexedDB: factory })).toEqual(['gamma'])
    const disk = await openNodeDisk('alpha', 'n2', { indexedDB: factory })
    expect((await disk.load()).empty).toBe(true)
    disk.close()
  })
})

/** A database of another app in the same origin, which listing must skip. */
async function createOtherAppDb(factory: IDBFactory): Promise<void> {
  await new Promise<void>((resolve) => {
    const r = factory.open('someone-else', 1)
    r.onupgradeneeded = () => r.result.createObjectStore('x')
    r.onsuccess = () => {
      r.result.close()
      resolve()
    }
  })
}
