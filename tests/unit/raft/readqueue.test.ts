import { describe, expect, it } from 'vitest'
import { ReadIndex } from '../../../src/raft/readindex.ts'

const voters = ['n1', 'n2', 'n3', 'n4', 'n5']

describe('ReadIndex queues', () => {
  it('confirms a read once a majority of voters acknowledged it, and every earlier read with it', () => {
    // Reference: thesis section 6.4 (the leader still led when the later read was registered, so when each earlier one was).
    const q = new ReadIndex()
    expect(q.request('a', 3, 'n1', voters)).toBe(false)
    expect(q.request('b', 4, 'n1', voters)).toBe(false)
    expect(q.request('c', 5, 'n1', voters)).toBe(false)
    q.ack('b', 'n2', voters)
    q.ack('b', 'n2', voters) // the same node twice is one acknowledgement
    expect(q.hasOutput()).toBe(false)
    q.ack('b', 'n3', voters)
    expect(q.takeStates()).toEqual([{ ctx: 'a', index: 3 }, { ctx: 'b', index: 4 }])
    expect(q.takeStates()).toEqual([])
    q.abandon()
    expect(q.takeFailed()).toEqual(['c'])
  })

  it('does not count acknowledgements of nodes outside the voters', () => {
    const q = new ReadIndex()
    q.request('a', 1, 'n1', voters)
    for (const learner of ['l1', 'l2', 'l3']) q.ack('a', learner, voters)
    expect(q.hasOutput()).toBe(false)
  })

  it('a lone voter confirms at once; an abandoned leader fails registered reads before parked ones', () => {
    const q = new ReadIndex()
    expect(q.request('solo', 2, 'n1', ['n1'])).toBe(true)
    expect(q.takeStates()).toEqual([{ ctx: 'solo', index: 2 }])
    q.awaitCommit('p1')
    q.request('r1', 2, 'n1', voters)
    q.awaitCommit('p2')
    q.abandon()
    expect(q.hasAwaitingCommit()).toBe(false)
    expect(q.takeFailed()).toEqual(['r1', 'p1', 'p2'])
  })
})
