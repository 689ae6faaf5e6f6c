/**
 * Group commit: the writes of a window merged (mergeWrites, mergeCompaction) leave a disk exactly as the same writes
 * and compactions one after the other would, on the storage layer's own disk (the memory disk follows the durable
 * disk's rules).
 */
import { describe, expect, it } from 'vitest'
import { mergeCompaction, mergeWrites } from '../../../src/node/group.ts'
import type { DiskWrite } from '../../../src/node/host.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import { openNodeDisk } from '../../../src/storage/idb.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import { freshFactory } from '../storage/helpers.ts'
import { Prng } from '../../../src/world/prng.ts'
import type { Entry, Snapshot } from '../../../src/raft/types.ts'

/** A write, or a local compaction (the node's own snapshot of its committed log). */
type Op = DiskWrite | { compact: Snapshot }

/**
 * A random but valid sequence of writes, as a Raft node makes them (appends, conflicting suffixes, snapshots from a
 * leader) and, with `compactions`, local compactions to a committed index.
 */
function writes(seed: number, n: number, compactions = false): Op[] {
  const r = new Prng(seed)
  const log: Entry[] = [] // after the snapshot
  let snap = { index: 0, term: 0 }
  let term = 1
  let commit = 0
  const out: Op[] = []
  for (let k = 0; k < n; k++) {
    const last = snap.index + log.length
    const w: DiskWrite = { entries: [] }
    const roll = r.next()
    const committed = Math.min(commit, last)
    if (compactions && roll > 0.8 && committed > snap.index) {
      // A compaction to a committed index the log holds (often the last one).
      const index = r.chance(0.4) ? committed : snap.index + 1 + r.int(committed - snap.index)
      const t = log[index - snap.index - 1].term
      log.splice(0, index - snap.index)
      snap = { index, term: t }
      out.push({ compact: { index, term: t, voters: ['n1', 'n2', 'n3'], data: `c${k}` } })
      continue
    }
    if (roll < 0.1 && last > snap.index) {
      // A snapshot: of a prefix (keeps the rest) or of a point the log does not have (drops it).
      const keep = r.chance(0.5)
      const index = keep ? snap.index + 1 + r.int(last - snap.index) : last + 1 + r.int(3)
      const t = keep ? log[index - snap.index - 1].term : term
      w.snapshot = { index, term: t, voters: ['n1', 'n2', 'n3'], data: `s${k}` }
      if (keep) log.splice(0, index - snap.index)
      else log.length = 0
      snap = { index, term: t }
      commit = Math.max(commit, index)
    } else {
      if (r.chance(0.2)) term++
      // Entries from a point at or after the snapshot: sometimes replacing a suffix.
      // (never at or below the commit index: committed entries do not change)
      const low = Math.max(snap.index, commit) + 1
      const from = r.chance(0.3) && last >= low ? low + r.int(last - low + 1) : last + 1
      log.length = from - snap.index - 1
      const count = 1 + r.int(3)
      for (let i = 0; i < count; i++) {
        const e: Entry = { index: from + i, term, kind: 'command', data: `v${k}.${i}` }
        log.push(e)
        w.entries.push(e)
      }
    }
    if (r.chance(0.5)) {
      commit = Math.max(commit, Math.min(snap.index + log.length, snap.index + r.int(log.length + 1)))
      w.hardState = { term, vote: r.chance(0.5) ? 'n1' : null, commit }
    }
    out.push(w)
  }
  return out
}

type Open = () => Promise<NodeDisk>
const memory: Open = async () => createMemoryDisk('n1')
let dbs = 0
const durable: Open = () => openNodeDisk(`group${++dbs}`, 'n1', { indexedDB: freshFactory() })

/** `n` operations cut into windows of 1 to 8 at random. */
function cut(n: number, seed: number): number[] {
  const r = new Prng(seed)
  const windows: number[] = []
  for (let left = n; left > 0; ) {
    const size = Math.min(left, 1 + r.int(8))
    windows.push(size)
    left -= size
  }
  return windows
}

async function sequential(ws: Op[], open: Open = memory) {
  const d = await open()
  for (const w of ws) await ('compact' in w ? d.compact(w.compact) : d.persist(w))
  return d.load()
}

async function grouped(ws: Op[], windows: number[], open: Open = memory) {
  const d = await open()
  let k = 0
  let transactions = 0
  for (const size of windows) {
    let held: DiskWrite | null = null
    for (const w of ws.slice(k, k + size)) {
      // As the shell does: a compaction joins the group, or starts one.
      const next: DiskWrite = 'compact' in w ? { entries: [], snapshot: w.compact } : w
      const m: DiskWrite | null = held === null ? next : 'compact' in w ? mergeCompaction(held, w.compact) : mergeWrites(held, w)
      if (m !== null) held = m
      else {
        await d.persist(held!)
        transactions++
        held = next
      }
    }
    if (held) {
      await d.persist(held)
      transactions++
    }
    k += size
  }
  return { state: await d.load(), transactions }
}

/** The operations one by one and cut into random windows leave the same disk; the windows' transactions. */
async function sameDisk(seed: number, ws: Op[], windowSeed: number): Promise<{ ws: Op[]; transactions: number }> {
  const a = await sequential(ws)
  const b = await grouped(ws, cut(ws.length, windowSeed))
  expect(b.state, `seed ${seed}`).toEqual(a)
  return { ws, transactions: b.transactions }
}

describe('group commit (mergeWrites)', () => {
  it('leaves the disk as the writes one by one would, in fewer transactions', async () => {
    let writesTotal = 0
    let txTotal = 0
    for (let seed = 1; seed <= 200; seed++) {
      const { ws, transactions } = await sameDisk(seed, writes(seed, 40), seed * 7)
      writesTotal += ws.length
      txTotal += transactions
    }
    expect(txTotal).toBeLessThan(writesTotal / 2)
  })

  it('merges local compactions into the group: the same disk, and a compacting window still commits once', async () => {
    let compactions = 0
    let merged = 0
    let writesTotal = 0
    let txTotal = 0
    for (let seed = 1; seed <= 300; seed++) {
      const { ws, transactions } = await sameDisk(seed, writes(seed, 60, true), seed * 11)
      writesTotal += ws.length
      txTotal += transactions
      for (let i = 1; i < ws.length; i++) {
        const w = ws[i]
        const prev = ws[i - 1]
        if (!('compact' in w)) continue
        compactions++
        if (!('compact' in prev) && mergeCompaction(prev, w.compact) !== null) merged++
      }
    }
    // The sequences do compact, and most compactions after a write merge with it.
    expect(compactions).toBeGreaterThan(1000)
    expect(merged).toBeGreaterThan(compactions / 3)
    expect(txTotal).toBeLessThan(writesTotal / 2)
  })

  it('merges compactions on the IndexedDB disk too (segments cut by the snapshot and by replaced suffixes)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const ws = writes(seed, 60, true)
      const windows = cut(ws.length, seed * 13)
      const a = await sequential(ws, durable)
      const b = await grouped(ws, windows, durable)
      expect(b.state, `seed ${seed}`).toEqual(a)
      // And the durable disk ends as the memory disk does.
      expect(a).toEqual(await sequential(ws))
    }
  })

  it('refuses what it cannot merge', () => {
    const e = (index: number, term = 1): Entry => ({ index, term, kind: 'noop' })
    // A snapshot after other writes: written separately.
    expect(mergeWrites({ entries: [e(1)] }, { entries: [], snapshot: { index: 1, term: 1, voters: ['n1'], data: '' } })).toBeNull()
    // A gap.
    expect(mergeWrites({ entries: [e(1)] }, { entries: [e(3)] })).toBeNull()
    // A compaction that covers every entry of the write before it (which may have cut a longer stored log).
    const snap = (index: number): Snapshot => ({ index, term: 1, voters: ['n1'], data: '' })
    expect(mergeCompaction({ entries: [e(2), e(3)] }, snap(3))).toBeNull()
    // One that covers some of them keeps the rest, and the hard state.
    expect(mergeCompaction({ entries: [e(2), e(3), e(4)], hardState: { term: 1, vote: null, commit: 3 } }, snap(3))).toEqual({
      entries: [e(4)],
      snapshot: snap(3),
      hardState: { term: 1, vote: null, commit: 3 },
    })
    // A suffix replaced, the later hard state kept.
    expect(mergeWrites({ entries: [e(1), e(2), e(3)], hardState: { term: 1, vote: null, commit: 1 } }, { entries: [e(2, 2)], hardState: { term: 2, vote: 'n2', commit: 1 } })).toEqual({
      entries: [e(1), e(2, 2)],
      hardState: { term: 2, vote: 'n2', commit: 1 },
    })
  })
})
