// How the durable disk lays its log out as segments (schema version 3): one record per persist, cut where a
// snapshot or a replaced suffix falls inside a segment, small tails merged; and, over random histories with
// restarts, that it always reads back exactly what the volatile disk does.
import { describe, it, expect } from 'vitest'
import { entries, freshFactory, hs, rawLog, seeded, snap } from './helpers.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import { MAX_SEGMENT_ENTRIES, MERGE_BELOW } from '../../../src/storage/segments.ts'
import { StorageInvariantError } from '../../../src/storage/errors.ts'
import type { NodeDisk, PersistBatch } from '../../../src/storage/types.ts'
import type { Entry, Snapshot } from '../../../src/raft/types.ts'

type Layout = Array<[number, number]>

async function layout(factory: IDBFactory): Promise<Layout> {
  const recs = await rawLog(factory, 'c', 'n1')
  for (const r of recs) {
    expect(r.first).toBe(r.key)
    expect(r.count).toBe((r.last as number) - r.key + 1)
  }
  return recs.map((r) => [r.first as number, r.last as number])
}

/** A disk whose log is 1..300 (term 1) in three segments of 100. */
async function threeSegments(): Promise<{ factory: IDBFactory; disk: NodeDisk }> {
  const factory = freshFactory()
  const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
  for (let i = 0; i < 3; i++) await disk.persist({ entries: entries(1 + 100 * i, 100 * (i + 1), 1) })
  expect(await layout(factory)).toEqual([[1, 100], [101, 200], [201, 300]])
  return { factory, disk }
}

describe('segment layout', () => {
  it('one persist is one record, however many entries it carries (up to the segment size)', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 300), hardState: hs(1, 'n1', 0) })
    expect(await layout(factory)).toEqual([[1, 300]])
    const n = 2 * MAX_SEGMENT_ENTRIES + 50
    await disk.persist({ entries: entries(301, 300 + n) })
    expect(await layout(factory)).toEqual([[1, 300], [301, 300 + MAX_SEGMENT_ENTRIES], [301 + MAX_SEGMENT_ENTRIES, 300 + 2 * MAX_SEGMENT_ENTRIES], [301 + 2 * MAX_SEGMENT_ENTRIES, 300 + n]])
    expect((await disk.load()).entries).toEqual(entries(1, 300 + n))
    disk.close()
  })

  it('appends to a small last segment are merged into it until it holds MERGE_BELOW entries', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    const n = MERGE_BELOW + 6
    for (let i = 1; i <= n; i++) await disk.persist({ entries: entries(i, i) })
    expect(await layout(factory)).toEqual([[1, MERGE_BELOW], [MERGE_BELOW + 1, n]])
    // A large batch after a small tail joins it too (one segment of tail + batch).
    await disk.persist({ entries: entries(n + 1, n + 200) })
    expect(await layout(factory)).toEqual([[1, MERGE_BELOW], [MERGE_BELOW + 1, n + 200]])
    // Not past the segment size.
    await disk.persist({ entries: entries(n + 201, n + 1200) })
    expect(await layout(factory)).toEqual([[1, MERGE_BELOW], [MERGE_BELOW + 1, n + 200], [n + 201, n + 1200]])
    expect((await disk.load()).entries).toEqual(entries(1, n + 1200))
    disk.close()
  })

  it('a reopened disk merges into the small tail it finds', async () => {
    const factory = freshFactory()
    let disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 3) })
    disk.close()
    disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(4, 5) })
    expect(await layout(factory)).toEqual([[1, 5]])
    disk.close()
  })

  it('the small tail kept for merging cannot be changed through loaded or persisted entries', async () => {
    const factory = freshFactory()
    let disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    const batch = entries(1, 3)
    await disk.persist({ entries: batch })
    batch[2].data = 'changed after persist'
    await disk.persist({ entries: entries(4, 4) })
    const loaded = await disk.load()
    loaded.entries[3].data = 'changed after load'
    loaded.entries[0].term = 9
    await disk.persist({ entries: entries(5, 5) })
    disk.close()
    disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect((await disk.load()).entries).toEqual(entries(1, 5))
    expect(await layout(factory)).toEqual([[1, 5]])
    disk.close()
  })

  it('a hard state alone leaves the log untouched', async () => {
    const { factory, disk } = await threeSegments()
    await disk.persist({ entries: [], hardState: hs(1, 'n2', 250) })
    expect(await layout(factory)).toEqual([[1, 100], [101, 200], [201, 300]])
    disk.close()
  })

  it('a suffix replaced from inside a segment cuts it and deletes every later segment', async () => {
    const { factory, disk } = await threeSegments()
    await disk.persist({ entries: entries(150, 160, 2), hardState: hs(2, null, 120) })
    expect(await layout(factory)).toEqual([[1, 100], [101, 149], [150, 160]])
    expect((await disk.load()).entries).toEqual([...entries(1, 149, 1), ...entries(150, 160, 2)])
    disk.close()
  })

  it('a suffix replaced from a segment boundary deletes from there', async () => {
    const { factory, disk } = await threeSegments()
    await disk.persist({ entries: entries(101, 101, 2) })
    expect(await layout(factory)).toEqual([[1, 100], [101, 101]])
    await disk.persist({ entries: entries(1, 2, 3) })
    expect(await layout(factory)).toEqual([[1, 2]])
    expect((await disk.load()).entries).toEqual(entries(1, 2, 3))
    disk.close()
  })

  it('a compaction inside a segment keeps its tail under the next index', async () => {
    const { factory, disk } = await threeSegments()
    await disk.compact(snap(150, 1))
    expect(await layout(factory)).toEqual([[151, 200], [201, 300]])
    await disk.compact(snap(200, 1))
    expect(await layout(factory)).toEqual([[201, 300]])
    await disk.compact(snap(300, 1))
    expect(await layout(factory)).toEqual([])
    expect(await disk.load()).toEqual({ hardState: hs(0, null, 0), entries: [], snapshot: snap(300, 1), empty: false })
    await disk.persist({ entries: entries(301, 302, 1) })
    expect(await layout(factory)).toEqual([[301, 302]])
    disk.close()
  })

  it('a snapshot and new entries in one batch may cut the same segment from both sides', async () => {
    const factory = freshFactory()
    const disk = await openNodeDisk('c', 'n1', { indexedDB: factory })
    await disk.persist({ entries: entries(1, 300, 1) })
    await disk.persist({ snapshot: snap(100, 1), entries: entries(201, 210, 2), hardState: hs(2, null, 150) })
    expect(await layout(factory)).toEqual([[101, 200], [201, 210]])
    expect(await disk.load()).toEqual({ hardState: hs(2, null, 150), entries: [...entries(101, 200, 1), ...entries(201, 210, 2)], snapshot: snap(100, 1), empty: false })
    // Even when nothing of it is left.
    await disk.persist({ snapshot: snap(150, 1), entries: entries(151, 151, 3) })
    expect(await layout(factory)).toEqual([[151, 151]])
    disk.close()
  })

  it('a snapshot that does not match the log clears it', async () => {
    const { factory, disk } = await threeSegments()
    await disk.persist({ snapshot: snap(150, 2), entries: entries(151, 152, 2) })
    expect(await layout(factory)).toEqual([[151, 152]])
    await disk.persist({ snapshot: snap(400, 2), entries: [] })
    expect(await layout(factory)).toEqual([])
    disk.close()
  })

  it('the same operations on a disk reopened before each one give the same layout', async () => {
    const factory = freshFactory()
    const ops: Array<(d: NodeDisk) => Promise<void>> = [
      (d) => d.persist({ entries: entries(1, 300, 1) }),
      (d) => d.persist({ entries: entries(250, 400, 2) }),
      (d) => d.compact(snap(120, 1)),
      (d) => d.persist({ snapshot: snap(260, 2), entries: entries(301, 305, 3), hardState: hs(3, null, 280) }),
    ]
    for (const op of ops) {
      const d = await openNodeDisk('c', 'n1', { indexedDB: factory })
      await op(d)
      d.close()
    }
    expect(await layout(factory)).toEqual([[261, 300], [301, 305]])
    const d = await openNodeDisk('c', 'n1', { indexedDB: factory })
    expect((await d.load()).entries).toEqual([...entries(261, 300, 2), ...entries(301, 305, 3)])
    d.close()
  })
})

describe('durable and volatile disks agree over random histories with restarts', () => {
  /** One random operation against a disk whose contents (per the volatile twin) are `log` after `snapshot`. */
  function randomOp(rand: () => number, log: Entry[], snapshot: Snapshot | undefined, term: number): { batch?: PersistBatch; compact?: Snapshot; reopen?: true } {
    const s = snapshot?.index ?? 0
    const last = log.length > 0 ? log[log.length - 1].index : s
    const termAt = (i: number): number => (i === s ? (snapshot?.term ?? 0) : log[i - s - 1].term)
    const size = (): number => (rand() < 0.1 ? 1 + Math.floor(rand() * 2500) : rand() < 0.5 ? 1 + Math.floor(rand() * 5) : 1 + Math.floor(rand() * 300))
    const r = rand()
    if (r < 0.4) {
      const n = size()
      return { batch: { entries: entries(last + 1, last + n, term), hardState: rand() < 0.5 ? hs(term, null, last) : undefined } }
    }
    if (r < 0.6 && last > s) {
      const from = s + 1 + Math.floor(rand() * (last - s))
      const n = size()
      return { batch: { entries: entries(from, from + n - 1, term + 1), hardState: hs(term + 1, null, from - 1) } }
    }
    if (r < 0.72 && last > s) {
      const at = s + 1 + Math.floor(rand() * (last - s))
      return { compact: snap(at, termAt(at)) }
    }
    if (r < 0.85) {
      // An installed snapshot: inside the log with its term (keeps the tail), with another term, or past the end.
      const kind = rand()
      const at = kind < 0.7 && last > s ? s + 1 + Math.floor(rand() * (last - s)) : last + 1 + Math.floor(rand() * 50)
      const sTerm = at <= last && kind < 0.5 ? termAt(at) : term + 1
      const tail = rand() < 0.5
      const fromAt = at < last && sTerm === termAt(at) ? at + 1 + Math.floor(rand() * (last - at)) : at + 1
      return { batch: { snapshot: snap(at, sTerm), entries: tail ? entries(fromAt, fromAt + size() - 1, sTerm + 1) : [], hardState: hs(sTerm + 1, null, at) } }
    }
    if (r < 0.92) return { batch: { entries: [], hardState: hs(term, 'n2', Math.min(last, s + 1)) } }
    return { reopen: true }
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, async () => {
      const rand = seeded(seed * 7919)
      const factory = freshFactory()
      let durable = await openNodeDisk('c', 'n1', { indexedDB: factory })
      const volatile = createMemoryDisk('n1')
      let term = 1
      for (let step = 0; step < 120; step++) {
        const state = await volatile.load()
        term = Math.max(term, state.hardState.term, state.entries.at(-1)?.term ?? 0, state.snapshot?.term ?? 0)
        const op = randomOp(rand, state.entries, state.snapshot, term)
        if (op.reopen) {
          durable.close()
          durable = await openNodeDisk('c', 'n1', { indexedDB: factory })
          continue
        }
        const run = (d: NodeDisk) => (op.compact ? d.compact(op.compact) : d.persist(op.batch!))
        const [a, b] = await Promise.allSettled([run(durable), run(volatile)])
        const what = `step ${step}: ${JSON.stringify(op, (k, v) => (k === 'entries' && Array.isArray(v) && v.length > 0 ? `${v[0].index}..${v.at(-1).index}@${v[0].term}` : v))}`
        expect(a.status, what).toBe(b.status)
        if (a.status === 'rejected' && b.status === 'rejected') {
          expect(a.reason, what).toBeInstanceOf(StorageInvariantError)
          expect((a.reason as StorageInvariantError).detail, what).toBe((b.reason as StorageInvariantError).detail)
        }
        expect(await durable.load(), what).toEqual(await volatile.load())
        expect(await durable.describe(), what).toEqual(await volatile.describe())
        // The stored segments tile the log and stay few.
        const segs = await layout(factory)
        const loaded = await volatile.load()
        if (loaded.entries.length > 0) {
          expect(segs[0][0]).toBe(loaded.entries[0].index)
          for (let i = 1; i < segs.length; i++) expect(segs[i][0], what).toBe(segs[i - 1][1] + 1)
          expect(segs.at(-1)![1]).toBe(loaded.entries.at(-1)!.index)
        } else {
          expect(segs).toEqual([])
        }
      }
      durable.close()
    })
  }
})
