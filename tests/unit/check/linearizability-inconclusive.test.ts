import { execFileSync } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'
import { generateHistory } from './linearizability-gen.ts'

describe('an inconclusive linearizability check is its own outcome, never a pass', () => {
  it('the checker says inconclusive, distinct from ok and violation', () => {
    const h = generateHistory({ seed: 7, ops: 300, clients: 5, keys: 2 })
    const r = checkLinearizability(h, { maxStates: 1 })
    expect(r.verdict).toBe('inconclusive')
    expect(r.ok).toBe(false)
    expect(r.inconclusive).toBe(true)
    expect(r.failure).toBeUndefined()
    expect(r.witness).toBeUndefined()
    expect(r.gaveUp?.key).toBe('k0')
    expect(checkLinearizability(h).verdict).toBe('ok')
  })

  it('a fuzz run whose check is inconclusive fails, with no violation to show', () => {
    const passing = runFuzzSeed({ seed: 1, ticks: 400 })
    expect(passing.ok).toBe(true)
    expect(passing.history.length).toBeGreaterThan(10)
    const r = runFuzzSeed({ seed: 1, ticks: 400, linearizabilityMaxStates: 1 })
    expect(r.inconclusive).toBe(true)
    expect(r.violations).toEqual([])
    expect(r.ok).toBe(false)
  })

  it('the fuzz command line prints the run as INCONCLUSIVE and exits with status 1', () => {
    let out = ''
    let status = 0
    try {
      execFileSync('npx', ['tsx', 'src/sim/fuzz-cli.ts', '--seed', '1', '--ticks', '400', '--lin-max-states', '1'], {
        encoding: 'utf8',
      })
    } catch (e) {
      const err = e as { status: number; stdout: string }
      status = err.status
      out = err.stdout
    }
    expect(status).toBe(1)
    expect(out).toContain('INCONCLUSIVE seed 1')
    expect(out).toContain('linearizability: inconclusive')
    expect(out).toMatch(/1 failed \(1\), 1 of them inconclusive/)
  }, 60_000)
})
