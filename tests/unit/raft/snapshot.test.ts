import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

/** n3 misses `n` proposals, then the leader n1 compacts its whole applied log. */
function lagging(n: number, opts = {}, snapData = 'S'.repeat(45)): Cluster {
  const c = new Cluster(ids3, opts)
  c.elect('n1')
  c.isolate('n3')
  for (let i = 1; i <= n; i++) c.propose('n1', `v${i}`)
  const applied = c.node('n1').raw.status().applied
  expect(applied).toBe(n + 1)
  c.compact('n1', applied, snapData)
  c.heal()
  return c
}

describe('log compaction (section 7)', () => {
  it('compact drops the log up to an applied index and moves firstIndex', () => {
    // Reference: section 7 ("each server takes snapshots independently, covering just the committed entries
    // in its log").
    const c = new Cluster(ids3)
    c.elect('n1')
    for (const v of ['a', 'b', 'c']) c.propose('n1', v)
    const r = c.node('n1').raw
    expect(() => r.compact(5, 'x')).toThrow(/only 4 is applied/)
    const s = r.compact(3, 'state')
    expect(s).toEqual({ index: 3, term: 1, voters: ids3, learners: [], data: 'state' })
    expect(r.status()).toMatchObject({ firstIndex: 4, snapshotIndex: 3, snapshotTerm: 1, lastIndex: 4 })
    expect(r.term(3)).toBe(1)
    expect(r.term(2)).toBeUndefined()
    expect(() => r.entries(2, 4)).toThrow(/compacted/)
    expect(r.entries(4, 5).map((e) => e.data)).toEqual(['c'])
    expect(() => r.compact(3, 'again')).toThrow(/already compacted/)
    expect(() => r.compact(2.5, 'x')).toThrow(/integer/)
    expect(r.snapshot()).toBe(s)
  })

  it('a follower that needs compacted entries gets the snapshot in a Ready, then the entries after it', () => {
    // Reference: section 7 ("the leader must occasionally send snapshots to followers that lag behind",
    // InstallSnapshot, Figure 13).
    const c = lagging(6)
    c.propose('n1', 'after')
    c.tick('n1')
    c.stabilize()
    const n3 = c.node('n3')
    expect(n3.snapshots).toHaveLength(1)
    expect(n3.snapshots[0]).toMatchObject({ index: 7, term: 1, voters: ids3, data: 'S'.repeat(45) })
    expect(n3.raw.status()).toMatchObject({ snapshotIndex: 7, firstIndex: 8, commit: 8, applied: 8 })
    // Entries before the snapshot were never applied here; the state machine restarts from the snapshot.
    expect(n3.applied.map((e) => e.index)).toEqual([1, 8])
    expect(data(n3.applied.slice(1))).toEqual(['after'])
    expect(c.node('n1').raw.status().progress!.n3).toEqual({ match: 8, next: 9, state: 'replicate' })
  })

  it('while the snapshot is in flight the leader tracks the follower in snapshot state and sends it nothing else', () => {
    // Reference: section 7 (InstallSnapshot replaces AppendEntries for that follower).
    const c = lagging(4)
    c.filter = (m) => !(m.type === 'MsgSnap') // the snapshot is lost
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().progress!.n3).toMatchObject({ state: 'snapshot' })
    const before = c.count((m) => m.type === 'MsgApp' && m.to === 'n3')
    c.propose('n1', 'x')
    expect(c.count((m) => m.type === 'MsgApp' && m.to === 'n3')).toBe(before)
  })

  it('a snapshot larger than snapshotChunkSize goes in chunks and is reassembled', () => {
    // Reference: Figure 13 (InstallSnapshot: offset, data[], done).
    const big = 'abcdefghij'.repeat(4) + 'tail!'
    const c = lagging(3, { snapshotChunkSize: 10 }, big)
    c.tick('n1')
    c.stabilize()
    const chunks = c.sent.filter((m) => m.type === 'MsgSnap')
    expect(chunks.map((m) => m.offset)).toEqual([0, 10, 20, 30, 40])
    expect(chunks.map((m) => m.done)).toEqual([false, false, false, false, true])
    expect(chunks.every((m) => (m.data ?? '').length <= 10)).toBe(true)
    expect(c.node('n3').snapshots.map((s) => s.data)).toEqual([big])
    expect(c.logOf('n3')).toEqual([])
    c.propose('n1', 'next')
    expect(c.logOf('n3')).toEqual([[5, 1, 'next']])
  })

  it('lost chunks and lost chunk acknowledgements are retransmitted until the snapshot is complete', () => {
    // Reference: Figure 13 (the leader resends; the follower reports how far it got).
    const big = Array.from({ length: 60 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('')
    const c = lagging(3, { snapshotChunkSize: 10 }, big)
    const lost = new Set<string>()
    c.filter = (m) => {
      const key = `${m.type}:${m.offset}`
      if ((m.type === 'MsgSnap' && m.offset === 20) || (m.type === 'MsgSnapResp' && m.offset === 40)) {
        if (!lost.has(key)) {
          lost.add(key)
          return false
        }
      }
      return true
    }
    for (let i = 0; i < 6; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(lost.size).toBe(2)
    expect(c.node('n3').snapshots.map((s) => s.data)).toEqual([big])
    expect(c.count((m) => m.type === 'MsgSnap')).toBeGreaterThan(6)
    c.propose('n1', 'z')
    expect(data(c.node('n3').applied).at(-1)).toBe('z')
    expect(c.node('n1').raw.status().progress!.n3.state).toBe('replicate')
  })

  it('a follower restarted after installing a snapshot recovers from it plus the later entries', () => {
    // Reference: section 7 (the snapshot is persistent state).
    const c = lagging(5)
    c.propose('n1', 'p')
    c.tick('n1')
    c.stabilize()
    const n3 = c.restart('n3')
    expect(n3.raw.status()).toMatchObject({ snapshotIndex: 6, firstIndex: 7, lastIndex: 7, commit: 7 })
    expect(n3.applied.map((e) => e.index)).toEqual([7])
    expect(n3.raw.snapshot()?.data).toBe('S'.repeat(45))
    c.propose('n1', 'q')
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
  })

  it('a leader that compacted keeps replicating normally to followers that are caught up', () => {
    // Reference: section 7 (snapshots are only for followers that lag behind the compaction point).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.compact('n1', 2, 'x')
    c.propose('n1', 'b')
    expect(c.count((m) => m.type === 'MsgSnap')).toBe(0)
    for (const id of ids3) expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'b'])
  })

  it('a snapshot that is not newer than the follower\'s commit is answered, not installed', () => {
    // Reference: Figure 13, receiver rule 6 ("If existing log entry has same index and term as snapshot's last
    // included entry, retain log entries following it").
    const r = newRaw('n2', ids3, {}, disk(log(1, 1, 1), 1, null, 3))
    drain(r)
    r.step({ type: 'MsgSnap', from: 'n1', to: 'n2', term: 1, snapshot: { index: 2, term: 1, voters: ids3 }, offset: 0, data: 'old', done: true })
    const rd = drain(r)
    expect(rd.snapshot).toBeUndefined()
    expect(r.status()).toMatchObject({ snapshotIndex: 0, lastIndex: 3 })
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index: 3 }])
  })

  it('a snapshot whose last entry the follower has commits up to it, keeps the tail, and claims only the snapshot index', () => {
    // Reference: Figure 13, receiver rule 6. Entries after the snapshot may be a stale tail from an older term:
    // acknowledging them would let the leader count entries the follower does not have.
    const r = newRaw('n2', ids3, {}, disk(log(1, 1, 1, 2), 3))
    drain(r)
    const snap: Message = { type: 'MsgSnap', from: 'n1', to: 'n2', term: 3, snapshot: { index: 3, term: 1, voters: ids3 }, offset: 0, data: 's', done: true }
    r.step(snap)
    const rd = drain(r)
    expect(rd.snapshot).toBeUndefined()
    expect(r.status()).toMatchObject({ commit: 3, lastIndex: 4, snapshotIndex: 0 })
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 3, index: 3 }])
  })

  it('an installed snapshot replaces a conflicting log and brings its configuration', () => {
    // Reference: Figure 13, receiver rules 7 and 8 ("Discard the entire log"; "Reset state machine using
    // snapshot contents (and load snapshot's cluster configuration)").
    const r = newRaw('n4', [], {}, disk(log(1, 2, 2), 2))
    drain(r)
    r.step({ type: 'MsgSnap', from: 'n1', to: 'n4', term: 3, snapshot: { index: 5, term: 3, voters: ids3, learners: ['n4'] }, offset: 0, data: 'kv', done: true })
    const rd = drain(r)
    expect(rd.snapshot).toEqual({ index: 5, term: 3, voters: ids3, learners: ['n4'], data: 'kv' })
    expect(rd.committedEntries).toEqual([])
    expect(r.status()).toMatchObject({ snapshotIndex: 5, firstIndex: 6, lastIndex: 5, commit: 5, applied: 5, voters: ids3, learners: ['n4'] })
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n4', to: 'n1', term: 3, index: 5 }])
  })
})

/** Deliver every queued message that does not involve `id` (and what they cause); `id`'s messages keep waiting. */
function commitWithout(c: Cluster, id: string): void {
  c.flush()
  for (let guard = 0; guard < 1000; guard++) {
    const k = c.queue.findIndex((m) => m.from !== id && m.to !== id)
    if (k < 0) return
    const [m] = c.queue.splice(k, 1)
    c.node(m.to).raw.step(m)
    c.flush()
  }
}

describe('a chunked snapshot transfer while the leader keeps compacting', () => {
  it('finishes the snapshot it began with, then sends the newer one', () => {
    // Reference: section 7 (the leader sends its snapshot with InstallSnapshot, in chunks per Figure 13); etcd's
    // leader keeps sending the snapshot it started for a follower in StateSnapshot and only looks at a newer one
    // once that follower has left it. Before the fix every compaction replaced the only snapshot the leader
    // knew, and the next chunk acknowledgement restarted the transfer of the new snapshot at offset 0: with a
    // compaction between any two chunks, the follower never got a whole snapshot.
    const big = (tag: string) => tag.repeat(50)
    const c = lagging(3, { snapshotChunkSize: 10 }, big('a'))
    let compactions = 0
    const tags = 'bcdefghijk'
    c.tick('n1')
    for (let step = 0; step < 400 && c.node('n3').snapshots.length < 2; step++) {
      const m = c.deliverOne()
      if (m === undefined) {
        c.tick('n1')
        continue
      }
      if (m.type === 'MsgSnapResp' && compactions < tags.length) {
        // Between any two chunks the clients write and the leader takes a new snapshot.
        c.node('n1').raw.propose(`w${compactions}`)
        commitWithout(c, 'n3')
        const n1 = c.node('n1').raw
        c.compact('n1', n1.status().applied, big(tags[compactions++]))
      }
    }
    expect(compactions).toBeGreaterThan(3)
    const installed = c.node('n3').snapshots
    // The first snapshot arrives whole, with the data the leader began sending; the next one is the leader's
    // latest at the time that first transfer ended.
    expect(installed[0]).toMatchObject({ index: 4, data: big('a') })
    expect(installed.length).toBe(2)
    expect(installed[1].index).toBeGreaterThan(installed[0].index)
    const chunks = c.sent.filter((m) => m.type === 'MsgSnap' && m.snapshot!.index === 4)
    expect(chunks.map((m) => m.offset)).toEqual([0, 10, 20, 30, 40])
    // And the follower is back in step with the leader.
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
    expect(c.node('n1').raw.status().progress!.n3.state).toBe('replicate')
  })
})
