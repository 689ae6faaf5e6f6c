import { describe, it, expect } from 'vitest'
import {
  SafetyChecker,
  ViolationError,
  formatViolation,
  type LogView,
  type Observation,
  type Property,
} from '../../../src/check/safety.ts'
import type { Entry } from '../../../src/raft/types.ts'

/** A log for feeding the checker by hand: entries after a snapshot at `snapIndex`. */
class ArrayLog implements LogView {
  entries: Entry[]
  snapIndex: number
  snapTerm: number
  constructor(entries: Entry[] = [], snapIndex = 0, snapTerm = 0) {
    this.entries = entries
    this.snapIndex = snapIndex
    this.snapTerm = snapTerm
  }
  firstIndex(): number {
    return this.snapIndex + 1
  }
  lastIndex(): number {
    return this.snapIndex + this.entries.length
  }
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm
    return this.entries[i - this.snapIndex - 1]?.term
  }
}

const cmd = (index: number, term: number, data = `v${index}.${term}`): Entry => ({ index, term, kind: 'command', data })
const noop = (index: number, term: number): Entry => ({ index, term, kind: 'noop' })

function persist(node: string, entries: Entry[], prevTerm: number | undefined, lastIndexBefore = entries[0].index - 1): Observation {
  return { type: 'persist', node, entries, prevTerm, lastIndexBefore }
}

/** The node persisted its candidacy of `term`: term and its own vote are on its disk. */
function voted(node: string, term: number, commit = 0): Observation {
  return { type: 'persist', node, entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term, vote: node, commit } }
}

/** A leadership of `term` that is durable: the candidacy persisted, then the role. */
function lead(c: SafetyChecker, node: string, term: number, log: LogView = new ArrayLog()): void {
  c.observe(voted(node, term))
  c.observe({ type: 'role', node, role: 'leader', term, log })
}

function props(c: SafetyChecker): Property[] {
  return c.violations.map((v) => v.property)
}

describe('SafetyChecker on a correct run', () => {
  it('finds nothing, and its counters show it looked', () => {
    const c = new SafetyChecker({ seed: 1 })
    const log1 = new ArrayLog()
    c.observe({ type: 'role', node: 'n1', role: 'candidate', term: 1, log: log1 })
    c.observe(voted('n1', 1))
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 1, log: log1 })
    const ents = [noop(1, 1), cmd(2, 1), cmd(3, 1)]
    log1.entries.push(...ents)
    c.afterEvent()
    c.observe(persist('n1', ents, 0))
    c.observe(persist('n2', ents.slice(0, 2), 0))
    c.observe(persist('n2', ents.slice(2), 1))
    for (const n of ['n1', 'n2']) for (const e of ents) c.observe({ type: 'apply', node: n, entry: e })
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 1, log: log1 }) // a repeat is not a new election
    c.afterEvent()
    expect(c.violations).toEqual([])
    expect(c.ok).toBe(true)
    const s = c.stats()
    expect(s.elections).toBe(1)
    expect(s.leaderTerms).toBe(1)
    expect(s.committed).toBe(3)
    expect(s.logMatches).toBe(3)
    expect(s.appliesCompared).toBe(3)
    expect(s.appendOnlyChecks).toBe(2)
    expect(c.committed).toBe(3)
    expect(c.committedEntry(2)).toEqual({ term: 1, kind: 'command', data: 'v2.1', node: 'n1' })
    expect(c.committedEntry(4)).toBeUndefined()
    expect(c.leaderOf(1)).toBe('n1')
  })
})

describe('Election Safety', () => {
  it('reports two leaders in one term, naming both and the term', () => {
    const c = new SafetyChecker({ seed: 77 })
    c.now = 1234
    lead(c, 'n1', 2)
    lead(c, 'n2', 3)
    expect(c.ok).toBe(true)
    lead(c, 'n3', 2)
    expect(c.violations).toHaveLength(1)
    const v = c.violations[0]
    expect(v).toMatchObject({ property: 'ElectionSafety', nodes: ['n1', 'n3'], term: 2, seed: 77, time: 1234 })
    expect(formatViolation(v)).toBe('[seed 77] ElectionSafety term 2 (n1, n3) at 1234 ms: two leaders in term 2: n1 and n3')
  })

  it('throws a ViolationError when asked to', () => {
    const c = new SafetyChecker({ seed: 5, throwOnViolation: true })
    lead(c, 'n1', 1)
    let caught: unknown
    try {
      lead(c, 'n2', 1)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(ViolationError)
    expect((caught as ViolationError).violation.property).toBe('ElectionSafety')
    expect((caught as ViolationError).message).toContain('[seed 5]')
  })

  // Finding 4: a node that is the only voter of its configuration wins by its own vote in memory, crashes
  // before that Ready reaches its disk, restarts at the old term and votes for another node in the same term.
  it('does not count a leadership that never reached a disk or the network', () => {
    const c = new SafetyChecker({ seed: 10988 })
    c.observe({ type: 'persist', node: 'n1', entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term: 4, vote: 'n1', commit: 3 } })
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 5, log: new ArrayLog() }) // its Ready (term 5, vote n1) is being written
    expect(c.leaderOf(5)).toBeUndefined()
    c.observe({ type: 'crash', node: 'n1' })
    c.observe({ type: 'restart', node: 'n1', index: 0, term: 0 })
    c.observe({ type: 'role', node: 'n1', role: 'follower', term: 4, log: new ArrayLog() })
    c.observe({ type: 'persist', node: 'n1', entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term: 5, vote: 'n2', commit: 3 } })
    lead(c, 'n2', 5)
    expect(c.violations).toEqual([])
    expect(c.leaderOf(5)).toBe('n2')
    expect(c.stats().elections).toBe(2)
    expect(c.stats().leaderTerms).toBe(1)
  })

  it('counts an in-memory leadership once its term and vote are persisted, or once it sends a leader\'s message', () => {
    // Durable later: the Ready with term 5 and the own vote lands after the role was seen.
    const d = new SafetyChecker()
    d.observe({ type: 'role', node: 'n1', role: 'leader', term: 5, log: new ArrayLog() })
    d.observe(voted('n1', 5))
    expect(d.leaderOf(5)).toBe('n1')
    d.observe({ type: 'crash', node: 'n1' })
    lead(d, 'n2', 5)
    expect(props(d)).toEqual(['ElectionSafety'])

    // Visible: it sent an append of term 5 (a host that sends before its write completes), then crashed.
    const v = new SafetyChecker()
    v.observe({ type: 'role', node: 'n1', role: 'leader', term: 5, log: new ArrayLog() })
    v.observe({ type: 'send', node: 'n1', term: 5 })
    v.observe({ type: 'crash', node: 'n1' })
    lead(v, 'n2', 5)
    expect(props(v)).toEqual(['ElectionSafety'])

    // Stepping down within the term (check-quorum) does not erase it: the write may still land.
    const s = new SafetyChecker()
    s.observe({ type: 'role', node: 'n1', role: 'leader', term: 5, log: new ArrayLog() })
    s.observe({ type: 'role', node: 'n1', role: 'follower', term: 5, log: new ArrayLog() })
    s.observe(voted('n1', 5))
    lead(s, 'n2', 5)
    expect(props(s)).toEqual(['ElectionSafety'])

    // The second leader in memory only is counted when its own leadership becomes durable.
    const t = new SafetyChecker()
    lead(t, 'n1', 5)
    t.observe({ type: 'role', node: 'n2', role: 'leader', term: 5, log: new ArrayLog() })
    expect(t.ok).toBe(true)
    t.observe(voted('n2', 5))
    expect(props(t)).toEqual(['ElectionSafety'])
  })
})

describe('Leader Append-Only', () => {
  it('reports a leader whose log shrinks or whose last entry changes term during its term', () => {
    const c = new SafetyChecker()
    const log = new ArrayLog([cmd(1, 1), cmd(2, 1)])
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    log.entries.push(noop(3, 2), cmd(4, 2))
    c.afterEvent()
    expect(c.ok).toBe(true)
    log.entries.pop()
    c.afterEvent()
    expect(props(c)).toEqual(['LeaderAppendOnly'])
    expect(c.violations[0]).toMatchObject({ nodes: ['n1'], index: 4, term: 2 })

    const d = new SafetyChecker()
    const log2 = new ArrayLog([cmd(1, 1), noop(2, 3)])
    d.observe({ type: 'role', node: 'n2', role: 'leader', term: 3, log: log2 })
    log2.entries[1] = cmd(2, 2) // same length, different entry at the end
    d.afterEvent()
    expect(props(d)).toEqual(['LeaderAppendOnly'])
  })

  it('reports a leader that rewrites an entry of its own term it had persisted', () => {
    const c = new SafetyChecker()
    const log = new ArrayLog([cmd(1, 1)])
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    c.observe(persist('n1', [noop(2, 2), cmd(3, 2)], 1))
    expect(c.ok).toBe(true)
    c.observe(persist('n1', [cmd(3, 2, 'other')], 2, 3))
    expect(props(c)).toContain('LeaderAppendOnly')
  })

  it('allows a new leader to persist follower entries of older terms that replace stored ones, and followers to truncate', () => {
    const c = new SafetyChecker()
    // Stored: 1..3 of term 1. As a follower it took 2..3 of term 2, then won term 3 before that was written.
    c.observe(persist('n1', [cmd(1, 1), cmd(2, 1), cmd(3, 1)], 0))
    const log = new ArrayLog([cmd(1, 1), cmd(2, 2), cmd(3, 2), noop(4, 3)])
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 3, log })
    c.observe(persist('n1', [cmd(2, 2), cmd(3, 2), noop(4, 3)], 1, 3))
    // A follower replacing a suffix is normal.
    c.observe(persist('n2', [cmd(1, 1), cmd(2, 1)], 0))
    c.observe(persist('n2', [cmd(2, 2)], 1, 2))
    c.afterEvent()
    expect(c.violations).toEqual([])
    // A Ready that reports a step-down (a higher term, or a follower soft state) truncates as a follower, even
    // before the role observation of the same event arrives.
    c.observe(persist('n1', [noop(5, 3)], 3, 4))
    c.observe({ type: 'persist', node: 'n1', entries: [noop(5, 4)], prevTerm: 3, lastIndexBefore: 5, role: 'follower' })
    expect(c.violations).toEqual([])
    // Once it stops leading, the watch ends.
    c.observe({ type: 'role', node: 'n1', role: 'follower', term: 4, log })
    log.entries.length = 1
    c.afterEvent()
    expect(c.violations).toEqual([])
  })
})

describe('Log Matching', () => {
  it('reports two entries with the same index and term but different contents', () => {
    const c = new SafetyChecker()
    c.observe(persist('n1', [cmd(1, 1, 'a')], 0))
    c.observe(persist('n2', [cmd(1, 1, 'b')], 0))
    expect(c.violations).toHaveLength(1)
    expect(c.violations[0]).toMatchObject({ property: 'LogMatching', nodes: ['n1', 'n2'], index: 1, term: 1 })
  })

  it('reports logs that agree at an index and term but not on the entry before it', () => {
    const c = new SafetyChecker()
    c.observe(persist('n1', [cmd(1, 1), cmd(2, 2), cmd(3, 3)], 0))
    // n2 kept a conflicting entry 2 (term 1) and appended the leader's entry 3 after it.
    c.observe(persist('n2', [cmd(1, 1), cmd(2, 1, 'old')], 0))
    expect(c.ok).toBe(true)
    c.observe(persist('n2', [cmd(3, 3)], 1, 2))
    expect(props(c)).toEqual(['LogMatching'])
    expect(c.violations[0]).toMatchObject({ index: 2, nodes: ['n1', 'n2'] })
  })

  it('reports terms going down and gaps within one write', () => {
    const c = new SafetyChecker()
    c.observe(persist('n1', [cmd(1, 2), cmd(2, 1)], 0))
    c.observe(persist('n2', [cmd(1, 1), cmd(3, 1)], 0))
    expect(props(c)).toEqual(['LogMatching', 'LogMatching'])
  })
})

describe('Leader Completeness', () => {
  it('reports a leader missing an entry committed in an earlier term', () => {
    const c = new SafetyChecker({ seed: 3 })
    for (const e of [noop(1, 1), cmd(2, 1)]) c.observe({ type: 'apply', node: 'n1', entry: e })
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 2, log: new ArrayLog([noop(1, 1), cmd(2, 1), noop(3, 2)]) })
    expect(c.ok).toBe(true)
    c.observe({ type: 'role', node: 'n3', role: 'leader', term: 3, log: new ArrayLog([noop(1, 1)]) })
    expect(c.violations).toHaveLength(1)
    expect(c.violations[0]).toMatchObject({ property: 'LeaderCompleteness', nodes: ['n3', 'n1'], index: 2, term: 1, seed: 3 })
    c.observe({ type: 'role', node: 'n4', role: 'leader', term: 4, log: new ArrayLog([noop(1, 1), cmd(2, 3)]) })
    expect(c.violations[1]).toMatchObject({ property: 'LeaderCompleteness', index: 2 })
    expect(c.stats().completenessChecks).toBeGreaterThanOrEqual(4)
  })

  it('ignores entries committed in the leader\'s own term or later, and entries inside its snapshot', () => {
    const c = new SafetyChecker()
    for (const e of [noop(1, 1), cmd(2, 1), noop(3, 4)]) c.observe({ type: 'apply', node: 'n1', entry: e })
    // A stale candidate of term 3 whose votes arrive late: entry 3 (term 4) is not its business.
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 3, log: new ArrayLog([noop(1, 1), cmd(2, 1)]) })
    // A leader whose log starts after a snapshot at 2.
    c.observe({ type: 'role', node: 'n3', role: 'leader', term: 5, log: new ArrayLog([noop(3, 4)], 2, 1) })
    expect(c.violations).toEqual([])
  })
})

describe('State Machine Safety and apply order', () => {
  it('reports two nodes applying different entries at one index', () => {
    const c = new SafetyChecker()
    c.observe({ type: 'apply', node: 'n1', entry: cmd(1, 1, 'x') })
    c.observe({ type: 'apply', node: 'n2', entry: cmd(1, 1, 'y') })
    c.observe({ type: 'apply', node: 'n3', entry: cmd(1, 2, 'x') })
    expect(props(c)).toEqual(['StateMachineSafety', 'StateMachineSafety'])
    expect(c.violations[0]).toMatchObject({ nodes: ['n1', 'n2'], index: 1 })
  })

  it('reports skipped, repeated and backward applies, but accepts re-applying after a restart', () => {
    const c = new SafetyChecker()
    const e = [noop(1, 1), cmd(2, 1), cmd(3, 1), cmd(4, 1)]
    c.observe({ type: 'apply', node: 'n1', entry: e[0] })
    c.observe({ type: 'apply', node: 'n1', entry: e[1] })
    c.observe({ type: 'crash', node: 'n1' })
    c.observe({ type: 'restart', node: 'n1', index: 0, term: 0 })
    c.observe({ type: 'apply', node: 'n1', entry: e[0] })
    c.observe({ type: 'apply', node: 'n1', entry: e[1] })
    expect(c.ok).toBe(true)
    c.observe({ type: 'apply', node: 'n1', entry: e[1] })
    expect(props(c)).toEqual(['ApplyOrder'])
    c.observe({ type: 'apply', node: 'n1', entry: e[3] })
    expect(props(c)).toEqual(['ApplyOrder', 'ApplyOrder'])
    c.observe({ type: 'restore', node: 'n1', index: 1, term: 1 })
    expect(props(c)).toEqual(['ApplyOrder', 'ApplyOrder', 'ApplyOrder'])
  })

  it('checks snapshots against the history', () => {
    const c = new SafetyChecker()
    c.observe({ type: 'apply', node: 'n1', entry: noop(1, 1) })
    c.observe({ type: 'apply', node: 'n1', entry: cmd(2, 1) })
    c.observe({ type: 'restore', node: 'n2', index: 2, term: 1 })
    c.observe({ type: 'apply', node: 'n2', entry: cmd(3, 1) })
    expect(c.ok).toBe(true)
    c.observe({ type: 'restart', node: 'n3', index: 2, term: 2 })
    expect(props(c)).toEqual(['StateMachineSafety'])
    c.observe({ type: 'persist', node: 'n4', entries: [], prevTerm: undefined, lastIndexBefore: 0, snapshot: { index: 1, term: 9 } })
    expect(props(c)).toEqual(['StateMachineSafety', 'StateMachineSafety'])
  })
})

describe('Durability of the hard state', () => {
  it('reports a term or commit going back, or a vote changing within a term', () => {
    const c = new SafetyChecker()
    const hs = (term: number, vote: string | null, commit: number): Observation => ({
      type: 'persist',
      node: 'n1',
      entries: [],
      prevTerm: undefined,
      lastIndexBefore: 0,
      hardState: { term, vote, commit },
    })
    c.observe(hs(1, null, 0))
    c.observe(hs(1, 'n2', 0))
    c.observe(hs(2, null, 3))
    c.observe(hs(2, 'n3', 3))
    expect(c.ok).toBe(true)
    c.observe(hs(2, 'n1', 3))
    c.observe(hs(2, 'n1', 2))
    c.observe(hs(1, 'n1', 2))
    expect(props(c)).toEqual(['Durability', 'Durability', 'Durability'])
    expect(c.violations[0].message).toContain('vote in term 2 changed from n3 to n1')
  })
})

describe('Leader Append-Only and step-downs', () => {
  it('ends the watch on a persisted higher term, but still catches a leader rewriting itself in its own term', () => {
    const c = new SafetyChecker()
    const log = new ArrayLog([noop(1, 2)])
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    c.observe(persist('n1', [noop(1, 2), cmd(2, 2)], 0))
    c.observe({
      type: 'persist',
      node: 'n1',
      entries: [noop(2, 3)],
      prevTerm: 2,
      lastIndexBefore: 2,
      hardState: { term: 3, vote: null, commit: 1 },
    })
    expect(c.violations).toEqual([])
    const d = new SafetyChecker()
    d.observe({ type: 'role', node: 'n1', role: 'leader', term: 2, log })
    d.observe(persist('n1', [noop(1, 2), cmd(2, 2)], 0))
    d.observe({ type: 'persist', node: 'n1', entries: [cmd(2, 2, 'x')], prevTerm: 2, lastIndexBefore: 2, role: 'leader' })
    expect(props(d)).toContain('LeaderAppendOnly')
  })
})
