// Upgrading a version-1 database (raw records, no checksums) to version 2.
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, hs, rawGet, rawPut, rawVersion, rejection, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { corruptRecord, createV1DatabaseForTest } from '../../../src/storage/testing.ts'
import { entrySum, hardStateSum, schemaSum, snapshotSum } from '../../../src/storage/checksum.ts'
import { StorageCorruptError } from '../../../src/storage/errors.ts'
import type { Entry } from '../../../src/raft/types.ts'

describe('upgrade from schema version 1', () => {
  it('preserves every record and seals each with its checksum', async () => {
    const factory = freshFactory()
    const log = entries(6, 9, (i) => (i < 8 ? 2 : 3))
    await createV1DatabaseForTest('c', 'n1', { hardState: hs(3, 'n1', 8), snapshot: snap(5, 2), entries: log }, { indexedDB: factory })
    expect(await rawVersion(factory, 'c', 'n1')).toBe(1)
    expect(await rawGet(factory, 'c', 'n1', 'log', 6)).toEqual(log[0])

    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(3, 'n1', 8), entries: log, snapshot: snap(5, 2), empty: false })
    disk.close()

    expect(await rawVersion(factory, 'c', 'n1')).toBe(2)
    expect(await rawGet(factory, 'c', 'n1', 'log', 7)).toEqual({ value: log[1], sum: entrySum(7, log[1]) })
    expect(await rawGet(factory, 'c', 'n1', 'meta', 'hardState')).toEqual({ value: hs(3, 'n1', 8), sum: hardStateSum('hardState', hs(3, 'n1', 8)) })
    expect(await rawGet(factory, 'c', 'n1', 'snapshot', 'latest')).toEqual({ value: snap(5, 2), sum: snapshotSum('latest', snap(5, 2)) })
    expect(await rawGet(factory, 'c', 'n1', 'meta', 'schema')).toEqual({ value: { version: 2, node: 'n1' }, sum: schemaSum('schema', { version: 2, node: 'n1' }) })
  })

  it('upgraded records are protected: damage after the upgrade is detected', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', { hardState: hs(1, null, 2), entries: entries(1, 3) }, { indexedDB: factory })
    ;(await openNodeDisk('c', 'n1', { indexedDB: factory })).close()
    await corruptRecord('c', 'n1', 'log', 2, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(((await rejection(disk.load())) as StorageCorruptError).detail).toBe('log entry 2: checksum mismatch')
    disk.close()
  })

  it('upgrades an empty version-1 database to an empty disk', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', {}, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(0, null, 0), entries: [], empty: true })
    disk.close()
  })

  it('refuses to seal malformed version-1 data and leaves the database untouched', async () => {
    const factory = freshFactory()
    const bad = [...entries(1, 1), { index: 2, term: 1, kind: 'bogus' } as unknown as Entry]
    await createV1DatabaseForTest('c', 'n1', { entries: bad }, { indexedDB: factory })
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect((err as StorageCorruptError).detail).toBe('upgrade from version 1: log entry 2: kind "bogus" is not command, noop or config')
    // The versionchange transaction was aborted: still version 1, records still raw.
    expect(await rawVersion(factory, 'c', 'n1')).toBe(1)
    expect(await rawGet(factory, 'c', 'n1', 'log', 1)).toEqual(entries(1, 1)[0])
  })

  it('refuses a version-1 entry stored under the wrong key', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', { entries: entries(1, 2) }, { indexedDB: factory })
    await rawPut(factory, 'c', 'n1', 'log', 2, entries(3, 3)[0])
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect((err as StorageCorruptError).detail).toBe('upgrade from version 1: log record at key 2 holds entry 3')
  })
})
