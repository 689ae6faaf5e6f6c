import { describe, expect, it } from 'vitest'
import { NotLeaderError } from '../../../src/raft/index.ts'
import { Cluster } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

describe('leadership transfer (thesis section 3.10)', () => {
  it('an up-to-date target gets MsgTimeoutNow at once and wins the next term', () => {
    // Reference: thesis section 3.10 ("the prior leader sends a TimeoutNow request to the target server ...
    // the target server ... start[s] a new election").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.node('n1').raw.transferLeadership('n2')
    expect(c.node('n1').raw.status().leadTransferee).toBe('n2')
    c.stabilize()
    expect(c.node('n2').raw.status()).toMatchObject({ role: 'leader', term: 2 })
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', leader: 'n2', leadTransferee: null })
    expect(c.count((m) => m.type === 'MsgTimeoutNow')).toBe(1)
    expect(c.sent.find((m) => m.type === 'MsgVote' && m.from === 'n2')?.transfer).toBe(true)
  })

  it('a target that is behind is caught up first, then told to campaign', () => {
    // Reference: thesis section 3.10 ("the prior leader ... transfers all of its log entries to the target").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n3')
    for (const v of ['a', 'b', 'c']) c.propose('n1', v)
    c.heal()
    c.node('n1').raw.transferLeadership('n3')
    c.flush()
    expect(c.queue.some((m) => m.type === 'MsgTimeoutNow')).toBe(false)
    c.stabilize()
    const timeoutAt = c.sent.findIndex((m) => m.type === 'MsgTimeoutNow')
    const caughtUpAt = c.sent.findIndex((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.index === 4 && !m.reject)
    expect(caughtUpAt).toBeGreaterThanOrEqual(0)
    expect(timeoutAt).toBeGreaterThan(caughtUpAt)
    expect(c.node('n3').raw.status()).toMatchObject({ role: 'leader', term: 2 })
    c.propose('n3', 'd')
    for (const id of ids3) expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'b', 'c', 'noop', 'd'])
  })

  it('proposals and configuration changes are refused while a transfer is under way', () => {
    // Reference: thesis section 3.10 ("the prior leader should stop accepting new client requests").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.isolate('n2')
    c.node('n1').raw.transferLeadership('n2')
    c.stabilize()
    let err: unknown
    try {
      c.node('n1').raw.propose('x')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(NotLeaderError)
    expect((err as Error).message).toMatch(/transfer/)
    expect(() => c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })).toThrow(/transfer/)
  })

  it('a transfer to an unreachable target is abandoned after an election timeout, and proposals work again', () => {
    // Reference: thesis section 3.10 ("If the transfer does not complete within an election timeout, the prior
    // leader aborts the transfer and resumes accepting client requests").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n2')
    c.node('n1').raw.transferLeadership('n2')
    for (let i = 0; i < 9; i++) c.tick('n1')
    expect(c.node('n1').raw.status().leadTransferee).toBe('n2')
    expect(() => c.node('n1').raw.propose('x')).toThrow(/transfer/)
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'leader', term: 1, leadTransferee: null })
    expect(c.propose('n1', 'y')).toEqual({ index: 2, term: 1 })
    expect(c.node('n3').raw.status().commit).toBe(2)
  })

  it('transfer is refused on a follower, to itself, to a learner and to an unknown node', () => {
    // Reference: thesis section 3.10 (the leader hands over to another voting server).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.add('n4', [])
    c.node('n1').raw.proposeConfChange({ type: 'addLearner', node: 'n4' })
    c.stabilize()
    const r = c.node('n1').raw
    expect(() => c.node('n2').raw.transferLeadership('n3')).toThrow(NotLeaderError)
    expect(() => r.transferLeadership('n1')).toThrow(/already the leader/)
    expect(() => r.transferLeadership('n4')).toThrow(/learner/)
    expect(() => r.transferLeadership('n9')).toThrow(/not a member/)
    expect(r.status().leadTransferee).toBeNull()
  })

  it('asking twice for the same target sends one MsgTimeoutNow', () => {
    // Reference: thesis section 3.10.
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n2')
    c.node('n1').raw.transferLeadership('n2')
    c.node('n1').raw.transferLeadership('n2')
    c.stabilize()
    expect(c.count((m) => m.type === 'MsgTimeoutNow')).toBe(1)
  })

  it('with pre-vote and check quorum the target campaigns at once and the voters waive their lease', () => {
    // Reference: thesis section 3.10 with sections 4.2.3 and 9.6 (the disruption guards must not block a
    // transfer the leader asked for).
    const c = new Cluster(['n1', 'n2', 'n3', 'n4', 'n5'], { preVote: true, checkQuorum: true })
    c.elect('n1')
    c.propose('n1', 'a')
    c.node('n1').raw.transferLeadership('n4')
    c.stabilize()
    expect(c.node('n4').raw.status()).toMatchObject({ role: 'leader', term: 2 })
    expect(c.count((m) => m.type === 'MsgPreVote' && m.from === 'n4')).toBe(0)
    expect(c.count((m) => m.type === 'MsgVote' && m.from === 'n4' && m.transfer === true)).toBe(4)
  })
})
