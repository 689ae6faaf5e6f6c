/**
 * Group commit: the writes of a window merged (mergeWrites) leave a disk exactly as the same writes one after the
 * other would, on the storage layer's own disk (the memory disk follows the durable disk's rules).
 */
import { describe, expect, it } from 'vitest'
import { mergeWrites } from '../../../src/node/group.ts'
import type { DiskWrite } from '../../../src/node/host.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import { Prng } from '../../../src/world/prng.ts'
import type { Entry } from '../../../src/raft/types.ts'

/** A random but valid sequence of writes, as a Raft node makes them (appends, conflicting suffixes, snapshots). */
function writes(seed: number, n: number): DiskWrite[] {
  const r = new Prng(seed)
  const log: Entry[] = [] // after the snapshot
  let snap = { index: 0, term: 0 }
  let term = 1
  let commit = 0
  const out: DiskWrite[] = []
  for (let k = 0; k < n; k++) {
    const last = snap.index + log.length
    const w: DiskWrite = { entries: [] }
    const roll = r.next()
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

async function sequential(ws: DiskWrite[]) {
  const d = createMemoryDisk('n1')
  for (const w of ws) await d.persist(w)
  return d.load()
}

async function grouped(ws: DiskWrite[], windows: number[]) {
  const d = createMemoryDisk('n1')
  let k = 0
  let transactions = 0
  for (const size of windows) {
    let held: DiskWrite | null = null
    for (const w of ws.slice(k, k + size)) {
      const m: DiskWrite | null = held === null ? w : mergeWrites(held, w)
      if (m !== null) held = m
      else {
        await d.persist(held!)
        transactions++
        held = w
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

describe('group commit (mergeWrites)', () => {
  it('leaves the disk as the writes one by one would, in fewer transactions', async () => {
    let writesTotal = 0
    let txTotal = 0
    for (let seed = 1; seed <= 200; seed++) {
      const ws = writes(seed, 40)
      const r = new Prng(seed * 7)
      const windows: number[] = []
      for (let left = ws.length; left > 0; ) {
        const size = Math.min(left, 1 + r.int(8))
        windows.push(size)
        left -= size
      }
      const a = await sequential(ws)
      const b = await grouped(ws, windows)
      expect(b.state, `seed ${seed}`).toEqual(a)
      writesTotal += ws.length
      txTotal += b.transactions
    }
    expect(txTotal).toBeLessThan(writesTotal / 2)
  })

  it('refuses what it cannot merge', () => {
    const e = (index: number, term = 1): Entry => ({ index, term, kind: 'noop' })
    // A snapshot after other writes: written separately.
    expect(mergeWrites({ entries: [e(1)] }, { entries: [], snapshot: { index: 1, term: 1, voters: ['n1'], data: '' } })).toBeNull()
    // A gap.
    expect(mergeWrites({ entries: [e(1)] }, { entries: [e(3)] })).toBeNull()
    // A suffix replaced, the later hard state kept.
    expect(mergeWrites({ entries: [e(1), e(2), e(3)], hardState: { term: 1, vote: null, commit: 1 } }, { entries: [e(2, 2)], hardState: { term: 2, vote: 'n2', commit: 1 } })).toEqual({
      entries: [e(1), e(2, 2)],
      hardState: { term: 2, vote: 'n2', commit: 1 },
    })
  })
})
