// Upgrading older databases to schema version 3 (the log as segments): from version 1 (raw records, no
// checksums) and from version 2 (one checksummed record per entry).
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, hs, rawGet, rawLog, rawPut, rawVersion, rejection, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { corruptRecord, createV1DatabaseForTest, createV2DatabaseForTest } from './testing.ts'
import { hardStateSum, schemaSum, sealEntry, segmentSum, snapshotSum } from '../../../src/storage/checksum.ts'
import { StorageCorruptError } from '../../../src/storage/errors.ts'
import { MAX_SEGMENT_ENTRIES } from '../../../src/storage/segments.ts'
import type { Entry } from '../../../src/raft/types.ts'

const V3 = 3

async function loadDetail(factory: IDBFactory): Promise<string> {
  const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
  try {
    return ((await rejection(disk.load())) as StorageCorruptError).detail
  } finally {
    disk.close()
  }
}

describe('upgrade from schema version 1', () => {
  it('preserves every record, seals each, and regroups the log into one segment', async () => {
    const factory = freshFactory()
    const log = entries(6, 9, (i) => (i < 8 ? 2 : 3))
    await createV1DatabaseForTest('c', 'n1', { hardState: hs(3, 'n1', 8), snapshot: snap(5, 2), entries: log }, { indexedDB: factory })
    expect(await rawVersion(factory, 'c', 'n1')).toBe(1)
    expect(await rawGet(factory, 'c', 'n1', 'log', 6)).toEqual(log[0])

    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(3, 'n1', 8), entries: log, snapshot: snap(5, 2), empty: false })
    disk.close()

    expect(await rawVersion(factory, 'c', 'n1')).toBe(V3)
    const segment = { first: 6, last: 9, entries: log }
    expect(await rawGet(factory, 'c', 'n1', 'log', 6)).toEqual({ value: segment, sum: segmentSum(6, segment) })
    expect(await rawLog(factory, 'c', 'n1')).toEqual([{ key: 6, first: 6, last: 9, count: 4 }])
    expect(await rawGet(factory, 'c', 'n1', 'meta', 'hardState')).toEqual({ value: hs(3, 'n1', 8), sum: hardStateSum('hardState', hs(3, 'n1', 8)) })
    expect(await rawGet(factory, 'c', 'n1', 'snapshot', 'latest')).toEqual({ value: snap(5, 2), sum: snapshotSum('latest', snap(5, 2)) })
    expect(await rawGet(factory, 'c', 'n1', 'meta', 'schema')).toEqual({ value: { version: V3, node: 'n1' }, sum: schemaSum('schema', { version: V3, node: 'n1' }) })
  })

  it('upgraded records are protected: damage after the upgrade is detected', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', { hardState: hs(1, null, 2), entries: entries(1, 3) }, { indexedDB: factory })
    ;(await openNodeDisk('c', 'n1', { indexedDB: factory })).close()
    await corruptRecord('c', 'n1', 'log', 2, { indexedDB: factory })
    expect(await loadDetail(factory)).toBe('log segment 1..3: checksum mismatch')
  })

  it('upgrades an empty version-1 database to an empty disk', async () => {
    const factory = freshFactory()
    await createV1DatabaseForTest('c', 'n1', {}, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(0, null, 0), entries: [], empty: true })
    disk.close()
    expect(await rawVersion(factory, 'c', 'n1')).toBe(V3)
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

describe('upgrade from schema version 2', () => {
  it('keeps hard state, snapshot and every entry, with the log as segments of at most the maximum size', async () => {
    const factory = freshFactory()
    const log = entries(11, 2600, (i) => 2 + Math.floor(i / 1000))
    await createV2DatabaseForTest('c', 'n1', { hardState: hs(4, 'n2', 2000), snapshot: snap(10, 2), entries: log }, { indexedDB: factory })
    expect(await rawVersion(factory, 'c', 'n1')).toBe(2)
    expect(await rawGet(factory, 'c', 'n1', 'log', 11)).toEqual(sealEntry(log[0]))

    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(4, 'n2', 2000), entries: log, snapshot: snap(10, 2), empty: false })
    disk.close()

    expect(await rawVersion(factory, 'c', 'n1')).toBe(V3)
    expect(await rawLog(factory, 'c', 'n1')).toEqual([
      { key: 11, first: 11, last: 10 + MAX_SEGMENT_ENTRIES, count: MAX_SEGMENT_ENTRIES },
      { key: 1011, first: 1011, last: 2010, count: MAX_SEGMENT_ENTRIES },
      { key: 2011, first: 2011, last: 2600, count: 590 },
    ])
    expect(await rawGet(factory, 'c', 'n1', 'meta', 'schema')).toEqual({ value: { version: V3, node: 'n1' }, sum: schemaSum('schema', { version: V3, node: 'n1' }) })
    // The upgraded disk is an ordinary one: it appends, replaces and compacts.
    const again = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await again.persist({ entries: entries(2500, 2501, 5), hardState: hs(5, null, 2000) })
    await again.compact(snap(1500, 3))
    expect((await again.load()).entries).toEqual([...log.slice(1500 - 10, 2500 - 11), ...entries(2500, 2501, 5)])
    again.close()
  })

  it('upgrades a version-2 database holding only a vote', async () => {
    const factory = freshFactory()
    await createV2DatabaseForTest('c', 'n1', { hardState: hs(2, 'n3', 0) }, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({ hardState: hs(2, 'n3', 0), entries: [], empty: false })
    disk.close()
  })

  it('refuses a version-2 entry whose checksum fails, and leaves the database as it was', async () => {
    const factory = freshFactory()
    const log = entries(1, 5)
    await createV2DatabaseForTest('c', 'n1', { entries: log }, { indexedDB: factory })
    await rawPut(factory, 'c', 'n1', 'log', 3, { value: { ...log[2], data: 'tampered' }, sum: sealEntry(log[2]).sum })
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect((err as StorageCorruptError).detail).toBe('upgrade from version 2: log entry 3: checksum mismatch')
    expect(await rawVersion(factory, 'c', 'n1')).toBe(2)
    expect(await rawGet(factory, 'c', 'n1', 'log', 1)).toEqual(sealEntry(log[0]))
  })

  it('refuses a version-2 database whose schema record is damaged', async () => {
    const factory = freshFactory()
    await createV2DatabaseForTest('c', 'n1', { entries: entries(1, 2) }, { indexedDB: factory })
    await corruptV2Schema(factory)
    const err = await rejection(openNodeDisk('c', 'n1', { indexedDB: factory }))
    expect((err as StorageCorruptError).detail).toBe('upgrade from version 2: schema record: checksum mismatch')
  })

  it('a database of another node still says so after the upgrade', async () => {
    const factory = freshFactory()
    await createV2DatabaseForTest('c', 'n1', { entries: entries(1, 2), schemaNode: 'n7' }, { indexedDB: factory })
    expect(await loadDetail(factory)).toBe('the database belongs to node n7')
    expect(await rawVersion(factory, 'c', 'n1')).toBe(V3)
  })

  it('a gap in a version-2 log stays a gap, and load reports it', async () => {
    const factory = freshFactory()
    await createV2DatabaseForTest('c', 'n1', { entries: [...entries(1, 3), ...entries(5, 6)] }, { indexedDB: factory })
    expect(await loadDetail(factory)).toBe('log is not contiguous: log segment 1..3 is followed by log segment 5..6')
    expect(await rawLog(factory, 'c', 'n1')).toEqual([{ key: 1, first: 1, last: 3, count: 3 }, { key: 5, first: 5, last: 6, count: 2 }])
  })

  it('a damaged hard state is not resealed: load still reports it', async () => {
    const factory = freshFactory()
    await createV2DatabaseForTest('c', 'n1', { entries: entries(1, 2), hardState: hs(1, 'n1', 2) }, { indexedDB: factory })
    await rawPut(factory, 'c', 'n1', 'meta', 'hardState', { value: hs(1, 'n1', 1), sum: hardStateSum('hardState', hs(1, 'n1', 2)) })
    expect(await loadDetail(factory)).toBe('hard state: checksum mismatch')
  })
})

/** Change the node named by a version-2 schema record without resealing it. */
async function corruptV2Schema(factory: IDBFactory): Promise<void> {
  const raw = (await rawGet(factory, 'c', 'n1', 'meta', 'schema')) as { value: { node: string } }
  raw.value.node = 'n9'
  await rawPut(factory, 'c', 'n1', 'meta', 'schema', raw)
}
