import { expect } from 'vitest'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'
import { formatViolation } from '../../../src/check/safety.ts'

/** Totals over a batch of seeds, to show that the checks were not vacuous. */
export interface Totals {
  seeds: number
  events: number
  elections: number
  leaderTerms: number
  committed: number
  logMatches: number
  completenessChecks: number
  appliesCompared: number
  crashes: number
  partitions: number
  dropped: number
  duplicated: number
  readiesLost: number
  snapshots: number
  restores: number
  clientOps: number
  clientOk: number
  inconclusive: number
  /** Seeds whose options had each feature on. */
  preVote: number
  checkQuorum: number
  nodes: Record<number, number>
}

/**
 * Runs seeds [from, from + count) for `ticks` with every checker on and the history checked for
 * linearizability; fails on the first violation with its options line and replay command.
 */
export function runClean(from: number, count: number, ticks: number): Totals {
  const t: Totals = {
    seeds: 0,
    events: 0,
    elections: 0,
    leaderTerms: 0,
    committed: 0,
    logMatches: 0,
    completenessChecks: 0,
    appliesCompared: 0,
    crashes: 0,
    partitions: 0,
    dropped: 0,
    duplicated: 0,
    readiesLost: 0,
    snapshots: 0,
    restores: 0,
    clientOps: 0,
    clientOk: 0,
    inconclusive: 0,
    preVote: 0,
    checkQuorum: 0,
    nodes: {},
  }
  for (let seed = from; seed < from + count; seed++) {
    const r = runFuzzSeed({ seed, ticks })
    const problems = [...(r.error !== undefined ? [r.error] : []), ...r.violations.map(formatViolation)]
    expect(problems, `${r.line}\nreplay: ${r.command}`).toEqual([])
    // Liveness was judged in every run: faults stopped, then a leader and a new commit came.
    expect(r.liveness.start).toBeGreaterThan(0)
    expect(r.liveness.leaderAt).not.toBeNull()
    expect(r.liveness.commitAt).not.toBeNull()
    t.seeds++
    t.events += r.stats.events
    t.elections += r.safety.elections
    t.leaderTerms += r.safety.leaderTerms
    t.committed += r.safety.committed
    t.logMatches += r.safety.logMatches
    t.completenessChecks += r.safety.completenessChecks
    t.appliesCompared += r.safety.appliesCompared
    t.crashes += r.stats.crashes
    t.partitions += r.stats.partitions
    t.dropped += r.stats.dropped
    t.duplicated += r.stats.duplicated
    t.readiesLost += r.stats.readiesLost
    t.snapshots += r.stats.snapshots
    t.restores += r.safety.restores
    t.clientOps += r.history.length
    t.clientOk += r.history.filter((op) => op.outcome === 'ok').length
    if (r.inconclusive) t.inconclusive++
    if (r.options.preVote) t.preVote++
    if (r.options.checkQuorum) t.checkQuorum++
    t.nodes[r.options.nodes] = (t.nodes[r.options.nodes] ?? 0) + 1
  }
  return t
}

/** The faults and the checks really happened, in proportion to the number of seeds. */
export function expectNotVacuous(t: Totals): void {
  const n = t.seeds
  expect(t.elections).toBeGreaterThan(2 * n)
  expect(t.leaderTerms).toBeGreaterThan(2 * n)
  expect(t.committed).toBeGreaterThan(100 * n)
  expect(t.logMatches).toBeGreaterThan(100 * n)
  expect(t.appliesCompared).toBeGreaterThan(100 * n)
  expect(t.completenessChecks).toBeGreaterThan(10 * n)
  expect(t.crashes).toBeGreaterThan(n)
  expect(t.partitions).toBeGreaterThan(n)
  expect(t.dropped).toBeGreaterThan(10 * n)
  expect(t.duplicated).toBeGreaterThan(n)
  expect(t.readiesLost).toBeGreaterThan(0)
  expect(t.snapshots).toBeGreaterThan(n)
  expect(t.restores).toBeGreaterThan(0)
  expect(t.clientOk).toBeGreaterThan(100 * n)
  expect(t.inconclusive).toBe(0)
  expect(t.preVote).toBeGreaterThan(0)
  expect(t.preVote).toBeLessThan(n)
  expect(t.checkQuorum).toBeGreaterThan(0)
  expect(t.checkQuorum).toBeLessThan(n)
  expect(Object.keys(t.nodes).sort()).toEqual(['3', '5', '7'])
}
