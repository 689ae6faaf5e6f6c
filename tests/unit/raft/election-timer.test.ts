import { describe, expect, it } from 'vitest'
import type { Message, RawNode } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']

/** A random source that always draws `r`: the randomized election timeout is then electionTick + floor(r * electionTick). */
const fixed = (r: number) => () => r

function vote(from: string, to: string, term: number, index: number, logTerm: number): Message {
  return { type: 'MsgVote', from, to, term, index, logTerm }
}

/** n1 of a 3-node cluster at term 2, no leader, holding entries 1@1 2@2, its timer `elapsed` ticks on. */
function follower(elapsed: number): RawNode {
  const r = newRaw('n1', ids3, { random: fixed(0.5) }, disk(log(1, 2), 2))
  for (let i = 0; i < elapsed; i++) r.tick()
  drain(r)
  expect(r.status()).toMatchObject({ role: 'follower', term: 2, electionElapsed: elapsed, electionTimeout: 15 })
  return r
}

describe('Figure 2: only granting a vote (or hearing from the leader) restarts a follower election timer', () => {
  it('a follower that refuses a higher-term vote to a candidate with an older log adopts the term and keeps its timer', () => {
    // Reference: Figure 2, Followers ("If election timeout elapses without receiving AppendEntries RPC from current
    // leader or granting vote to candidate: convert to candidate"); etcd-io/raft#167. etcd restarts the timer here.
    const r = follower(9)
    r.step(vote('n2', 'n1', 3, 1, 1))
    const rd = drain(r)
    expect(rd.messages).toEqual([{ type: 'MsgVoteResp', from: 'n1', to: 'n2', term: 3, reject: true }])
    expect(r.status()).toMatchObject({ role: 'follower', term: 3, vote: null, electionElapsed: 9, electionTimeout: 15 })
    // Its own timeout still falls where it did: 6 more ticks, and it campaigns in term 4.
    for (let i = 0; i < 5; i++) r.tick()
    expect(r.status().role).toBe('follower')
    r.tick()
    expect(r.status()).toMatchObject({ role: 'candidate', term: 4 })
  })

  it('a follower that grants the vote restarts its timer', () => {
    const r = follower(9)
    r.step(vote('n2', 'n1', 3, 2, 2))
    const rd = drain(r)
    expect(rd.messages).toEqual([{ type: 'MsgVoteResp', from: 'n1', to: 'n2', term: 3, reject: false }])
    expect(r.status()).toMatchObject({ role: 'follower', term: 3, vote: 'n2', electionElapsed: 0 })
  })

  it('a candidate that refuses a higher-term vote steps down and keeps the timer of its own election', () => {
    const r = newRaw('n1', ids3, { random: fixed(0.5) }, disk(log(1, 2), 2))
    r.campaign()
    for (let i = 0; i < 4; i++) r.tick()
    drain(r)
    expect(r.status()).toMatchObject({ role: 'candidate', term: 3, electionElapsed: 4 })
    r.step(vote('n2', 'n1', 4, 1, 1))
    drain(r)
    expect(r.status()).toMatchObject({ role: 'follower', term: 4, vote: null, electionElapsed: 4, electionTimeout: 15 })
  })

  it('a leader deposed by a higher-term vote it refuses starts a fresh election timer', () => {
    // A leader's elapsed count measures check-quorum rounds, not silence from a leader: it is not carried over.
    const r = newRaw('n1', ids3, { random: fixed(0.5) }, disk(log(1, 2), 2))
    r.campaign()
    r.step({ type: 'MsgVoteResp', from: 'n2', to: 'n1', term: 3, reject: false })
    for (let i = 0; i < 4; i++) r.tick()
    drain(r)
    expect(r.status().role).toBe('leader')
    r.step(vote('n2', 'n1', 4, 1, 1))
    drain(r)
    expect(r.status()).toMatchObject({ role: 'follower', term: 4, electionElapsed: 0 })
  })

  it('a candidate with an older log that times out first again and again no longer keeps the up-to-date voters from campaigning', () => {
    // The mechanism of harsh fuzz seed 292 (no PreVote): after healing, only some voters hold a log the others
    // would vote for. A voter with an older log times out first, campaigns in a higher term and loses; every
    // voter that refused it moved to that term. Had they restarted their timers (as etcd does), the stale voter,
    // whose timeout is shorter, would fire first again every time, and the cluster would never elect a leader.
    // Here: n2 (log 1@1, timeout 10) against n1 and n3 (log 1@1 2@2, timeout 19).
    const c = new Cluster([])
    c.load('n1', ids3, disk(log(1, 2), 2), { random: fixed(0.9) })
    c.load('n2', ids3, disk(log(1), 2), { random: fixed(0) })
    c.load('n3', ids3, disk(log(1, 2), 2), { random: fixed(0.9) })
    const rounds = c.tickUntil(() => c.leader() !== undefined, 60)
    // n2 campaigned (and lost) at round 10; n1 and n3 kept counting and n1, ticked first, won at round 19.
    expect(rounds).toBe(19)
    expect(c.leader()!.id).toBe('n1')
    expect(c.node('n1').raw.status().term).toBe(4)
    expect(c.count((m) => m.type === 'MsgVote' && m.from === 'n2')).toBe(2)
  })
})
