import { describe, it, expect } from 'vitest'
import v8 from 'node:v8'
import vm from 'node:vm'
import { SafetyChecker, type LogView, type Property } from '../../../src/check/safety.ts'
import { CommitHistory, hash53 } from '../../../src/check/commits.ts'
import type { Entry } from '../../../src/raft/types.ts'

/**
 * The safety checker's commit history grows with every committed entry for as long as a cluster runs (the page
 * runs it live). It keeps the term, kind, first node and a hash of the data per entry, and the data itself only
 * for the newest entries; these tests hold it to that, and show that every check still works on entries whose
 * data is no longer kept.
 */

const data = (index: number, term: number) => `{"v":1,"op":"set","key":"k${index % 3}","value":"load${index % 4}.${index}","client":"load${index % 4}","seq":${index}.${term}}`
const cmd = (index: number, term: number, d = data(index, term)): Entry => ({ index, term, kind: 'command', data: d })

/** A log holding entries `entries` (index i at i - 1). */
class ArrayLog implements LogView {
  readonly entries: Entry[]
  constructor(entries: Entry[]) {
    this.entries = entries
  }
  firstIndex(): number {
    return 1
  }
  lastIndex(): number {
    return this.entries.length
  }
  term(i: number): number | undefined {
    return this.entries[i - 1]?.term
  }
}

/** `n` entries in terms 1, 2, ... (a new term every `perTerm`). */
function entries(n: number, perTerm = 1000): Entry[] {
  const out: Entry[] = []
  for (let i = 1; i <= n; i++) out.push(cmd(i, 1 + Math.floor((i - 1) / perTerm)))
  return out
}

/** A checker in which n1 applied `es` (and so committed them). */
function committed(es: Entry[], keepText?: number): SafetyChecker {
  const c = new SafetyChecker(keepText === undefined ? {} : { keepText })
  for (const e of es) c.observe({ type: 'apply', node: 'n1', entry: e })
  return c
}

const props = (c: SafetyChecker): Property[] => c.violations.map((v) => v.property)

describe('the safety checker commit history', () => {
  it('costs about 8 bytes per committed entry, keeps the data of the newest 1,024 only and one term run per term', () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    const N = 200_000
    // The entries come in as fresh objects and strings (the page receives them through postMessage).
    const make = (i: number): Entry => cmd(i, 1 + Math.floor((i - 1) / 5000), data(i, 7).slice(0) + '')
    gc()
    const before = process.memoryUsage().heapUsed
    const c = new SafetyChecker()
    // n1 and n2 apply every entry; the first to apply it is n1 in odd terms, n2 in even ones (the leader, say).
    for (let i = 1; i <= N; i++) {
      const first = Math.floor((i - 1) / 5000) % 2 === 0 ? 'n1' : 'n2'
      c.observe({ type: 'apply', node: first, entry: make(i) })
      c.observe({ type: 'apply', node: first === 'n1' ? 'n2' : 'n1', entry: make(i) })
    }
    gc()
    const perEntry = (process.memoryUsage().heapUsed - before) / N
    expect(c.ok).toBe(true)
    expect(c.stats().appliesCompared).toBe(N)
    expect(c.historySize).toEqual({ entries: N, runs: N / 5000, metaRuns: N / 5000, textKept: 1024 })
    // A hash per entry (8 bytes) and the array's room to grow; the entry's data (about 80 characters) kept per
    // entry costs over 140 bytes.
    expect(perEntry).toBeLessThan(16)
    expect(c.committedEntry(N)?.data).toBe(data(N, 7))
    expect(c.committedEntry(1)).toEqual({ term: 1, kind: 'command', data: undefined, node: 'n1' })
    expect(c.committedEntry(5001)?.node).toBe('n2')
    expect(c.committedEntry(10001)?.node).toBe('n1')
  })

  it('finds a node that applies an old entry with other data, another kind, or another term', () => {
    const es = entries(3000)
    for (const [bad, what] of [
      [cmd(10, 1, 'something else'), 'data'],
      [{ index: 10, term: 1, kind: 'noop' } as Entry, 'kind'],
      [{ index: 10, term: 1, kind: 'command' } as Entry, 'no data'],
      [cmd(10, 2, data(10, 1)), 'term'],
    ] as const) {
      const c = committed(es)
      for (let i = 1; i < 10; i++) c.observe({ type: 'apply', node: 'n3', entry: es[i - 1] })
      expect(c.ok).toBe(true)
      c.observe({ type: 'apply', node: 'n3', entry: bad })
      expect(props(c), what).toEqual(['StateMachineSafety'])
      expect(c.violations[0]).toMatchObject({ index: 10, nodes: ['n1', 'n3'] })
      expect(c.violations[0].message).toContain('its text is no longer kept')
    }
    // The same entries again are fine, by hash beyond the kept ones and exactly among them.
    const c = committed(es)
    for (const e of es) c.observe({ type: 'apply', node: 'n3', entry: { ...e, data: `${e.data ?? ''}` } })
    expect(c.ok).toBe(true)
    expect(c.stats().appliesCompared).toBe(3000)
  })

  it('finds a persisted old entry of the committed term with other data, or after another term', () => {
    const es = entries(3000, 1000)
    const c = committed(es)
    c.observe({ type: 'persist', node: 'n2', entries: [cmd(5, 1, 'forged')], prevTerm: 1, lastIndexBefore: 4 })
    expect(props(c)).toEqual(['LogMatching'])
    expect(c.violations[0]).toMatchObject({ index: 5, term: 1 })
    const d = committed(es)
    // Entry 1001 is the first of term 2; the entry before it has term 1, not 2.
    d.observe({ type: 'persist', node: 'n2', entries: [es[1000]], prevTerm: 2, lastIndexBefore: 1000 })
    expect(props(d)).toEqual(['LogMatching'])
    expect(d.violations[0]).toMatchObject({ index: 1000 })
    const ok = committed(es)
    ok.observe({ type: 'persist', node: 'n2', entries: es.slice(0, 1500).map((e) => ({ ...e })), prevTerm: 0, lastIndexBefore: 0 })
    expect(ok.ok).toBe(true)
  })

  it('finds a new leader that lacks an old committed entry, and a snapshot of an old index with another term', () => {
    const es = entries(3000, 1000)
    const c = committed(es)
    const log = es.map((e) => ({ ...e }))
    log[1499] = cmd(1500, 1) // term 2 was committed there
    c.observe({ type: 'persist', node: 'n2', entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term: 5, vote: 'n2', commit: 0 } })
    c.observe({ type: 'role', node: 'n2', role: 'leader', term: 5, log: new ArrayLog(log) })
    expect(props(c)).toEqual(['LeaderCompleteness'])
    expect(c.violations[0]).toMatchObject({ index: 1500, term: 2, nodes: ['n2', 'n1'] })
    expect(c.stats().completenessChecks).toBe(1500)
    const ok = committed(es)
    ok.observe({ type: 'role', node: 'n3', role: 'leader', term: 5, log: new ArrayLog(es) })
    expect(ok.ok).toBe(true)
    expect(ok.stats().completenessChecks).toBe(3000)
    const s = committed(es)
    s.observe({ type: 'restart', node: 'n4', index: 700, term: 2 })
    expect(props(s)).toEqual(['StateMachineSafety'])
    expect(s.violations[0]).toMatchObject({ index: 700, term: 2 })
  })

  it('keeps term runs and looks terms up in any order', () => {
    const h = new CommitHistory(4)
    const terms = [1, 1, 2, 2, 2, 5, 5, 6, 9, 9, 9, 9]
    const first = ['n1', 'n1', 'n2', 'n2', 'n3', 'n3', 'n3', 'n1', 'n1', 'n1', 'n1', 'n1']
    terms.forEach((t, i) => h.push(i === 2 ? { index: 3, term: 2, kind: 'noop' } : cmd(i + 1, t), first[i]))
    expect(h.runs).toBe(5)
    // n1 | n2 noop | n2 | n3 | n1
    expect(h.metaRuns).toBe(5)
    for (let i = 1; i <= 12; i++) expect(h.node(i)).toBe(first[i - 1])
    expect([h.kind(2), h.kind(3), h.kind(4)]).toEqual(['command', 'noop', 'command'])
    for (const i of [12, 1, 7, 3, 9, 6, 2, 11, 8, 4, 10, 5]) expect(h.term(i)).toBe(terms[i - 1])
    expect(h.term(0)).toBe(0)
    expect(h.term(13)).toBeUndefined()
    const seen: [number, number, number][] = []
    h.forEachRun(4, (from, to, t) => (seen.push([from, to, t]), true))
    expect(seen).toEqual([[4, 5, 2], [6, 7, 5], [8, 8, 6], [9, 12, 9]])
    expect(h.data(12)).toBe(data(12, 9))
    expect(h.data(8)).toBeUndefined()
    expect(h.same(8, 'command', data(8, 6))).toBe(true)
    expect(h.same(8, 'command', data(8, 5))).toBe(false)
  })

  it('hashes distinct strings apart (100,000 of them), the same string alike', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 100_000; i++) seen.add(hash53(data(i, 1)))
    expect(seen.size).toBe(100_000)
    expect(hash53('abc')).toBe(hash53(['a', 'b', 'c'].join('')))
    expect(Number.isSafeInteger(hash53('x'.repeat(1000)))).toBe(true)
  })
})
