// The NodeDisk contract, run against both implementations: whatever the durable disk does, the volatile one
// must do identically (the lab lets students switch between them).
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { entries, freshFactory, hs, rejection, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import { StorageInvariantError, StorageUnavailableError } from '../../../src/storage/errors.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'

const kinds: Array<[string, () => Promise<NodeDisk>]> = [
  ['idb', () => openNodeDisk('c1', 'n1', { indexedDB: freshFactory() })],
  ['memory', async () => createMemoryDisk('n1')],
]

describe.each(kinds)('NodeDisk contract (%s)', (kind, open) => {
  let disk: NodeDisk
  beforeEach(async () => {
    disk = await open()
  })
  afterEach(() => {
    disk.close()
  })

  it('has the expected kind and node', () => {
    expect(disk.kind).toBe(kind === 'idb' ? 'durable' : 'volatile')
    expect(disk.node).toBe('n1')
  })

  it('starts empty', async () => {
    expect(await disk.load()).toEqual({ hardState: hs(0, null, 0), entries: [], empty: true })
    expect(await disk.describe()).toEqual({ hardState: null, firstIndex: 1, lastIndex: 0, entryCount: 0, snapshotIndex: 0, snapshotTerm: 0 })
  })

  it('round-trips hard state and entries', async () => {
    const log = [...entries(1, 2, 1), { index: 3, term: 2, kind: 'noop' as const }, { index: 4, term: 2, kind: 'config' as const, data: '{"type":"addVoter","node":"n4"}' }]
    await disk.persist({ hardState: hs(2, 'n2', 3), entries: log })
    const state = await disk.load()
    expect(state).toEqual({ hardState: hs(2, 'n2', 3), entries: log, empty: false })
    expect(state.entries[2]).not.toHaveProperty('data')
    expect(await disk.describe()).toEqual({ hardState: hs(2, 'n2', 3), firstIndex: 1, lastIndex: 4, entryCount: 4, snapshotIndex: 0, snapshotTerm: 0 })
  })

  it('round-trips a snapshot with learners together with entries after it', async () => {
    const s = { ...snap(5, 2), learners: ['n4'] }
    await disk.persist({ snapshot: s, entries: entries(6, 7, 3), hardState: hs(3, null, 5) })
    expect(await disk.load()).toEqual({ hardState: hs(3, null, 5), entries: entries(6, 7, 3), snapshot: s, empty: false })
    expect(await disk.describe()).toMatchObject({ firstIndex: 6, lastIndex: 7, entryCount: 2, snapshotIndex: 5, snapshotTerm: 2 })
  })

  it('a hard state alone (a vote) is a non-empty disk', async () => {
    await disk.persist({ hardState: hs(1, 'n3', 0), entries: [] })
    expect(await disk.load()).toEqual({ hardState: hs(1, 'n3', 0), entries: [], empty: false })
  })

  it('an empty batch changes nothing', async () => {
    await disk.persist({ entries: [] })
    expect((await disk.load()).empty).toBe(true)
  })

  it('appends batch after batch', async () => {
    await disk.persist({ entries: entries(1, 3) })
    await disk.persist({ entries: entries(4, 6, 2) })
    expect((await disk.load()).entries).toEqual([...entries(1, 3), ...entries(4, 6, 2)])
  })

  // Reference: Raft paper section 5.3: a conflicting entry and all that follow it are deleted.
  it('replaces a conflicting suffix', async () => {
    await disk.persist({ entries: entries(1, 5, (i) => (i <= 2 ? 1 : 2)) })
    const replacement = [{ index: 3, term: 3, kind: 'command' as const, data: 'new' }]
    await disk.persist({ entries: replacement, hardState: hs(3, null, 2) })
    expect((await disk.load()).entries).toEqual([...entries(1, 2, 1), ...replacement])
    expect(await disk.describe()).toMatchObject({ lastIndex: 3, entryCount: 3 })
  })

  it('replaces the whole log when the new entries start at 1', async () => {
    await disk.persist({ entries: entries(1, 4, 1) })
    await disk.persist({ entries: entries(1, 2, 2) })
    expect((await disk.load()).entries).toEqual(entries(1, 2, 2))
  })

  // Reference: Figure 13 (InstallSnapshot): keep the entries after the snapshot if the log has its last entry.
  it('installing a snapshot that matches the log drops entries <= its index and keeps later ones', async () => {
    await disk.persist({ entries: entries(1, 10, 1) })
    await disk.persist({ snapshot: snap(6, 1), entries: [] })
    const state = await disk.load()
    expect(state.snapshot).toEqual(snap(6, 1))
    expect(state.entries).toEqual(entries(7, 10, 1))
    expect(await disk.describe()).toMatchObject({ firstIndex: 7, lastIndex: 10, entryCount: 4, snapshotIndex: 6, snapshotTerm: 1 })
  })

  it('installing a snapshot that conflicts with the log discards the whole log', async () => {
    await disk.persist({ entries: entries(1, 10, 1) })
    await disk.persist({ snapshot: snap(6, 2), entries: [] })
    const state = await disk.load()
    expect(state.entries).toEqual([])
    expect(await disk.describe()).toMatchObject({ firstIndex: 7, lastIndex: 6, entryCount: 0, snapshotIndex: 6, snapshotTerm: 2 })
    // The log now continues from the snapshot.
    await disk.persist({ entries: entries(7, 7, 2) })
    expect((await disk.load()).entries).toEqual(entries(7, 7, 2))
  })

  it('installing a snapshot past the end of the log discards it and moves the end', async () => {
    await disk.persist({ entries: entries(1, 3, 1) })
    await disk.persist({ entries: [], snapshot: snap(10, 2), hardState: hs(2, null, 10) })
    expect(await disk.load()).toEqual({ hardState: hs(2, null, 10), entries: [], snapshot: snap(10, 2), empty: false })
    await expect(disk.persist({ entries: entries(12, 12, 2) })).rejects.toThrow(StorageInvariantError)
    await disk.persist({ entries: entries(11, 12, 2) })
    expect((await disk.load()).entries).toEqual(entries(11, 12, 2))
  })

  it('a snapshot at the last index empties the log when the terms match', async () => {
    await disk.persist({ entries: entries(1, 4, 1) })
    await disk.persist({ snapshot: snap(4, 1), entries: [] })
    expect((await disk.load()).entries).toEqual([])
    expect(await disk.describe()).toMatchObject({ lastIndex: 4, snapshotIndex: 4 })
  })

  it('compacts the log to a local snapshot and keeps the tail', async () => {
    await disk.persist({ entries: entries(1, 10, (i) => (i <= 5 ? 1 : 2)), hardState: hs(2, 'n1', 8) })
    await disk.compact(snap(7, 2))
    const state = await disk.load()
    expect(state.snapshot).toEqual(snap(7, 2))
    expect(state.entries).toEqual(entries(8, 10, 2))
    expect(state.hardState).toEqual(hs(2, 'n1', 8))
    // A later compaction moves the snapshot forward again.
    await disk.compact(snap(10, 2))
    expect(await disk.load()).toMatchObject({ entries: [], snapshot: snap(10, 2) })
  })

  it('refuses a compaction that does not match the log, leaving the disk as it was', async () => {
    await disk.persist({ entries: entries(1, 5, 1) })
    await disk.compact(snap(2, 1))
    const before = await disk.load()
    const cases: Array<[ReturnType<typeof snap>, string]> = [
      [snap(4, 2), 'snapshot at 4 has term 2 but the stored entry has term 1'],
      [snap(6, 1), 'cannot compact to 6: the log ends at 5'],
      [snap(2, 1), 'snapshot at 2 is not newer than the stored snapshot at 2'],
      [snap(1, 1), 'snapshot at 1 is not newer than the stored snapshot at 2'],
    ]
    for (const [s, detail] of cases) {
      const err = await rejection(disk.compact(s))
      expect(err).toBeInstanceOf(StorageInvariantError)
      expect((err as StorageInvariantError).detail).toBe(detail)
    }
    expect(await disk.load()).toEqual(before)
  })

  it('refuses writes that would break the disk, naming the problem and writing nothing', async () => {
    await disk.persist({ entries: entries(1, 5, (i) => (i <= 3 ? 1 : 2)), hardState: hs(2, 'n1', 3) })
    await disk.compact(snap(2, 1))
    const before = await disk.load()
    const cases: Array<[Parameters<NodeDisk['persist']>[0], string]> = [
      [{ entries: entries(7, 8, 2) }, 'entries start at 7 but the log ends at 5: that leaves a gap'],
      [{ entries: entries(2, 3, 2) }, 'entries start at 2, inside the snapshot that covers up to 2'],
      [{ entries: entries(5, 5, 1) }, 'entry 5 has term 1, lower than the term 2 of entry 4 before it'],
      [{ entries: entries(6, 6, 1) }, 'entry 6 has term 1, lower than the term 2 of entry 5 before it'],
      [{ entries: entries(3, 3, 0) }, 'entry 3 has term 0, lower than the term 1 of entry 2 before it'],
      [{ entries: [...entries(6, 6, 2), ...entries(8, 8, 2)] }, 'the batch is not contiguous: entry 6 is followed by entry 8'],
      [{ entries: [...entries(6, 6, 3), ...entries(7, 7, 2)] }, 'entry 7 has term 2, lower than the term 3 of entry 6'],
      [{ entries: [], hardState: hs(2, 'n1', 6) }, 'commit 6 would be past the last index 5'],
      [{ entries: [], hardState: hs(1, 'n1', 3) }, 'hard state term would go back from 2 to 1'],
      [{ entries: [{ index: 6, term: 2, kind: 'bogus' as 'noop' }] }, 'entry #0 of the batch: kind "bogus" is not command, noop or config'],
      [{ entries: [], hardState: { term: 2, vote: 7 as unknown as string, commit: 3 } }, 'hard state: vote is neither a node id nor null'],
      [{ entries: [], snapshot: { ...snap(3, 1), voters: 'n1' as unknown as string[] } }, 'snapshot: voters is not a list of node ids'],
      [{ entries: [], snapshot: snap(2, 1) }, 'snapshot at 2 is not newer than the stored snapshot at 2'],
      [{ entries: entries(1.5, 1.5, 2) }, 'entry #0 of the batch: index 1.5 is not an integer >= 1'],
    ]
    for (const [batch, detail] of cases) {
      const err = await rejection(disk.persist(batch))
      expect(err, detail).toBeInstanceOf(StorageInvariantError)
      expect((err as StorageInvariantError).detail).toBe(detail)
      expect((err as StorageInvariantError).node).toBe('n1')
    }
    expect(await disk.load()).toEqual(before)
  })

  it('a truncation below the commit index is refused (commit would pass the end of the log)', async () => {
    await disk.persist({ entries: entries(1, 5, 1), hardState: hs(1, null, 4) })
    const err = await rejection(disk.persist({ entries: entries(3, 3, 2) }))
    expect((err as StorageInvariantError).detail).toBe('commit 4 would be past the last index 3')
    // With a hard state that fits in the same batch, the same truncation is fine: commit is the caller's business.
    await disk.persist({ entries: entries(3, 3, 2), hardState: hs(2, null, 3) })
    expect((await disk.load()).entries.map((e) => e.term)).toEqual([1, 1, 2])
  })

  it('does not let callers alias stored data', async () => {
    const batch = entries(1, 3)
    const s = snap(1, 1)
    const h = hs(1, 'n1', 1)
    await disk.persist({ entries: batch, hardState: h })
    batch[1].data = 'changed after persist'
    batch[2].term = 99
    h.commit = 3
    const loaded = await disk.load()
    expect(loaded.entries).toEqual(entries(1, 3))
    expect(loaded.hardState).toEqual(hs(1, 'n1', 1))
    loaded.entries[0].data = 'changed after load'
    loaded.hardState.term = 42
    await disk.compact(s)
    s.voters.push('n9')
    const again = await disk.load()
    expect(again.entries).toEqual(entries(2, 3))
    expect(again.hardState).toEqual(hs(1, 'n1', 1))
    expect(again.snapshot).toEqual(snap(1, 1))
    again.snapshot!.voters.push('n8')
    expect((await disk.load()).snapshot).toEqual(snap(1, 1))
  })

  it('drops fields it does not know', async () => {
    const odd = { ...entries(1, 1)[0], extra: 'x' } as unknown as ReturnType<typeof entries>[number]
    await disk.persist({ entries: [odd] })
    expect((await disk.load()).entries[0]).toEqual(entries(1, 1)[0])
  })

  it('applies operations in call order even when not awaited one by one', async () => {
    const ops = [
      disk.persist({ entries: entries(1, 3) }),
      disk.persist({ entries: entries(4, 6, 2), hardState: hs(2, null, 5) }),
      disk.compact(snap(4, 2)),
      disk.persist({ entries: entries(6, 6, 3) }),
    ]
    const firstLoad = disk.load()
    await Promise.all(ops)
    expect(await firstLoad).toEqual({ hardState: hs(2, null, 5), entries: [...entries(5, 5, 2), ...entries(6, 6, 3)], snapshot: snap(4, 2), empty: false })
  })

  it('a refused write does not disturb the writes queued after it', async () => {
    const bad = disk.persist({ entries: entries(3, 3) })
    const good = disk.persist({ entries: entries(1, 2) })
    await expect(bad).rejects.toThrow(StorageInvariantError)
    await good
    expect((await disk.load()).entries).toEqual(entries(1, 2))
  })

  it('persists a batch of 1,000 entries in one go', async () => {
    const many = entries(1, 1000, (i) => 1 + Math.floor(i / 100))
    await disk.persist({ entries: many, hardState: hs(11, 'n1', 1000) })
    const state = await disk.load()
    expect(state.entries).toHaveLength(1000)
    expect(state.entries).toEqual(many)
    expect(await disk.describe()).toMatchObject({ firstIndex: 1, lastIndex: 1000, entryCount: 1000 })
  })

  it('wipe leaves an empty disk that can be used again', async () => {
    await disk.persist({ entries: entries(1, 5), hardState: hs(1, 'n2', 4) })
    await disk.compact(snap(3, 1))
    await disk.wipe()
    expect(await disk.load()).toEqual({ hardState: hs(0, null, 0), entries: [], empty: true })
    expect(await disk.describe()).toEqual({ hardState: null, firstIndex: 1, lastIndex: 0, entryCount: 0, snapshotIndex: 0, snapshotTerm: 0 })
    await disk.persist({ entries: entries(1, 1, 1) })
    expect((await disk.load()).entries).toEqual(entries(1, 1, 1))
  })

  it('rejects every operation after close', async () => {
    disk.close()
    for (const op of [disk.load(), disk.persist({ entries: entries(1, 1) }), disk.describe(), disk.wipe(), disk.compact(snap(1, 1))]) {
      await expect(op).rejects.toThrow(StorageUnavailableError)
    }
  })
})
