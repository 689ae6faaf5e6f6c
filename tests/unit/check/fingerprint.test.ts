/**
 * The browser's hosts send the checker views of entries with a fingerprint of the data instead of the data. The
 * checker compares fingerprints: different data at one index is still a violation, named by label; equal data is
 * equal whether it came with its data or only with its fingerprint.
 */
import { describe, it, expect } from 'vitest'
import { SafetyChecker, type CheckedEntry } from '../../../src/check/safety.ts'
import { dataHash } from '../../../src/check/fingerprint.ts'

const data = (index: number, v: string) => JSON.stringify({ v: 1, op: 'set', key: 'x', value: v, client: 'c1', seq: index })
/** An entry as a browser host reports it: its view and the fingerprint of its data, no data. */
const viewed = (index: number, term: number, v: string): CheckedEntry => ({ index, term, kind: 'command', label: `set x=${v}`, hash: dataHash(data(index, v)) })
const whole = (index: number, term: number, v: string): CheckedEntry => ({ index, term, kind: 'command', data: data(index, v) })

describe('fingerprints', () => {
  it('differ for different data, agree for equal data, and set no data apart from none', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(dataHash(data(i, `v${i}`)))
    expect(seen.size).toBe(2000)
    expect(dataHash(data(1, 'a'))).toBe(dataHash(data(1, 'a')))
    expect(dataHash('ab')).not.toBe(dataHash('ba'))
    expect(dataHash(undefined)).not.toBe(dataHash(''))
    for (const h of seen) expect(Number.isSafeInteger(h) && h >= 0).toBe(true)
  })

  it('two nodes applying different entries at one index: State Machine Safety from fingerprints, named by label', () => {
    const c = new SafetyChecker()
    c.observe({ type: 'apply', node: 'n1', entry: viewed(1, 1, 'a') })
    c.observe({ type: 'apply', node: 'n2', entry: viewed(1, 1, 'b') })
    expect(c.violations.map((v) => v.property)).toEqual(['StateMachineSafety'])
    expect(c.violations[0].message).toContain('"set x=a"')
    expect(c.violations[0].message).toContain('"set x=b"')
    expect(c.committedEntry(1)).toEqual({ term: 1, kind: 'command', data: undefined, label: 'set x=a', node: 'n1' })
  })

  it('two persisted entries of one (index, term) with different data: Log Matching from fingerprints', () => {
    const c = new SafetyChecker()
    c.observe({ type: 'persist', node: 'n1', entries: [viewed(1, 1, 'a')], prevTerm: 0, lastIndexBefore: 0 })
    c.observe({ type: 'persist', node: 'n2', entries: [viewed(1, 1, 'b')], prevTerm: 0, lastIndexBefore: 0 })
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching'])
    // And against the committed entry, once one of them is applied.
    c.observe({ type: 'apply', node: 'n1', entry: viewed(1, 1, 'a') })
    c.observe({ type: 'persist', node: 'n3', entries: [viewed(1, 1, 'c')], prevTerm: 0, lastIndexBefore: 0 })
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching', 'LogMatching'])
    expect(c.violations[1].message).toContain('committed')
  })

  it('an entry sent with its data and the same entry sent as a fingerprint are the same entry', () => {
    const c = new SafetyChecker()
    c.observe({ type: 'persist', node: 'n1', entries: [whole(1, 1, 'a'), whole(2, 1, 'b')], prevTerm: 0, lastIndexBefore: 0 })
    c.observe({ type: 'persist', node: 'n2', entries: [viewed(1, 1, 'a'), viewed(2, 1, 'b')], prevTerm: 0, lastIndexBefore: 0 })
    c.observe({ type: 'apply', node: 'n1', entry: whole(1, 1, 'a') })
    c.observe({ type: 'apply', node: 'n2', entry: viewed(1, 1, 'a') })
    c.observe({ type: 'apply', node: 'n2', entry: viewed(2, 1, 'b') })
    c.observe({ type: 'apply', node: 'n1', entry: whole(2, 1, 'b') })
    expect(c.violations).toEqual([])
    expect(c.stats().logMatches).toBe(2)
    expect(c.stats().appliesCompared).toBe(2)
    // A fingerprint against different data is a difference.
    c.observe({ type: 'apply', node: 'n3', entry: whole(1, 1, 'z') })
    expect(c.violations.map((v) => v.property)).toEqual(['StateMachineSafety'])
  })
})
