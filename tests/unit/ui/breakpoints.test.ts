import { describe, it, expect } from 'vitest'
import { BreakMatcher, sameSpec, type Breakpoint } from '../../../src/ui/check/breakpoints.ts'
import type { ClusterEvent } from '../../../src/browser/scheduler.ts'
import type { NodeSummary } from '../../../src/node/protocol.ts'
import type { Role } from '../../../src/raft/types.ts'

const log = { firstIndex: () => 1, lastIndex: () => 0, term: () => undefined }
const role = (node: string, r: Role, term: number, at: number): ClusterEvent => ({ type: 'observation', at, obs: { type: 'role', node, role: r, term, log } })
const summary = (node: string, commit: number, at: number): ClusterEvent => ({ type: 'summary', at, node, summary: { commit } as NodeSummary })
const recovered = (node: string, at: number): ClusterEvent => ({ type: 'recovered', at, node, recovery: {} as never })

describe('breakpoint matching', () => {
  it('a role breakpoint for any node hits on that role only, with the node, term and time of the event', () => {
    const m = new BreakMatcher()
    const bps: Breakpoint[] = [{ id: 1, kind: 'role', role: 'leader', node: null }]
    expect(m.handle(role('n2', 'precandidate', 1, 5), bps)).toBeNull()
    expect(m.handle(role('n2', 'candidate', 2, 6), bps)).toBeNull()
    expect(m.handle(role('n2', 'follower', 2, 7), bps)).toBeNull()
    expect(m.handle(role('n3', 'leader', 3, 40), bps)).toEqual({ id: 1, kind: 'role', role: 'leader', node: 'n3', term: 3, at: 40 })
    // The end-of-step marker and other events are not role changes.
    expect(m.handle({ type: 'observation', at: 41, obs: null }, bps)).toBeNull()
    expect(m.handle({ type: 'tick', at: 42 }, bps)).toBeNull()
  })

  it('a role breakpoint for a chosen node ignores the others; the first matching breakpoint wins', () => {
    const m = new BreakMatcher()
    const bps: Breakpoint[] = [
      { id: 1, kind: 'role', role: 'candidate', node: 'n1' },
      { id: 2, kind: 'role', role: 'candidate', node: null },
    ]
    expect(m.handle(role('n2', 'candidate', 2, 10), [bps[0]])).toBeNull()
    expect(m.handle(role('n1', 'candidate', 2, 11), bps)).toMatchObject({ id: 1, node: 'n1', term: 2, at: 11 })
    expect(m.handle(role('n2', 'candidate', 3, 12), bps)).toMatchObject({ id: 2, node: 'n2', term: 3 })
    // Campaigning again in a new term is becoming candidate again.
    expect(m.handle(role('n1', 'candidate', 4, 13), bps)).toMatchObject({ id: 1, term: 4 })
  })

  it('a commit breakpoint hits once, when the first node reaches the index, even by a jump over it', () => {
    const m = new BreakMatcher()
    const bps: Breakpoint[] = [{ id: 7, kind: 'commit', index: 3 }]
    expect(m.handle(summary('n1', 1, 10), bps)).toBeNull()
    expect(m.handle(summary('n1', 2, 20), bps)).toBeNull()
    expect(m.handle(summary('n1', 4, 30), bps)).toEqual({ id: 7, kind: 'commit', index: 3, node: 'n1', commit: 4, at: 30 })
    // A follower learning the same commit later, or the leader going further, does not hit it again.
    expect(m.handle(summary('n2', 4, 31), bps)).toBeNull()
    expect(m.handle(summary('n1', 9, 40), bps)).toBeNull()
    expect(m.committed).toBe(9)
  })

  it('what a node recovered from its disk is already committed: its first summary after a start hits nothing', () => {
    const m = new BreakMatcher()
    const bps: Breakpoint[] = [{ id: 1, kind: 'commit', index: 5 }, { id: 2, kind: 'commit', index: 12 }]
    m.handle(recovered('n1', 0), bps)
    m.handle(recovered('n2', 0), bps)
    expect(m.handle(summary('n1', 10, 0), bps)).toBeNull()
    expect(m.handle(summary('n2', 8, 0), bps)).toBeNull()
    expect(m.committed).toBe(10)
    // Its later summaries count: n2 catching up to 10 is not new; the leader committing 12 is.
    expect(m.handle(summary('n2', 10, 50), bps)).toBeNull()
    expect(m.handle(summary('n1', 12, 60), bps)).toMatchObject({ id: 2, index: 12, at: 60 })
  })

  it('with no breakpoints nothing hits, and the commit seen still advances', () => {
    const m = new BreakMatcher()
    expect(m.handle(role('n1', 'leader', 1, 1), [])).toBeNull()
    expect(m.handle(summary('n1', 3, 2), [])).toBeNull()
    expect(m.committed).toBe(3)
  })

  it('sameSpec compares what a breakpoint watches, not its id', () => {
    expect(sameSpec({ kind: 'role', role: 'leader', node: null }, { kind: 'role', role: 'leader', node: null })).toBe(true)
    expect(sameSpec({ kind: 'role', role: 'leader', node: null }, { kind: 'role', role: 'leader', node: 'n1' })).toBe(false)
    expect(sameSpec({ kind: 'role', role: 'leader', node: null }, { kind: 'role', role: 'candidate', node: null })).toBe(false)
    expect(sameSpec({ kind: 'commit', index: 3 }, { kind: 'commit', index: 3 })).toBe(true)
    expect(sameSpec({ kind: 'commit', index: 3 }, { kind: 'role', role: 'leader', node: null })).toBe(false)
  })
})
