import { describe, it, expect } from 'vitest'
import { LivenessChecker } from '../../../src/check/liveness.ts'
import type { LogView } from '../../../src/check/safety.ts'

const log: LogView = { firstIndex: () => 1, lastIndex: () => 0, term: () => undefined }
const entry = (index: number) => ({ index, term: 1, kind: 'command' as const, data: 'x' })

describe('LivenessChecker', () => {
  it('is satisfied by a leader and a new commit within the bounds', () => {
    const c = new LivenessChecker({ leaderWithinMs: 100, commitWithinMs: 200, seed: 9 })
    c.observe({ type: 'apply', node: 'n1', entry: entry(1) })
    c.check(10) // before start: nothing is judged
    c.start(50)
    expect(c.started).toBe(true)
    c.check(60)
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    c.observe({ type: 'role', node: 'n2', role: 'follower', term: 2, log })
    c.check(120)
    c.observe({ type: 'apply', node: 'n2', entry: entry(2) })
    c.check(180)
    c.finish(1000)
    expect(c.violations).toEqual([])
    expect(c.leaderAt).toBe(120)
    expect(c.commitAt).toBe(180)
  })

  it('reports no leader, and no new commit, once their bounds pass', () => {
    const c = new LivenessChecker({ leaderWithinMs: 100, commitWithinMs: 200, seed: 9 })
    c.observe({ type: 'role', node: 'n1', role: 'follower', term: 1, log })
    c.observe({ type: 'apply', node: 'n1', entry: entry(1) })
    c.start(0)
    c.observe({ type: 'apply', node: 'n2', entry: entry(1) }) // a re-apply is not progress
    c.check(100)
    expect(c.violations).toEqual([])
    c.check(101)
    expect(c.violations.map((v) => v.property)).toEqual(['Liveness'])
    expect(c.violations[0].message).toContain('no leader within 100 ms')
    expect(c.violations[0].seed).toBe(9)
    c.finish(500)
    expect(c.violations).toHaveLength(2)
    expect(c.violations[1].message).toContain('nothing new committed within 200 ms')
    c.finish(600)
    expect(c.violations).toHaveLength(2) // each bound is reported once
  })

  it('does not count a deposed leader that has not heard of the higher term, nor one that is down', () => {
    const c = new LivenessChecker({ leaderWithinMs: 100, commitWithinMs: 1000 })
    c.start(0)
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    c.observe({ type: 'role', node: 'n2', role: 'candidate', term: 3, log })
    c.check(10)
    expect(c.leaderAt).toBeNull()
    c.observe({ type: 'role', node: 'n3', role: 'leader', term: 4, log })
    c.observe({ type: 'crash', node: 'n3' })
    c.check(20)
    expect(c.leaderAt).toBeNull()
    c.observe({ type: 'restart', node: 'n3', index: 0, term: 0 })
    c.observe({ type: 'role', node: 'n3', role: 'follower', term: 4, log })
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 5, log })
    c.check(30)
    expect(c.leaderAt).toBe(30)
  })

  it('reports a live member that does not catch up with the history within the bound, once, and only members', () => {
    const members = ['n1', 'n2', 'n3']
    const c = new LivenessChecker({ leaderWithinMs: 1000, commitWithinMs: 1000, catchUpWithinMs: 100, members: () => members })
    for (const n of ['n1', 'n2', 'n3', 'n4']) c.observe({ type: 'role', node: n, role: n === 'n1' ? 'leader' : 'follower', term: 1, log })
    c.start(0)
    for (const n of ['n1', 'n2']) for (let i = 1; i <= 3; i++) c.observe({ type: 'apply', node: n, entry: entry(i) })
    c.check(10) // n3 (and n4, not a member) fall behind 3 here
    c.observe({ type: 'restore', node: 'n3', index: 2, term: 1 }) // a snapshot: closer, not there
    c.check(110)
    expect(c.violations).toEqual([])
    c.check(111)
    expect(c.violations).toHaveLength(1)
    expect(c.violations[0].message).toBe('n3 did not catch up: the cluster committed 3 by 10 ms, n3 applied only up to 2 within 100 ms')
    expect(c.violations[0].nodes).toEqual(['n3'])
    c.check(500)
    expect(c.violations).toHaveLength(1) // once per target
    c.observe({ type: 'apply', node: 'n3', entry: entry(3) })
    c.check(510)
    expect(c.slowestCatchUp).toEqual({ ms: 0, node: null }) // a reported lag is not a measurement
    // A node that crashes is not judged while down; after a restart the clock starts again.
    c.observe({ type: 'apply', node: 'n1', entry: entry(4) })
    c.observe({ type: 'apply', node: 'n3', entry: entry(4) })
    c.check(520)
    c.observe({ type: 'crash', node: 'n2' })
    c.check(700)
    expect(c.violations).toHaveLength(1)
    c.observe({ type: 'restart', node: 'n2', index: 0, term: 0 })
    c.check(710)
    for (let i = 1; i <= 4; i++) c.observe({ type: 'apply', node: 'n2', entry: entry(i) })
    c.check(760)
    expect(c.violations).toHaveLength(1)
    expect(c.slowestCatchUp).toEqual({ ms: 50, node: 'n2' })
  })

  it('reports leadership churn: more elections after start than allowed, leaders before start not counted', () => {
    const c = new LivenessChecker({ leaderWithinMs: 1000, commitWithinMs: 1000, maxElections: 2 })
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 1, log })
    c.start(0)
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 1, log }) // the same leadership again
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 2, log })
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 3, log })
    c.check(10)
    expect(c.elections).toBe(2)
    expect(c.violations).toEqual([])
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 4, log })
    c.check(20)
    expect(c.violations.map((v) => v.message)).toEqual(['leadership churns: 3 elections after faults stopped at 0 ms (at most 2 allowed)'])
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 5, log })
    c.check(30)
    expect(c.violations).toHaveLength(1)
  })
})
