import { describe, it, expect } from 'vitest'
import { cellAt, indexRange, lastIndexOf, progressOf, type Row } from '../../../src/ui/log/model.ts'
import type { EntryView, NodeSummary } from '../../../src/node/protocol.ts'

function entries(from: number, terms: number[]): EntryView[] {
  return terms.map((term, i) => ({ index: from + i, term, kind: 'command', label: `e${from + i}` }))
}

function row(id: string, from: number, terms: number[], commit: number, applied: number, snap = { index: from - 1, term: 1 }, extra: Partial<NodeSummary> = {}): Row {
  const summary = { commit, applied, role: 'follower', term: 1, ...extra } as NodeSummary
  return { id, state: 'up', summary, log: { from, entries: entries(from, terms), snapshot: snap } }
}

describe('log timeline model', () => {
  // Figure 7-like: the leader has 1 1 1 4 4 5 5 6 6 6; a follower diverged after index 4.
  const leader = row('n1', 1, [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 8, 7, { index: 0, term: 0 }, { role: 'leader', progress: { n2: { match: 4, next: 5, state: 'probe' } } })
  const follower = row('n2', 1, [1, 1, 1, 4, 4, 4, 4, 4, 4], 4, 4, { index: 0, term: 0 })

  it('marks committed, applied and uncommitted entries', () => {
    expect(cellAt(leader, 7, leader)).toMatchObject({ kind: 'entry', committed: true, applied: true, conflict: false })
    expect(cellAt(leader, 8, leader)).toMatchObject({ committed: true, applied: false })
    expect(cellAt(leader, 9, leader)).toMatchObject({ committed: false, applied: false })
  })

  it('shows a follower’s conflicting suffix against the leader', () => {
    expect(cellAt(follower, 5, leader).conflict).toBe(false)
    for (const i of [6, 7, 8, 9]) expect(cellAt(follower, i, leader).conflict).toBe(true)
    expect(cellAt(follower, 10, leader).kind).toBe('none')
  })

  it('entries beyond the leader’s log will be overwritten: they conflict too', () => {
    const stale = row('n3', 1, [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6, 6], 8, 8, { index: 0, term: 0 })
    expect(cellAt(stale, 11, leader).conflict).toBe(true)
    expect(cellAt(stale, 10, leader).conflict).toBe(false)
  })

  it('without a leader nothing is marked as conflicting', () => {
    expect(cellAt(follower, 7, null).conflict).toBe(false)
  })

  it('indexes inside the snapshot are the snapshot', () => {
    const compacted = row('n4', 201, [7, 7], 202, 202, { index: 200, term: 6 })
    expect(cellAt(compacted, 150, leader).kind).toBe('snapshot')
    expect(cellAt(compacted, 201, leader).kind).toBe('entry')
    expect(lastIndexOf(compacted.log)).toBe(202)
    expect(lastIndexOf({ from: 201, entries: [], snapshot: { index: 200, term: 6 } })).toBe(200)
  })

  it('the range spans the smallest snapshot boundary to the longest log', () => {
    const compacted = row('n4', 201, [7, 7], 202, 202, { index: 200, term: 6 })
    expect(indexRange([compacted, leader])).toEqual({ first: 1, last: 202 })
    expect(indexRange([compacted])).toEqual({ first: 200, last: 202 })
    expect(indexRange([])).toEqual({ first: 1, last: 1 })
  })

  it('gives the leader’s match and next for followers only', () => {
    expect(progressOf(leader, 'n2')).toEqual({ match: 4, next: 5, state: 'probe' })
    expect(progressOf(leader, 'n1')).toBeNull()
    expect(progressOf(null, 'n2')).toBeNull()
  })
})
