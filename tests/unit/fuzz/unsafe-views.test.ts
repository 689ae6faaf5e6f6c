import { describe, expect, it } from 'vitest'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'
import { formatViolation } from '../../../src/check/safety.ts'

/**
 * With fingerprints on, as in the browser's workers, the hosts report what they persist and apply as views with a fingerprint of the
 * data instead of the data (what crosses the worker boundary). The checkers must catch the broken cores as well from
 * those: the switches whose violations compare entries (noTruncateOnConflict: different entries applied at one index;
 * commitOldTermEntries: a leader without a committed entry), on seeds of unsafe.test.ts; and a clean seed stays clean
 * with the same trace as without views (the run does not depend on what the observations carry).
 */
describe('the checkers read fingerprints as they read data', () => {
  it('noTruncateOnConflict: the same StateMachineSafety violations from views with fingerprints, commands named by label', () => {
    const where = (v: { property: string; nodes: string[]; index?: number; term?: number; time?: number }) => [v.property, v.nodes, v.index, v.term, v.time]
    const messages: string[] = []
    for (const seed of [1, 2]) {
      const plain = runFuzzSeed({ seed, unsafe: 'noTruncateOnConflict' })
      const r = runFuzzSeed({ seed, unsafe: 'noTruncateOnConflict', fingerprints: true })
      expect(r.violations.map(formatViolation).join('\n')).toContain('] StateMachineSafety')
      expect(r.violations.map(where)).toEqual(plain.violations.map(where))
      messages.push(...r.violations.map((v) => v.message))
    }
    // A command is named by its label ("get k1"), not by its raw data (which stays in the worker).
    expect(messages.join('\n')).toMatch(/applied term \d+ "(set|get|del|cas) [^"]+"/)
    for (const m of messages) expect(m).not.toContain('\\"v\\":1')
  }, 120_000)

  it('commitOldTermEntries: LeaderCompleteness, as without views', () => {
    for (const seed of [2, 7]) {
      const r = runFuzzSeed({ seed, unsafe: 'commitOldTermEntries', fingerprints: true })
      expect(r.violations.map(formatViolation).join('\n')).toContain('] LeaderCompleteness')
    }
  }, 120_000)

  it('a clean seed is clean with views, with the same trace and the same checks as without', () => {
    const a = runFuzzSeed({ seed: 3 })
    const b = runFuzzSeed({ seed: 3, fingerprints: true })
    expect(b.violations).toEqual([])
    expect(b.hash).toBe(a.hash)
    expect(b.safety).toEqual(a.safety)
  }, 120_000)
})
