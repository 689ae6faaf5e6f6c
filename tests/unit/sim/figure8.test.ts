import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import { formatViolation } from '../../../src/check/safety.ts'
import type { Message } from '../../../src/raft/types.ts'

/**
 * The Raft paper's Figure 8 (section 5.4.2), built with the simulator's own controls. Elections happen only
 * when a test calls campaign (the election timeout is far longer than the test), one entry travels per
 * MsgApp, and a message filter decides which appends reach whom.
 *
 * (a) n1 leads and replicates entry 2 to n2 only.  (b) n1 crashes; n5 wins with n3, n4 and writes its own
 * entry 2, which reaches nobody.  (c) n5 crashes; n1 comes back, wins, and copies its entry 2 to n3: entry
 * 2 is now on a majority, but its new-term entry 3 is not.  (d) n1 crashes; n5 comes back and wins with n3
 * and n4, and replicates its entry 2.
 *
 * A correct leader does not count replicas of an old-term entry (entry 2) towards commitment, so in (c)
 * nothing is committed and (d) loses nothing that was committed. A leader that does (`commitOldTermEntries`)
 * commits entry 2 in (c), and (d) overwrites it.
 */

const hasEntries = (m: Message): boolean => m.type === 'MsgApp' && (m.entries?.length ?? 0) > 0

function campaignUntilLeader(sim: Simulator, id: string): number {
  for (let i = 0; i < 5; i++) {
    sim.campaign(id)
    sim.runFor(150)
    const s = sim.node(id).raw.status()
    if (s.role === 'leader') return s.term
  }
  throw new Error(`${id} did not win an election`)
}

interface Run {
  sim: Simulator
  chk: SimCheckers
  /** Terms of the leaders of (a), (b), (c). */
  t1: number
  t2: number
  t3: number
  /** n1's commit index at the end of (c). */
  commitC: number
}

/** Runs (a) to (c); `reachN3` lets n1's new-term entry 3 reach n3 in (c). */
function stepsAtoC(commitOldTermEntries: boolean, reachN3: boolean): Run {
  const sim = new Simulator(
    scenarioOptions(8, {
      nodes: 5,
      electionTick: 1000,
      heartbeatTick: 1,
      maxEntriesPerMsg: 1,
      unsafe: { commitOldTermEntries },
    }),
  )
  const chk = new SimCheckers(sim)
  const t1 = campaignUntilLeader(sim, 'n1')
  sim.runFor(200)
  for (const id of sim.nodeIds()) expect(sim.node(id).kv.appliedIndex).toBe(1) // the leader's no-op

  // (a)
  sim.partition([
    ['n1', 'n2'],
    ['n3', 'n4', 'n5'],
  ])
  expect(sim.propose('n1', '{"fig8":"a"}')).toEqual({ index: 2, term: t1 })
  sim.runFor(100)
  expect(sim.node('n2').raw.term(2)).toBe(t1)
  expect(sim.node('n3').raw.lastIndex()).toBe(1)

  // (b)
  sim.crash('n1')
  sim.setFilter((m) => !(m.from === 'n5' && hasEntries(m)))
  const t2 = campaignUntilLeader(sim, 'n5')
  sim.runFor(100)
  expect(sim.node('n5').disk.entries[1]).toMatchObject({ index: 2, term: t2 })
  expect(sim.node('n3').raw.lastIndex()).toBe(1)
  sim.crash('n5')

  // (c)
  sim.heal()
  // n4 gets no entries from n1. n3 gets entry 2, but not entry 3 unless `reachN3`: an append carrying entry 3 is
  // dropped once n3 holds entry 2 (the first one must arrive, so that n3's rejection makes n1 back up to 2).
  const blocked = (m: Message): boolean =>
    m.from === 'n1' &&
    hasEntries(m) &&
    (m.to === 'n4' ||
      (m.to === 'n3' && !reachN3 && sim.node('n3').raw.lastIndex() >= 2 && (m.entries ?? []).some((e) => e.index >= 3)))
  sim.setFilter((m) => !blocked(m))
  sim.restart('n1')
  const t3 = campaignUntilLeader(sim, 'n1')
  sim.runFor(300)
  expect(t3).toBeGreaterThan(t2)
  expect(sim.node('n3').raw.term(2)).toBe(t1)
  return { sim, chk, t1, t2, t3, commitC: sim.node('n1').raw.status().commit }
}

/** Runs (d): n1 down, n5 back and campaigning. Returns whether n5 won. */
function stepD(run: Run): boolean {
  const { sim } = run
  sim.crash('n1')
  sim.setFilter(null)
  sim.restart('n5')
  let won = false
  try {
    campaignUntilLeader(sim, 'n5')
    won = true
  } catch {
    won = false
  }
  sim.runFor(500)
  return won
}

describe('Figure 8', () => {
  it('correct core: entry 2 is not committed in (c), so n5 may replace it in (d) without breaking anything', () => {
    const run = stepsAtoC(false, false)
    expect(run.commitC).toBe(1)
    expect(run.chk.safety.committed).toBe(1)
    expect(stepD(run)).toBe(true)
    const { sim, chk } = run
    expect(sim.node('n4').raw.term(2)).toBe(run.t2) // n5's entry 2 won
    expect(chk.violations().map(formatViolation)).toEqual([])
    expect(chk.safety.committed).toBeGreaterThanOrEqual(3)
    expect(chk.safety.stats().elections).toBeGreaterThanOrEqual(4)
  })

  it('correct core: once entry 3 of the new term is on a majority, entry 2 is committed and n5 can no longer win', () => {
    const run = stepsAtoC(false, true)
    expect(run.commitC).toBe(3)
    expect(stepD(run)).toBe(false)
    const { sim, chk } = run
    sim.restart('n1')
    sim.runFor(500)
    campaignUntilLeader(sim, 'n1')
    sim.runFor(500)
    for (const id of sim.nodeIds()) expect(sim.node(id).raw.term(2)).toBe(run.t1)
    expect(chk.safety.committedEntry(2)).toMatchObject({ term: run.t1, data: '{"fig8":"a"}' })
    expect(chk.violations().map(formatViolation)).toEqual([])
  })

  it('commitOldTermEntries: entry 2 is committed by counting replicas in (c) and lost in (d); the checkers say so', () => {
    const run = stepsAtoC(true, false)
    expect(run.commitC).toBe(2)
    expect(run.chk.safety.committedEntry(2)).toMatchObject({ term: run.t1, data: '{"fig8":"a"}' })
    expect(run.chk.violations()).toEqual([])
    expect(stepD(run)).toBe(true)
    const props = new Set(run.chk.violations().map((v) => v.property))
    expect(props).toContain('LeaderCompleteness')
    expect(props).toContain('StateMachineSafety')
    const lc = run.chk.violations().find((v) => v.property === 'LeaderCompleteness')
    expect(lc).toMatchObject({ nodes: ['n5', 'n1'], index: 2, term: run.t1, seed: 8 })
  })
})
