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
})
