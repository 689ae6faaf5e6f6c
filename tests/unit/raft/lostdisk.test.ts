import { describe, it, expect } from 'vitest'
import { Cluster } from './harness.ts'

// Raft assumes a disk is never lost. Raft Lab offers volatile storage and "wipe disk" to show what happens when it
// is: the node comes back empty. The leader must notice and send it everything again rather than probe forever at
// the index it believed the node had.
describe('a follower that lost its disk', () => {
  function lose(c: Cluster, id: string): void {
    const n = c.node(id)
    n.disk = { hardState: { term: 0, vote: null, commit: 0 }, entries: [] }
    c.restart(id)
  }

  it('is repaired by the next write', () => {
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    for (let i = 0; i < 5; i++) c.propose('n1', `v${i}`)
    c.tick('n1')
    c.stabilize()
    lose(c, 'n3')
    expect(c.node('n3').raw.lastIndex()).toBe(0)
    c.propose('n1', 'after')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n3').raw.lastIndex()).toBe(c.node('n1').raw.lastIndex())
    expect(c.node('n3').applied.map((e) => e.data ?? e.kind)).toEqual(c.node('n1').applied.map((e) => e.data ?? e.kind))
  })

  it('is repaired by heartbeats alone in an idle cluster', () => {
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    for (let i = 0; i < 3; i++) c.propose('n1', `v${i}`)
    c.tick('n1')
    c.stabilize()
    lose(c, 'n2')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n2').raw.lastIndex()).toBe(c.node('n1').raw.lastIndex())
    expect(c.node('n2').raw.status().commit).toBe(c.node('n1').raw.status().commit)
  })

  it('is told apart from a network duplicate of an old rejection, which leaves match alone', () => {
    // etcd (raft.go, stepLeader on a rejected MsgAppResp; tracker.Progress.MaybeDecrTo) ignores a rejection whose
    // index is at or below the follower's match: it answers an append sent before the follower caught up. Before
    // the fix, a duplicate of a rejection that n3 sent while it was short looked like a lost disk (index <= match,
    // follower's last index below it) and reset n3 to match 0 and probing. The rejection that really reports a
    // lost disk still works (the tests above), because it answers something sent after n3's last acknowledgement.
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    c.isolate('n3')
    for (let i = 0; i < 5; i++) c.propose('n1', `v${i}`)
    c.heal()
    c.propose('n1', 'w')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    const old = c.sent.find((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.reject === true)
    expect(old).toBeDefined()
    expect(old!.lastIndex!).toBeLessThan(old!.index!)
    const before = c.node('n1').raw.status().progress!.n3
    expect(before.state).toBe('replicate')
    expect(before.match).toBe(c.node('n1').raw.lastIndex())
    expect(old!.index!).toBeLessThanOrEqual(before.match)
    const sentBefore = c.sent.length
    c.node('n1').raw.step({ ...old! }) // the network delivers a second copy, long after the first
    c.flush()
    expect(c.node('n1').raw.status().progress!.n3).toEqual(before)
    // Dropped without a word: no probe goes out for it.
    expect(c.sent.slice(sentBefore).filter((m) => m.to === 'n3')).toEqual([])
  })

  it('drops every copy of a rejection at or below match that proves no loss (no append storm)', () => {
    // A correct follower never rejects at or below its match (Log Matching). One whose log an unsafe switch has
    // broken can, and the network may duplicate it: answering each copy with an append (each answered with another
    // rejection) multiplied into a storm in which virtual time stopped. etcd drops such a rejection; so do we.
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    for (let i = 0; i < 4; i++) c.propose('n1', `v${i}`)
    c.tick('n1')
    c.stabilize()
    // n3 falls behind by one entry; a rejection above its match puts it in probe with next = match + 1.
    c.isolate('n3')
    c.propose('n1', 'w')
    c.stabilize()
    const term = c.node('n1').raw.status().term
    const match = c.node('n1').raw.status().progress!.n3.match
    c.node('n1').raw.step({ type: 'MsgAppResp', from: 'n3', to: 'n1', term, index: match + 1, reject: true, rejectHint: match, lastIndex: match, seen: 999 })
    c.flush()
    const before = c.node('n1').raw.status().progress!.n3
    expect(before.state).toBe('probe')
    const sentBefore = c.sent.length
    for (let copy = 0; copy < 5; copy++) {
      c.node('n1').raw.step({ type: 'MsgAppResp', from: 'n3', to: 'n1', term, index: before.match, reject: true, rejectHint: before.match - 1, lastIndex: before.match, seen: 1_000 + copy })
    }
    c.flush()
    expect(c.node('n1').raw.status().progress!.n3).toEqual(before)
    expect(c.sent.slice(sentBefore).filter((m) => m.to === 'n3' && m.type === 'MsgApp')).toEqual([])
  })

  it('is still repaired when an old rejection is replayed after it came back empty', () => {
    // The replayed rejection is ignored; the loss is still noticed through the fresh answers of the empty node.
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    c.isolate('n3')
    for (let i = 0; i < 4; i++) c.propose('n1', `v${i}`)
    c.heal()
    c.propose('n1', 'w')
    c.tick('n1')
    c.stabilize()
    const old = c.sent.find((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.reject === true)!
    lose(c, 'n3')
    c.node('n1').raw.step({ ...old })
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n3').raw.lastIndex()).toBe(c.node('n1').raw.lastIndex())
    expect(c.node('n3').raw.status().commit).toBe(c.node('n1').raw.status().commit)
  })
})
