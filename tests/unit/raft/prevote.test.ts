import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const ids5 = ['n1', 'n2', 'n3', 'n4', 'n5']
const terms = (c: Cluster, ids: string[]) => ids.map((id) => c.node(id).raw.status().term)

describe('pre-vote (thesis section 9.6)', () => {
  it('a pre-candidate asks for term+1 without changing its own term or vote', () => {
    // Reference: thesis section 9.6 ("a candidate would first ask other servers whether its log was
    // up-to-date enough to get their vote"; only then does it increment its term).
    const r = newRaw('n1', ids3, { preVote: true }, disk(log(1, 1), 1))
    drain(r)
    r.campaign()
    const rd = drain(r)
    expect(r.status()).toMatchObject({ role: 'precandidate', term: 1, vote: null })
    expect(rd.hardState).toBeUndefined()
    expect(rd.messages.map((m) => [m.type, m.to, m.term, m.index, m.logTerm])).toEqual([
      ['MsgPreVote', 'n2', 2, 2, 1],
      ['MsgPreVote', 'n3', 2, 2, 1],
    ])
    r.step({ type: 'MsgPreVoteResp', from: 'n2', to: 'n1', term: 2, reject: false })
    const rd2 = drain(r)
    expect(r.status()).toMatchObject({ role: 'candidate', term: 2, vote: 'n1' })
    expect(rd2.messages.map((m) => m.type)).toEqual(['MsgVote', 'MsgVote'])
  })

  it('answering a pre-vote changes no state on the voter', () => {
    // Reference: thesis section 9.6 (the pre-vote does not disturb anybody).
    const r = newRaw('n2', ids3, { preVote: true }, disk(log(1), 1))
    drain(r)
    r.step({ type: 'MsgPreVote', from: 'n1', to: 'n2', term: 5, index: 1, logTerm: 1 })
    const rd = drain(r)
    expect(r.status()).toMatchObject({ term: 1, vote: null })
    expect(rd.hardState).toBeUndefined()
    expect(rd.messages).toEqual([{ type: 'MsgPreVoteResp', from: 'n2', to: 'n1', term: 5, reject: false }])
  })

  it('a pre-vote still applies the log up-to-date check', () => {
    // Reference: thesis section 9.6 with section 5.4.1.
    const r = newRaw('n2', ids3, { preVote: true }, disk(log(1, 2), 2))
    drain(r)
    r.step({ type: 'MsgPreVote', from: 'n1', to: 'n2', term: 3, index: 5, logTerm: 1 })
    expect(drain(r).messages[0]).toMatchObject({ type: 'MsgPreVoteResp', reject: true, term: 2 })
  })

  it('a server that heard from its leader within the election timeout refuses pre-votes', () => {
    // Reference: thesis section 9.6 ("... and the voters have not received heartbeats from a valid leader for
    // at least a baseline election timeout").
    const c = new Cluster(ids3, { preVote: true })
    c.elect('n1')
    c.elect('n3') // n3's timer "fires" although n1 is alive
    expect(c.leader()?.id).toBe('n1')
    expect(terms(c, ids3)).toEqual([1, 1, 1])
    expect(c.count((m) => m.type === 'MsgPreVoteResp' && m.reject === true)).toBe(2)
    expect(c.node('n3').raw.status()).toMatchObject({ role: 'follower', term: 1 })
  })

  it('a partitioned node does not raise its term, and on healing the leader stays in place', () => {
    // Reference: thesis section 9.6 ("the pre-vote ... prevents a server that was partitioned from the cluster
    // from disrupting the cluster when it rejoins").
    const c = new Cluster(ids3, { preVote: true })
    c.elect('n1')
    c.propose('n1', 'a')
    c.isolate('n3')
    c.tick('n3', 200)
    c.stabilize()
    expect(c.node('n3').raw.status().term).toBe(1)
    c.propose('n1', 'b')
    c.heal()
    for (let i = 0; i < 60; i++) {
      for (const id of ids3) c.node(id).raw.tick()
      c.stabilize()
    }
    expect(c.leader()?.id).toBe('n1')
    expect(terms(c, ids3)).toEqual([1, 1, 1])
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
  })

  it('without pre-vote the same partition raises terms and deposes the leader on healing', () => {
    // Reference: thesis section 9.6 (the problem pre-vote solves) and section 5.1.
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.isolate('n3')
    c.tick('n3', 200)
    c.stabilize()
    const partitionedTerm = c.node('n3').raw.status().term
    expect(partitionedTerm).toBeGreaterThan(5)
    c.propose('n1', 'b')
    c.heal()
    c.tick('n1') // a heartbeat reaches n3, whose reply carries its term
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', term: partitionedTerm })
    c.tickUntil(() => c.leader() !== undefined)
    expect(c.leader()!.raw.status().term).toBeGreaterThan(partitionedTerm)
    expect(c.leader()!.id).not.toBe('n3') // its log is missing 'b'
  })

  it('when the leader is really gone, the pre-vote passes and the rest elect a new leader', () => {
    // Reference: thesis section 9.6 (pre-vote does not hurt availability).
    const c = new Cluster(ids5, { preVote: true, checkQuorum: true })
    c.elect('n1')
    c.isolate('n1')
    const majority = ['n2', 'n3', 'n4', 'n5']
    c.tickUntil(() => majority.some((id) => c.node(id).raw.status().role === 'leader'), 200, majority)
    const l = majority.find((id) => c.node(id).raw.status().role === 'leader')!
    expect(c.node(l).raw.status().term).toBe(2)
  })
})

describe('check quorum (thesis section 6.2)', () => {
  it('a leader cut off from the majority steps down after an election timeout', () => {
    // Reference: thesis section 6.2 ("a leader steps down if an election timeout elapses without a successful
    // round of heartbeats to a majority of its cluster").
    const c = new Cluster(ids5, { checkQuorum: true })
    c.elect('n1')
    c.isolate('n1', 'n2')
    let ticks = 0
    while (c.node('n1').raw.status().role === 'leader') {
      c.tick('n1')
      c.stabilize()
      if (++ticks > 100) break
    }
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', term: 1, leader: null })
    expect(ticks).toBeGreaterThanOrEqual(10) // electionTick
    expect(ticks).toBeLessThanOrEqual(20) // within two check rounds
  })

  it('without check quorum the cut-off leader stays leader', () => {
    // Reference: section 5.2 (the basic algorithm has no such check).
    const c = new Cluster(ids5)
    c.elect('n1')
    c.isolate('n1', 'n2')
    for (let i = 0; i < 100; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n1').raw.status().role).toBe('leader')
  })

  it('a leader that hears from a majority keeps leading', () => {
    // Reference: thesis section 6.2.
    const c = new Cluster(ids5, { checkQuorum: true })
    c.elect('n1')
    c.isolate('n4', 'n5')
    for (let i = 0; i < 100; i++) {
      for (const id of ['n1', 'n2', 'n3']) c.node(id).raw.tick()
      c.stabilize()
    }
    expect(c.leader()?.id).toBe('n1')
    expect(terms(c, ['n1', 'n2', 'n3'])).toEqual([1, 1, 1])
  })

  it('a follower that heard from its leader recently ignores a vote request of a higher term', () => {
    // Reference: thesis section 4.2.3 ("if a server receives a RequestVote request within the minimum election
    // timeout of hearing from a current leader, it does not update its term or grant its vote").
    const r = newRaw('n2', ids3, { checkQuorum: true })
    r.step({ type: 'MsgHeartbeat', from: 'n1', to: 'n2', term: 1, commit: 0 })
    drain(r)
    const vote: Message = { type: 'MsgVote', from: 'n3', to: 'n2', term: 7, index: 9, logTerm: 9 }
    r.step(vote)
    expect(r.status()).toMatchObject({ term: 1, vote: null, leader: 'n1' })
    expect(drain(r).messages).toEqual([])
    // After an election timeout of silence the same request is granted.
    for (let i = 0; i < 10; i++) r.tick()
    r.step(vote)
    expect(r.status()).toMatchObject({ term: 7, vote: 'n3' })
  })
})
