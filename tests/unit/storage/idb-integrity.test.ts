// The durable disk across restarts, and what it reports when the bytes on disk are wrong.
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, hs, rawDelete, rawGet, rawLog, rawPut, rawReplaceLog, rejection, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { corruptRecord } from './testing.ts'
import { sealHardState, sealSchema, sealSegment, segmentSum } from '../../../src/storage/checksum.ts'
import type { Entry } from '../../../src/raft/types.ts'
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

/** A sealed segment record of `list` (contiguous entries), for putting under list[0].index. */
function seg(list: Entry[]): [number, unknown] {
  return [list[0].index, sealSegment({ first: list[0].index, last: list[list.length - 1].index, entries: list })]
}

/** The entries of `filled()`'s log: 4..8, terms 1,1,2,2,2. */
const filledLog = (): Entry[] => entries(4, 8, (i) => (i <= 5 ? 1 : 2))

/**
 * A disk holding snapshot 3 (term 1), entries 4..8 (terms 1,1,2,2,2) and hard state (2, n2, 6), closed.
 * Its log is one segment, 4..8: written as 1..8, then cut by the compaction.
 */
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
  it('filled() is one segment, 4..8', async () => {
    expect(await rawLog(await filled(), 'c', 'n1')).toEqual([{ key: 4, first: 4, last: 8, count: 5 }])
  })

  it('a flipped bit in any entry of a segment', async () => {
    const factory = await filled()
    expect(await corruptRecord('c', 'n1', 'log', 6, { indexedDB: factory })).toBe('log segment 4..8: flipped a bit in data of entry 6')
    expect(await corruptDetail(factory)).toBe('log segment 4..8: checksum mismatch')
  })

  it('the last entry of a segment, and the first stored entry by default', async () => {
    let factory = await filled()
    await corruptRecord('c', 'n1', 'log', 8, { indexedDB: factory })
    expect(await corruptDetail(factory)).toBe('log segment 4..8: checksum mismatch')
    factory = await filled()
    expect(await corruptRecord('c', 'n1', 'log', undefined, { indexedDB: factory })).toBe('log segment 4..8: flipped a bit in data of entry 4')
    expect(await corruptDetail(factory)).toBe('log segment 4..8: checksum mismatch')
  })

  it('a term changed in an entry without data', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: [{ index: 1, term: 2, kind: 'noop' }, ...entries(2, 3, 2)] })
    disk.close()
    expect(await corruptRecord('c', 'n1', 'log', 1, { indexedDB: factory })).toBe('log segment 1..3: term changed to 3 of entry 1')
    expect(await corruptDetail(factory)).toBe('log segment 1..3: checksum mismatch')
  })

  it('a segment whose bounds were changed', async () => {
    const factory = await filled()
    const raw = (await rawGet(factory, 'c', 'n1', 'log', 4)) as { value: { last: number } }
    raw.value.last = 9
    await rawPut(factory, 'c', 'n1', 'log', 4, raw)
    expect(await corruptDetail(factory)).toBe('log segment 4..9: checksum mismatch')
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

  it('a segment copied to another key (the key is part of the checksum)', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 9, await rawGet(factory, 'c', 'n1', 'log', 4))
    expect(await corruptDetail(factory)).toBe('log segment 9..8: checksum mismatch')
  })

  it('a record without a checksum', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 9, { first: 9, last: 9, entries: entries(9, 9, 2) })
    expect(await corruptDetail(factory)).toBe('log segment 9..?: not a checksummed record')
  })

  it('a version-2 entry record left in a version-3 log', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'log', 9, { value: entries(9, 9, 2)[0], sum: 1 })
    expect(await corruptDetail(factory)).toBe('log segment 9..?: checksum mismatch')
  })

  it('a well-sealed but malformed record', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'hardState', sealHardState({ term: -1, vote: null, commit: 0 }))
    expect(await corruptDetail(factory)).toBe('hard state: term -1 is not an integer >= 0')
  })

  it('well-sealed but malformed segments (as buggy code would write them), each named', async () => {
    const bad = entries(4, 6, 1)
    const cases: Array<[unknown, string]> = [
      [{ first: 4, last: 6, entries: [bad[0], bad[2], bad[1]] }, 'log segment 4..6: entry #1 has index 6, expected 5'],
      [{ first: 4, last: 7, entries: bad }, 'log segment 4..7: holds 3 entries but should hold 4'],
      [{ first: 4, last: 6, entries: [bad[0], { ...bad[1], kind: 'bogus' }, bad[2]] }, 'log segment 4..6: entry #1: kind "bogus" is not command, noop or config'],
      [{ first: 4, last: 3, entries: [] }, 'log segment 4..3: last index 3 is not an integer >= the first index 4'],
      [{ first: 4, last: 6, entries: 'no' }, 'log segment 4..6: entries is not a list'],
    ]
    for (const [value, detail] of cases) {
      const factory = await filled()
      await rawPut(factory, 'c', 'n1', 'log', 4, sealSegment(value as never))
      expect(await corruptDetail(factory)).toBe(detail)
    }
  })

  it('a well-sealed segment stored under a key other than its first index', async () => {
    const factory = await filled()
    const moved = { first: 5, last: 8, entries: filledLog().slice(1) }
    // Sealed for key 4, as a buggy writer putting it under the wrong key would.
    await rawReplaceLog(factory, 'c', 'n1', [[4, { value: moved, sum: segmentSum(4, moved) }]])
    expect(await corruptDetail(factory)).toBe('log segment 4..8: stored under key 4 but starts at entry 5')
  })

  it('a gap between segments', async () => {
    const factory = await filled()
    const log = filledLog()
    await rawReplaceLog(factory, 'c', 'n1', [seg(log.slice(0, 2)), seg(log.slice(3))])
    expect(await corruptDetail(factory)).toBe('log is not contiguous: log segment 4..5 is followed by log segment 7..8')
  })

  it('overlapping segments', async () => {
    const factory = await filled()
    const log = filledLog()
    await rawReplaceLog(factory, 'c', 'n1', [seg(log.slice(0, 3)), seg(log.slice(2))])
    expect(await corruptDetail(factory)).toBe('log is not contiguous: log segment 4..6 is followed by log segment 6..8')
  })

  it('a missing first segment: the log does not start right after the snapshot', async () => {
    const factory = await filled()
    await rawReplaceLog(factory, 'c', 'n1', [seg(filledLog().slice(1))])
    expect(await corruptDetail(factory)).toBe('log starts at entry 5 but should start at 4, right after the snapshot at 3')
  })

  it('a segment left behind inside the snapshot', async () => {
    const factory = await filled()
    await rawReplaceLog(factory, 'c', 'n1', [seg(entries(3, 3, 1)), seg(filledLog())])
    expect(await corruptDetail(factory)).toBe('log starts at entry 3 but should start at 4, right after the snapshot at 3')
  })

  it('a log that does not start at 1 when there is no snapshot', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 3) })
    disk.close()
    await rawReplaceLog(factory, 'c', 'n1', [seg(entries(2, 3))])
    expect(await corruptDetail(factory)).toBe('log starts at entry 2 but should start at 1 (there is no snapshot)')
  })

  it('a term that goes down inside a segment, or from one segment to the next', async () => {
    let factory = await filled()
    await rawReplaceLog(factory, 'c', 'n1', [seg([...entries(4, 6, 2), ...entries(7, 8, 1)])])
    expect(await corruptDetail(factory)).toBe('log entry 7 has term 1, lower than the term 2 of entry 6')
    factory = await filled()
    await rawReplaceLog(factory, 'c', 'n1', [seg(entries(4, 6, 2)), seg(entries(7, 8, 1))])
    expect(await corruptDetail(factory)).toBe('log entry 7 has term 1, lower than the term 2 of entry 6')
  })

  it('a first entry with a term below the snapshot term', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: [], snapshot: snap(3, 2) })
    disk.close()
    await rawReplaceLog(factory, 'c', 'n1', [seg(entries(4, 4, 1))])
    expect(await corruptDetail(factory)).toBe('log entry 4 has term 1, lower than the snapshot\'s term 2')
  })

  it('a commit index past the end of the log', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'hardState', sealHardState(hs(2, 'n2', 9)))
    expect(await corruptDetail(factory)).toBe('hard state commit 9 is past the last index 8')
  })

  it('a database that belongs to another node', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'schema', sealSchema({ version: 3, node: 'n7' }))
    expect(await corruptDetail(factory)).toBe('the database belongs to node n7')
  })

  it('a schema record with another version than the database', async () => {
    const factory = await filled()
    await rawPut(factory, 'c', 'n1', 'meta', 'schema', sealSchema({ version: 2, node: 'n1' }))
    expect(await corruptDetail(factory)).toBe('the schema record says version 2, the database is version 3')
  })

  it('a missing schema record', async () => {
    const factory = await filled()
    await rawDelete(factory, 'c', 'n1', 'meta', 'schema')
    expect(await corruptDetail(factory)).toBe('the schema record is missing')
  })

  it('a corrupt last segment read while planning a write is reported, and nothing is written', async () => {
    const factory = await filled()
    await corruptRecord('c', 'n1', 'log', 8, { indexedDB: factory })
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    // Appending after entry 8 needs its term, read from disk: the damage is found before anything is written.
    const err = await rejection(disk.persist({ entries: entries(9, 9, 2) }))
    expect(err).toBeInstanceOf(StorageCorruptError)
    expect((err as StorageCorruptError).detail).toBe('log segment 4..8: checksum mismatch')
    expect(await rawLog(factory, 'c', 'n1')).toEqual([{ key: 4, first: 4, last: 8, count: 5 }])
    disk.close()
  })

  it('a corrupt segment read to cut it is reported, and nothing is written', async () => {
    const factory = freshFactory()
    let disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 100, 1) })
    await disk.persist({ entries: entries(101, 200, 1) })
    disk.close()
    await corruptRecord('c', 'n1', 'log', 50, { indexedDB: factory })
    disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    // Replacing from 60 keeps 1..59: the segment 1..100 must be read, and its damage is found.
    const err = await rejection(disk.persist({ entries: entries(60, 60, 2) }))
    expect((err as StorageCorruptError).detail).toBe('log segment 1..100: checksum mismatch')
    // A compaction to 50 needs the term of entry 50 from the same segment.
    expect(((await rejection(disk.compact(snap(50, 1)))) as StorageCorruptError).detail).toBe('log segment 1..100: checksum mismatch')
    expect(await rawLog(factory, 'c', 'n1')).toEqual([{ key: 1, first: 1, last: 100, count: 100 }, { key: 101, first: 101, last: 200, count: 100 }])
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
    expect(await rawLog(factory, 'c', 'n1')).toEqual([])
    disk.close()
  })

  it('corruptRecord refuses a database that does not exist, without creating it, and entries it does not hold', async () => {
    const factory = freshFactory()
    await expect(corruptRecord('c', 'nx', 'log', undefined, { indexedDB: factory })).rejects.toThrow('there is no database raftlab/c/nx')
    expect((await factory.databases()).map((d) => d.name)).toEqual([])
    const filledFactory = await filled()
    await expect(corruptRecord('c', 'n1', 'log', 2, { indexedDB: filledFactory })).rejects.toThrow('no log segment holds entry 2')
    await expect(corruptRecord('c', 'n1', 'log', 9, { indexedDB: filledFactory })).rejects.toThrow('log segment 4..8 does not hold entry 9')
  })
})
