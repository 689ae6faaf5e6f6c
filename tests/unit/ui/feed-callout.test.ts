import { describe, it, expect } from 'vitest'
import { Feed } from '../../../src/ui/state/feed.ts'
import type { NodeSummary } from '../../../src/node/protocol.ts'
import type { NodeId, Role } from '../../../src/raft/types.ts'

function sum(id: NodeId, role: Role, term: number, leader: NodeId | null): NodeSummary {
  return {
    id,
    role,
    term,
    leader,
    commit: 3,
    lastIndex: 3,
    voters: ['n1', 'n2', 'n3'],
    learners: [],
    vote: null,
    applied: 3,
    firstIndex: 1,
    snapshotIndex: 0,
    snapshotTerm: 0,
    electionElapsed: 0,
    electionTimeout: 12,
    votesGranted: role === 'precandidate' ? 1 : 0,
    votesRejected: 0,
    leadTransferee: null,
    storage: 'durable',
    kvSize: 0,
    persistedIndex: 3,
  }
}

function feed(): { f: Feed; at: () => number; tick: (ms: number) => void } {
  let now = 0
  const f = new Feed({ travel: () => 10, volatile: () => false, now: () => now })
  f.calloutText = (o) => `${o.k}:${'leader' in o ? o.leader : ''}`
  return { f, at: () => now, tick: (ms) => (now += ms) }
}

describe('a forced election timeout that changes nothing is explained on the graph', () => {
  it('a follower that still hears its leader: its pre-vote is refused, and the callout says so', () => {
    const { f, at, tick } = feed()
    for (const id of ['n1', 'n2', 'n3']) f.handle({ type: 'summary', at: at(), node: id, summary: sum(id, id === 'n1' ? 'leader' : 'follower', 2, 'n1') })
    f.markForced('n2')
    tick(10)
    f.handle({ type: 'summary', at: at(), node: 'n2', summary: sum('n2', 'precandidate', 2, null) })
    tick(10)
    f.handle({ type: 'sent', at: at(), id: 1, msg: { type: 'MsgPreVoteResp', from: 'n3', to: 'n2', term: 2, reject: true }, deliverAt: [at() + 10] })
    expect(f.node('n2').callout).toBeUndefined()
    tick(10)
    f.handle({ type: 'summary', at: at(), node: 'n2', summary: { ...sum('n2', 'follower', 2, null), votesRejected: 2 } })
    expect(f.node('n2').callout?.text).toBe('leaderAlive:n1')
  })

  it('a pre-candidate that hears the leader before any refusal: "heard the leader"', () => {
    const { f, at, tick } = feed()
    for (const id of ['n1', 'n2', 'n3']) f.handle({ type: 'summary', at: at(), node: id, summary: sum(id, id === 'n1' ? 'leader' : 'follower', 2, 'n1') })
    f.markForced('n3')
    tick(10)
    f.handle({ type: 'summary', at: at(), node: 'n3', summary: sum('n3', 'precandidate', 2, null) })
    tick(10)
    f.handle({ type: 'summary', at: at(), node: 'n3', summary: sum('n3', 'follower', 2, 'n1') })
    expect(f.node('n3').callout?.text).toBe('leaderFound:n1')
  })

  it('no callout when the forced node goes on to campaign, nor for a natural election long after', () => {
    const { f, at, tick } = feed()
    for (const id of ['n1', 'n2', 'n3']) f.handle({ type: 'summary', at: at(), node: id, summary: sum(id, 'follower', 2, null) })
    f.markForced('n2')
    tick(10)
    f.handle({ type: 'summary', at: at(), node: 'n2', summary: sum('n2', 'precandidate', 2, null) })
    f.handle({ type: 'summary', at: at(), node: 'n2', summary: sum('n2', 'candidate', 3, null) })
    f.handle({ type: 'summary', at: at(), node: 'n2', summary: sum('n2', 'follower', 3, null) })
    expect(f.node('n2').callout).toBeUndefined()
    // n3 was told to campaign but its summary showed no change; much later it loses a pre-vote of its own.
    f.markForced('n3')
    tick(60_000)
    f.handle({ type: 'summary', at: at(), node: 'n3', summary: sum('n3', 'precandidate', 2, null) })
    f.handle({ type: 'summary', at: at(), node: 'n3', summary: sum('n3', 'follower', 2, null) })
    expect(f.node('n3').callout).toBeUndefined()
  })

  it('a pre-vote refused by the leader itself counts as "the leader is alive", not as a log behind', () => {
    const { f, at, tick } = feed()
    for (const id of ['n1', 'n2', 'n3']) f.handle({ type: 'summary', at: at(), node: id, summary: sum(id, id === 'n1' ? 'leader' : 'follower', 2, 'n1') })
    tick(10)
    f.handle({ type: 'sent', at: at(), id: 2, msg: { type: 'MsgPreVoteResp', from: 'n1', to: 'n2', term: 2, reject: true }, deliverAt: [at() + 10] })
    let refusal: string | undefined
    f.forEachRecord((r) => {
      if (r.d.k === 'voteReply') refusal = r.d.refusal
    })
    expect(refusal).toBe('leaderAlive')
  })
})
