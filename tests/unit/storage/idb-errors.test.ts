// Out of space, no IndexedDB, blocked or failing opens, and connections closed from elsewhere.
import { describe, it, expect, afterEach, vi } from 'vitest'
import { entries, freshFactory, hs, rejection, snap } from './helpers.ts'
import { deleteNodeDisk, openNodeDisk, probeIndexedDb } from '../../../src/storage/idb.ts'
import { createV1DatabaseForTest } from './testing.ts'
import { SCHEMA_VERSION, nodeDbName } from '../../../src/storage/schema.ts'
import { StorageQuotaError, StorageUnavailableError } from '../../../src/storage/errors.ts'
import { openClusterDb } from '../../../src/storage/cluster-db.ts'

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

const quota = (): DOMException => new DOMException('The quota has been exceeded.', 'QuotaExceededError')

/** A disk with entries 1..3 (term 1), hard state (1, n1, 2) and a snapshot at 1. */
async function diskWithData(factory: IDBFactory) {
  const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
  await disk.persist({ entries: entries(1, 3), hardState: hs(1, 'n1', 2) })
  await disk.compact(snap(1, 1))
  return disk
}

describe('quota exceeded', () => {
  it('a put that throws QuotaExceededError rolls the whole batch back', async () => {
    const disk = await diskWithData(freshFactory())
    const before = await disk.load()
    const put = IDBObjectStore.prototype.put
    // A batch too big for one segment: 2..1001 and 1002..1500. Fail on the second, when the first (and the
    // deletion of the replaced suffix) is already queued in the transaction.
    const big = entries(2, 1500, 2)
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (this.name === 'log' && key === 1002) throw quota()
      return put.call(this, value, key)
    })
    const err = await rejection(disk.persist({ entries: big, hardState: hs(2, null, 2) }))
    expect(err).toBeInstanceOf(StorageQuotaError)
    expect(err.message).toMatch(/no more storage space/)
    vi.restoreAllMocks()
    expect(await disk.load()).toEqual(before)
    // The disk is still consistent with itself: the same batch goes through once there is space.
    await disk.persist({ entries: big, hardState: hs(2, null, 2) })
    expect((await disk.load()).entries).toEqual(big)
    disk.close()
  })

  it('a transaction the browser aborts with QuotaExceededError at commit raises StorageQuotaError', async () => {
    const disk = await diskWithData(freshFactory())
    const before = await disk.load()
    const put = IDBObjectStore.prototype.put
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const r = put.call(this, value, key)
      // The new entries extend the small last segment 2..3, so they are written as segment 2..6.
      if (this.name === 'log' && key === 2) {
        // As browsers do when the commit does not fit: the transaction aborts later with the quota error.
        // (fake-indexeddb's internal _abort(name) is the only way to make it do the same.)
        const tx = this.transaction as IDBTransaction & { _abort(name: string): void }
        queueMicrotask(() => tx._abort('QuotaExceededError'))
      }
      return r
    })
    const err = await rejection(disk.persist({ entries: entries(4, 6, 1) }))
    expect(err).toBeInstanceOf(StorageQuotaError)
    vi.restoreAllMocks()
    expect(await disk.load()).toEqual(before)
    disk.close()
  })
})

describe('IndexedDB unavailable', () => {
  it('no indexedDB at all', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const err = await rejection(openNodeDisk('c', 'n1'))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toMatch(/IndexedDB is not available/)
    await expect(openClusterDb('c')).rejects.toThrow(StorageUnavailableError)
    expect(await probeIndexedDb()).toEqual({ ok: false, reason: expect.stringMatching(/IndexedDB is not available/) })
  })

  it('open throws (as in some private modes)', async () => {
    const factory = { open: () => { throw new DOMException('The operation is insecure.', 'SecurityError') } } as unknown as IDBFactory
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toBe('cannot open IndexedDB database "raftlab/c/n1": SecurityError: The operation is insecure.')
    expect((await probeIndexedDb({ indexedDB: factory })).ok).toBe(false)
  })

  it('open never answers', async () => {
    const factory = { open: () => ({}) } as unknown as IDBFactory
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory, timeoutMs: 20 }))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toBe('opening IndexedDB database "raftlab/c/n1" did not finish within 20 ms')
  })

  it('an upgrade blocked by an old connection in another tab; it proceeds once that one closes', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', { entries: entries(1, 2) }, { indexedDB: factory })
    const old = await new Promise<IDBDatabase>((resolve) => {
      const r = factory.open(nodeDbName('c', 'n1'), 1)
      r.onsuccess = () => resolve(r.result)
    })
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toMatch(/held open by another tab or worker/)
    old.close()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect((await disk.load()).entries).toEqual(entries(1, 2))
    disk.close()
  })

  it('a database from a newer version of the app', async () => {
    const factory = freshFactory()
    await new Promise<void>((resolve) => {
      const r = factory.open(nodeDbName('c', 'n1'), SCHEMA_VERSION + 1)
      r.onsuccess = () => {
        r.result.close()
        resolve()
      }
    })
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toMatch(/written by a newer version of Raft Lab/)
  })

  it('a disk whose database is deleted elsewhere closes itself and then refuses work', async () => {
    const factory = freshFactory()
    const disk = await diskWithData(factory)
    // Our connection closes on versionchange, so the delete is not blocked.
    await deleteNodeDisk('c', 'n1', { indexedDB: factory, timeoutMs: 1000 })
    const err = await rejection(disk.persist({ entries: entries(4, 4) }))
    expect(err).toBeInstanceOf(StorageUnavailableError)
    expect(err.message).toMatch(/deleted or upgraded by another tab/)
    const fresh = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect((await fresh.load()).empty).toBe(true)
    fresh.close()
  })

  it('probe succeeds on a working IndexedDB and leaves nothing behind', async () => {
    const factory = freshFactory()
    expect(await probeIndexedDb({ indexedDB: factory })).toEqual({ ok: true })
    expect(await factory.databases()).toEqual([])
  })
})
