import { describe, expect, it } from 'vitest'
import { NotLeaderError, parseConfEntry } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

/** A 3-node cluster led by n1 with a fresh node n4 (constructed with no peers) and n4 added as a learner. */
function withLearner(): Cluster {
  const c = new Cluster(ids3)
  c.elect('n1')
  c.propose('n1', 'a')
  c.add('n4', [])
  c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })
  c.stabilize()
  c.tick('n1')
  c.stabilize()
  return c
}

describe('membership changes (thesis chapter 4, single-server changes)', () => {
  it('only the leader proposes a change', () => {
    // Reference: thesis section 4.1 (the leader appends the configuration entry).
    const c = new Cluster(ids3)
    c.elect('n1')
    expect(() => c.node('n2').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })).toThrow(NotLeaderError)
  })

  it('a server uses the latest configuration in its log, committed or not', () => {
    // Reference: thesis section 4.1 ("a server always uses the latest configuration in its log, regardless
    // of whether the entry is committed").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n2', 'n3')
    c.node('n1').raw.proposeConfChange({ type: 'addVoter', node: 'n4' })
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4'], commit: 1 })
    expect(c.node('n1').raw.status().progress!.n4).toBeDefined()
  })

  it('one change at a time: a second change is refused until the first is committed', () => {
    // Reference: thesis section 4.1 ("the leader ... will not begin a new configuration change until the
    // previous one has committed").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n2', 'n3')
    c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })
    expect(() => c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n5' })).toThrow(/one change at a time/)
    c.heal()
    c.tick('n1')
    c.stabilize()
    expect(() => c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n5' })).not.toThrow()
  })

  it('a new leader refuses changes until it has committed an entry of its own term', () => {
    // Reference: thesis section 4.1 and the 2015 single-server change bug fix (raft-dev, Ongaro): a leader may
    // not append a configuration entry until an entry from its current term is committed.
    const c = new Cluster(ids3)
    c.filter = (m) => m.type !== 'MsgApp' // the new leader's noop cannot replicate
    c.elect('n1')
    expect(c.node('n1').raw.status().role).toBe('leader')
    expect(() => c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })).toThrow(/not committed an entry of its term/)
    c.heal()
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().commit).toBe(1)
    expect(c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })).toEqual({ index: 2, term: 1 })
  })

  it('invalid changes are refused', () => {
    // Reference: thesis section 4.1 (a change adds or removes one server of the configuration).
    const c = new Cluster(['n1', 'n2'])
    c.elect('n1')
    const r = c.node('n1').raw
    expect(() => r.proposeConfChange({ type: 'addVoter', node: 'n2' })).toThrow(/already a voter/)
    expect(() => r.proposeConfChange({ type: 'addLearner', node: 'n1' })).toThrow(/already a voter/)
    expect(() => r.proposeConfChange({ type: 'removeNode', node: 'n7' })).toThrow(/not a member/)
    expect(() => r.proposeConfChange({ type: 'addVoter', node: '' })).toThrow(/node id/)
    expect(() => r.proposeConfChange({ type: 'reshuffle', node: 'n3' } as never)).toThrow(/unknown/)
    c.propose('n1', 'x')
    r.proposeConfChange({ type: 'removeNode', node: 'n2' })
    c.stabilize()
    expect(r.status().voters).toEqual(['n1'])
    expect(() => r.proposeConfChange({ type: 'removeNode', node: 'n1' })).toThrow(/last voter/)
  })

  it('a node started with no peers learns the configuration from the log and never campaigns as a learner', () => {
    // Reference: thesis section 4.2.1 ("new servers join the cluster as non-voting members").
    const c = withLearner()
    const n4 = c.node('n4')
    expect(n4.raw.status()).toMatchObject({ voters: ids3, learners: ['n4'], leader: 'n1' })
    expect(c.logOf('n4')).toEqual(c.logOf('n1'))
    expect(data(n4.applied)).toEqual(['noop', 'a', 'config'])
    expect(parseConfEntry(n4.applied[2].data)).toMatchObject({ type: 'addLearner', node: 'n4', voters: ids3, learners: ['n4'] })
    // The leader is gone: the learner's timer runs out many times over, and still it does not campaign.
    c.isolate('n1')
    c.tick('n4', 500)
    c.stabilize()
    expect(n4.raw.status()).toMatchObject({ role: 'follower', term: 1 })
    expect(c.count((m) => m.from === 'n4' && (m.type === 'MsgVote' || m.type === 'MsgPreVote'))).toBe(0)
    expect(n4.raw.campaign()).toBe(false)
  })

  it('a learner receives entries but does not count towards commitment', () => {
    // Reference: thesis section 4.2.1 (non-voting members are not counted in majorities).
    const c = withLearner()
    c.isolate('n2', 'n3')
    c.propose('n1', 'b')
    expect(c.node('n4').raw.lastIndex()).toBe(4)
    expect(c.node('n1').raw.status().commit).toBe(3)
  })

  it('a node joining after compaction learns the configuration from the snapshot', () => {
    // Reference: section 7 (the snapshot carries "the latest configuration as of the last included index").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })
    c.stabilize()
    c.propose('n1', 'a')
    c.compact('n1', 3, 'kv@3')
    c.add('n4', [])
    c.tick('n1')
    c.stabilize()
    const n4 = c.node('n4')
    expect(n4.snapshots.map((s) => [s.index, s.voters, s.learners])).toEqual([[3, ids3, ['n4']]])
    expect(n4.raw.status()).toMatchObject({ voters: ids3, learners: ['n4'], commit: 3 })
  })

  it('promoting the learner to voter changes the quorum: 4 voters need 3 acknowledgements', () => {
    // Reference: thesis section 4.1 (majorities of the new configuration).
    const c = withLearner()
    c.node('n1').raw.proposeConfChange({ type: 'addVoter', node: 'n4' })
    c.stabilize()
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(c.node(id).raw.status()).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] })
    const commit = c.node('n1').raw.status().commit
    c.isolate('n3', 'n4')
    c.propose('n1', 'b') // n1 and n2: 2 of 4
    expect(c.node('n1').raw.status().commit).toBe(commit)
    c.heal()
    c.isolate('n3')
    c.tick('n1')
    c.stabilize() // n1, n2 and n4: 3 of 4
    expect(c.node('n1').raw.status().commit).toBe(commit + 1)
  })

  it('a removed follower no longer counts and no longer hears from the leader', () => {
    // Reference: thesis section 4.1.
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n3' })
    c.stabilize()
    expect(c.node('n1').raw.status().voters).toEqual(['n1', 'n2'])
    expect(Object.keys(c.node('n1').raw.status().progress!).sort()).toEqual(['n1', 'n2'])
    c.isolate('n2')
    c.propose('n1', 'b')
    expect(c.node('n1').raw.status().commit).toBe(3) // 1 of 2 is not a majority
    c.heal()
    const sentBefore = c.count((m) => m.to === 'n3')
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().commit).toBe(4)
    expect(c.count((m) => m.to === 'n3')).toBe(sentBefore)
  })

  it('a leader that removes itself steps down once the removal is committed, and the others elect a leader', () => {
    // Reference: thesis section 4.2.2 ("the leader steps down (returns to follower state) once the Cnew entry
    // is committed").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n1' })
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', voters: ['n2', 'n3'] })
    expect(c.node('n1').disk.hardState.commit).toBe(3)
    c.tickUntil(() => c.leader() !== undefined)
    const l = c.leader()!
    expect(['n2', 'n3']).toContain(l.id)
    c.propose(l.id, 'b')
    for (const id of ['n2', 'n3']) expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'config', 'noop', 'b'])
    expect(c.node('n1').raw.campaign()).toBe(false)
  })

  it('a leader that crashes while removing itself can still finish the removal when its vote is needed', () => {
    // Reference: thesis section 4.2.2 ("If the leader stepped down before this point [Cnew committed], it might
    // still time out and become leader again"): until its removal commits, the removed server keeps its part.
    const c = new Cluster(['n1', 'n2'])
    c.elect('n1')
    c.filter = (m) => m.type !== 'MsgApp' // the removal never leaves n1
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n1' })
    c.stabilize()
    c.restart('n1')
    c.heal()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', voters: ['n2'], commit: 1, lastIndex: 2 })
    // n2 still has {n1, n2} and needs n1's vote, which n1 refuses (its log is longer); only n1 can unblock it.
    c.tickUntil(() => c.node('n2').raw.status().role === 'leader', 300)
    expect(c.node('n2').raw.status().voters).toEqual(['n2'])
    expect(c.logOf('n2').map(([, , d]) => d)).toContain('config')
    expect(c.node('n1').raw.status().role).toBe('follower')
    expect(c.node('n1').raw.campaign()).toBe(false) // now that its removal is committed, it is out for good
    c.propose('n2', 'alone')
    expect(data(c.node('n2').applied).at(-1)).toBe('alone')
  })

  it('replacing a server is an add followed by a remove', () => {
    // Reference: thesis section 4.1 (arbitrary changes compose from single-server steps).
    const c = withLearner()
    c.node('n1').raw.proposeConfChange({ type: 'addVoter', node: 'n4' })
    c.stabilize()
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n3' })
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ voters: ['n1', 'n2', 'n4'], learners: [] })
    // n1 and n4 are a majority of the new voters; n3 no longer counts.
    c.isolate('n2', 'n3')
    c.propose('n1', 'b')
    expect(data(c.node('n4').applied).at(-1)).toBe('b')
    c.heal()
    c.isolate('n2', 'n4')
    c.propose('n1', 'c')
    expect(data(c.node('n1').applied).at(-1)).toBe('b') // n1 + n3 is not a majority of {n1, n2, n4}
  })

  it('a removed server that did not learn of its removal cannot disturb the cluster', () => {
    // Reference: thesis section 4.2.3 ("removed servers ... can disrupt the cluster"; servers disregard
    // RequestVote from outside their configuration).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n3')
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n3' })
    c.stabilize()
    c.propose('n1', 'a')
    expect(c.node('n3').raw.status().voters).toEqual(ids3) // it never heard
    c.heal()
    for (let i = 0; i < 100; i++) {
      for (const id of ids3) c.node(id).raw.tick()
      c.stabilize()
    }
    expect(c.node('n3').raw.status().term).toBeGreaterThan(3) // it keeps campaigning...
    expect(c.count((m) => m.from === 'n3' && m.type === 'MsgVote')).toBeGreaterThan(0)
    expect(c.leader()?.id).toBe('n1') // ...and nobody notices
    expect(c.node('n1').raw.status().term).toBe(1)
    expect(c.node('n2').raw.status().term).toBe(1)
    expect(c.count((m) => m.to === 'n3' && m.type === 'MsgVoteResp')).toBe(0)
  })

  it('a node that has not learned any configuration yet still answers vote requests when there is no leader', () => {
    // Reference: thesis section 4.1 ("a server ... grants its vote to a candidate that is not part of its latest
    // configuration ... This vote may occasionally be needed to keep the cluster available").
    const r = newRaw('n4', [])
    r.step({ type: 'MsgVote', from: 'n3', to: 'n4', term: 2, index: 5, logTerm: 1 })
    expect(drain(r).messages).toEqual([{ type: 'MsgVoteResp', from: 'n4', to: 'n3', term: 2, reject: false }])
  })

  it('a new voter that missed its own addition can still give the vote the new configuration needs', () => {
    // Reference: thesis section 4.1 (the example of the fourth server whose vote is needed to form a majority).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.add('n4', [])
    c.isolate('n4')
    c.node('n1').raw.proposeConfChange({ type: 'addVoter', node: 'n4' }) // n1, n2, n3: 3 of 4
    c.stabilize()
    c.node('n1').raw.proposeConfChange({ type: 'removeNode', node: 'n1' }) // n2, n3: 2 of {n2, n3, n4}
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', voters: ['n2', 'n3', 'n4'] })
    // n2 fails; n3 can only win with the vote of n4, which knows nothing yet.
    c.isolate('n2')
    expect(c.node('n4').raw.status()).toMatchObject({ voters: [], lastIndex: 0 })
    c.tickUntil(() => c.node('n3').raw.status().role === 'leader', 200, ['n3', 'n4'])
    c.propose('n3', 'x')
    expect(data(c.node('n4').applied).at(-1)).toBe('x')
    expect(c.node('n4').raw.status().voters).toEqual(['n2', 'n3', 'n4'])
  })

  it('a configuration entry that is overwritten is undone on the follower', () => {
    // Reference: thesis section 4.1 ("a log entry for a configuration change can be removed (if leadership
    // changes); in this case, a server must be prepared to fall back to the previous configuration in its log").
    const change = JSON.stringify({ type: 'addVoter', node: 'n4', voters: ['n1', 'n2', 'n3', 'n4'], learners: [] })
    const c = new Cluster([])
    c.load('n1', ids3, disk([{ index: 1, term: 1, kind: 'noop' }, { index: 2, term: 2, kind: 'noop' }], 2))
    c.load('n2', ids3, disk([{ index: 1, term: 1, kind: 'noop' }, { index: 2, term: 1, kind: 'config', data: change }], 1))
    c.load('n3', ids3, disk([{ index: 1, term: 1, kind: 'noop' }, { index: 2, term: 2, kind: 'noop' }], 2))
    expect(c.node('n2').raw.status().voters).toEqual(['n1', 'n2', 'n3', 'n4'])
    c.elect('n3')
    expect(c.node('n3').raw.status()).toMatchObject({ role: 'leader', term: 3 })
    expect(c.logOf('n2')).toEqual([[1, 1, 'noop'], [2, 2, 'noop'], [3, 3, 'noop']])
    expect(c.node('n2').raw.status().voters).toEqual(ids3)
  })

  it('the configuration survives a restart (from the log and from a snapshot)', () => {
    // Reference: thesis section 4.1 (configurations are stored in the log) and section 7.
    const c = withLearner()
    for (const id of ['n1', 'n4']) expect(c.restart(id).raw.status()).toMatchObject({ voters: ids3, learners: ['n4'] })
    c.tickUntil(() => c.leader() !== undefined)
    const l = c.leader()!
    c.propose(l.id, 'b')
    c.tick(l.id)
    c.stabilize()
    const applied = c.node('n4').raw.status().applied
    c.compact('n4', applied, 'kv')
    expect(c.restart('n4').raw.status()).toMatchObject({ voters: ids3, learners: ['n4'], snapshotIndex: applied })
  })
})

describe('the configuration a joining node records in its snapshots', () => {
  /** n1..n3 write 8 commands, then n4 (constructed with peers: []) joins as a learner at index 10. */
  function joining(opts = {}): Cluster {
    const c = new Cluster(ids3, { maxEntriesPerMsg: 2, ...opts })
    c.elect('n1')
    for (let i = 1; i <= 8; i++) c.propose('n1', `v${i}`)
    c.add('n4', [], { maxEntriesPerMsg: 2, ...opts })
    expect(c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' }).index).toBe(10)
    return c
  }

  it('is the cluster\'s configuration at the snapshot index, even below its own addLearner entry', () => {
    // Reference: section 7 and Figure 12 (a snapshot holds "the latest configuration as of the last included
    // index"), thesis section 4.1. n4 gets the log from index 1 in small appends and, like a host that snapshots
    // every few applied entries, compacts while it catches up, before its own addLearner entry has even arrived.
    // Before the fix it recorded its empty start (voters []); a node restarted from that snapshot, or sent it by
    // n4 as leader, would believe there are no voters and never campaign.
    const c = joining()
    const n4 = c.node('n4')
    let snap = null
    for (let guard = 0; guard < 1000 && c.queue.length + (c.node('n1').raw.hasReady() ? 1 : 0) > 0; guard++) {
      c.deliverOne()
      const st = n4.raw.status()
      if (snap === null && st.applied >= 4 && st.lastIndex < 10) snap = c.compact('n4', st.applied, 'kv')
    }
    expect(snap).not.toBeNull()
    expect(snap!.index).toBeLessThan(10)
    expect(snap).toMatchObject({ voters: ids3, learners: [] })
    c.stabilize()
    expect(n4.raw.status()).toMatchObject({ lastIndex: 10, voters: ids3, learners: ['n4'] })
    // Restarted from that snapshot and the entries after it, n4 sees the configuration the cluster has.
    c.restart('n4')
    expect(n4.raw.status()).toMatchObject({ voters: ids3, learners: ['n4'] })
  })

  it('is derived from the first change in its log after a restart that forgot what the leader said', () => {
    // Reference: thesis section 4.1 (each entry of a change records the whole new configuration). A node whose
    // log starts at index 1 and that was never told the cluster's first configuration can still tell it from the
    // first change in its log: the configuration before it, which a change of one server determines.
    const c = joining()
    c.stabilize()
    const n4 = c.restart('n4')
    expect(n4.raw.status()).toMatchObject({ firstIndex: 1, lastIndex: 10, commit: 10 })
    const snap = c.compact('n4', 5, 'kv')
    expect(snap).toMatchObject({ index: 5, voters: ids3, learners: [] })
  })

  it('a snapshot that records no voters is not believed: a voter restarted from it still campaigns', () => {
    // Reference: thesis section 4.1 (a cluster always has at least one voter). Such snapshots were written by
    // joining nodes before the fix above; a voter restarted from one kept voters [] and could never campaign.
    const r = newRaw('n2', ids3, {}, { hardState: { term: 1, vote: null, commit: 3 }, entries: [], snapshot: { index: 3, term: 1, voters: [], learners: [], data: '' } })
    expect(r.status()).toMatchObject({ snapshotIndex: 3, voters: ids3 })
    expect(r.campaign()).toBe(true)
    expect(r.status().role).toBe('candidate')
  })
})

