// The durable disk across restarts, and what it reports when the bytes on disk are wrong.
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, hs, rawDelete, rawGet, rawPut, rejection, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { corruptRecord } from '../../../src/storage/testing.ts'
import { sealEntry, sealHardState, sealSchema } from '../../../src/storage/checksum.ts'
import { StorageCorruptError, StorageInvariantError } from '../../../src/storage/errors.ts'

async function corruptDetail(factory: IDBFactory): Promise<string> {
  const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
  try {
    const err = await rejection(disk.load())
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect((err as StorageCorruptError).node).toBe('n1')
    return (err as StorageCorruptError).detail
  } finally {
    disk.close()
  }
}

/** A disk holding snapshot 3 (term 1), entries 4..8 (terms 1,1,2,2,2) and hard state (2, n2, 6), closed. */
async function filled(): Promise<IDBFactory> {
  const factory = freshFactory()
  const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
  await disk.persist({ entries: entries(1, 8, (i) => (i <= 5 ? 1 : 2)), hardState: hs(2, 'n2', 6) })
  await disk.compact(snap(3, 1))
  disk.close()
  return factory
}

describe('durable disk: restart', () => {
  it('a reopened disk reads back exactly what was persisted', async () => {
    const factory = await filled()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.load()).toEqual({
      hardState: hs(2, 'n2', 6),
      entries: entries(4, 8, (i) => (i <= 5 ? 1 : 2)),
      snapshot: snap(3, 1),
      empty: false,
    })
    disk.close()
  })

  it('a reopened disk checks writes against what is on disk, even before load', async () => {
    const factory = await filled()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    const err = await rejection(disk.persist({ entries: entries(10, 10, 2) }))
    expect((err as StorageInvariantError).detail).toBe('entries start at 10 but the log ends at 8: that leaves a gap')
    await disk.persist({ entries: entries(7, 9, 3) })
    expect((await disk.load()).entries.map((e) => [e.index, e.term])).toEqual([[4, 1], [5, 1], [6, 2], [7, 3], [8, 3], [9, 3]])
    disk.close()
  })

  it('nodes of the same cluster and clusters with the same node ids have separate disks', async () => {
    const factory = freshFactory()
    const a = await openNodeDisk('c', 'n1', { indexedDB: factory })
    const b = await openNodeDisk('c', 'n2', { indexedDB: factory })
    const c = await openNodeDisk('other', 'n1', { indexedDB: factory })
    await a.persist({ entries: entries(1, 2) })
    expect((await b.load()).empty).toBe(true)
    expect((await c.load()).empty).toBe(true)
    for (const d of [a, b, c]) d.close()
  })
})

describe('durable disk: corruption is detected and named', () => {
  it('a flipped bit in a log entry', async () => {
    const factory = await filled()
    expect(await corruptRecord('c', 'n1', 'log', 6, { indexedDB: factory })).toBe('log record 6: flipped a bit in data')
    expect(await corruptDetail(factory)).toBe('log entry 6: checksum mismatch')
  })

  it('the first log entry by default', async () => {
    const factory = await filled()
    await corruptRecord('c', 'n1', 'log', undefined, { indexedDB: factory })
    expect(await corruptDetail(factory)).toBe('log entry 4: checksum mismatch')
  })

  it('the hard state', async () => {
    const factory = await filled()
    expect(await corruptRecord('c', 'n1', 'meta', undefined, { indexedDB: factory })).toBe('meta record hardState: term changed to 3')
    expect(await corruptDetail(factory)).toBe('hard state: checksum mismatch')
  })

  it('the schema record', async () => {
    const factory = await filled()
    await corruptRecord('c', 'n1', 'meta', 'schema', { indexedDB: factory })
    expect(await corruptDetail(factory)).toBe('schema record: checksum mismatch')
  })

  it('the snapshot', async () => {
    const factory = await filled()
    expect(await corruptRecord('c', 'n1', 'snapshot', undefined, { indexedDB: factory })).toBe('snapshot record latest: flipped a bit in data')
    expect(await corruptDetail(factory)).toBe('snapshot: checksum mismatch')
  })

  it('a record copied to another key (the key is part of the checksum)', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 9, await rawGet(factory, 'c', 'n1', 'log', 8))
    expect(await corruptDetail(factory)).toBe('log entry 9: checksum mismatch')
  })

  it('a record without a checksum', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 9, entries(9, 9, 2)[0])
    expect(await corruptDetail(factory)).toBe('log entry 9: not a checksummed record')
  })

  it('a well-sealed but malformed record', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'hardState', sealHardState({ term: -1, vote: null, commit: 0 }))
    expect(await corruptDetail(factory)).toBe('hard state: term -1 is not an integer >= 0')
  })

  it('a gap in the log', async () => {
    const factory = await filled()
    await rawDelete(factory, 'c', 'n1', 'log', 6)
    expect(await corruptDetail(factory)).toBe('log is not contiguous: entry 5 is followed by entry 7')
  })

  it('a log that does not start right after the snapshot', async () => {
    const factory = await filled()
    await rawDelete(factory, 'c', 'n1', 'log', 4)
    expect(await corruptDetail(factory)).toBe('log starts at entry 5 but should start at 4, right after the snapshot at 3')
  })

  it('a log that does not start at 1 when there is no snapshot', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 3) })
    disk.close()
    await rawDelete(factory, 'c', 'n1', 'log', 1)
    expect(await corruptDetail(factory)).toBe('log starts at entry 2 but should start at 1 (there is no snapshot)')
  })

  it('a term that goes down along the log', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 7, sealEntry(entries(7, 7, 1)[0]))
    expect(await corruptDetail(factory)).toBe('log entry 7 has term 1, lower than the term 2 of entry 6')
  })

  it('a first entry with a term below the snapshot term', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: [], snapshot: snap(3, 2) })
    disk.close()
    await rawPut(factory, 'c', 'n1', 'log', 4, sealEntry(entries(4, 4, 1)[0]))
    expect(await corruptDetail(factory)).toBe('log entry 4 has term 1, lower than the snapshot\'s term 2')
  })

  it('a commit index past the end of the log', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'hardState', sealHardState(hs(2, 'n2', 9)))
    expect(await corruptDetail(factory)).toBe('hard state commit 9 is past the last index 8')
  })

  it('a database that belongs to another node', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'schema', sealSchema({ version: 2, node: 'n7' }))
    expect(await corruptDetail(factory)).toBe('the database belongs to node n7')
  })

  it('a missing schema record', async () => {
    const factory = await filled()
    await rawDelete(factory, 'c', 'n1', 'meta', 'schema')
    expect(await corruptDetail(factory)).toBe('the schema record is missing')
  })

  it('a corrupt record read while planning a write is reported, and nothing is written', async () => {
    const factory = await filled()
    await corruptRecord('c', 'n1', 'log', 8, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    // Appending after entry 8 needs its term, read from disk: the damage is found before anything is written.
    const err = await rejection(disk.persist({ entries: entries(9, 9, 2) }))
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect((err as StorageCorruptError).detail).toBe('log entry 8: checksum mismatch')
    expect(await rawGet(factory, 'c', 'n1', 'log', 9)).toBeUndefined()
    disk.close()
  })

  it('describe still summarises a corrupt disk; writes are refused until a wipe', async () => {
    const factory = await filled()
    await corruptRecord('c', 'n1', 'log', 6, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect(await disk.describe()).toEqual({ hardState: hs(2, 'n2', 6), firstIndex: 4, lastIndex: 8, entryCount: 5, snapshotIndex: 3, snapshotTerm: 1 })
    const err = await rejection(disk.load())
    // Once load has found damage, writes are refused: a node must not build on a log it cannot trust.
    expect(await rejection(disk.persist({ entries: entries(9, 9, 2) }))).toBe(err)
    expect(await rejection(disk.compact(snap(5, 1)))).toBe(err)
    await disk.wipe()
    expect((await disk.load()).empty).toBe(true)
    disk.close()
  })

  it('corruptRecord refuses a database that does not exist, without creating it', async () => {
    const factory = freshFactory()
    await expect(corruptRecord('c', 'nx', 'log', undefined, { indexedDB: factory })).rejects.toThrow('there is no database raftlab/c/nx')
    expect((await factory.databases()).map((d) => d.name)).toEqual([])
  })
})
