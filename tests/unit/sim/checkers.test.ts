import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import { SafetyChecker, formatViolation, type Observation } from '../../../src/check/safety.ts'
import { LivenessChecker } from '../../../src/check/liveness.ts'
import type { RaftNode } from '../../../src/sim/types.ts'
import type { Entry } from '../../../src/raft/types.ts'

const cmd = (index: number, term: number, data = `v${index}.${term}`): Entry => ({ index, term, kind: 'command', data })

function persist(node: string, entries: Entry[], prevTerm: number | undefined): Observation {
  return { type: 'persist', node, entries, prevTerm, lastIndexBefore: entries[0].index - 1 }
}

describe('SafetyChecker memory: log records are pruned below the committed prefix', () => {
  it('keeps few records over a long run with faults, however much was committed', () => {
    const sim = new Simulator(
      scenarioOptions(61, { nodes: 5, clients: 4, thinkMs: 2, keys: 3, crashRate: 0.05, restartRate: 0.5, partitionRate: 0.05, healRate: 0.4, snapshotEvery: 50 }),
    )
    const chk = new SimCheckers(sim)
    let peak = 0
    for (let t = 5000; t <= 60_000; t += 5000) {
      sim.runUntil(t)
      peak = Math.max(peak, chk.safety.recordCount.records)
    }
    expect(chk.violations().map(formatViolation)).toEqual([])
    const s = chk.safety.stats()
    expect(s.committed).toBeGreaterThan(3000)
    expect(s.logMatches).toBeGreaterThan(3 * s.committed) // the committed entries were still compared
    // Without pruning there would be a record per committed index at least. What is left: the uncommitted tail
    // and the entries that lost.
    expect(peak).toBeLessThan(s.committed / 10)
    expect(sim.stats.crashes).toBeGreaterThan(5)
  })

  it('still finds a persisted entry that differs from the committed one at its index', () => {
    const c = new SafetyChecker()
    const ents = [cmd(1, 1), cmd(2, 1), cmd(3, 1)]
    c.observe(persist('n1', ents, 0))
    for (const e of ents) c.observe({ type: 'apply', node: 'n1', entry: e })
    expect(c.recordCount).toEqual({ indexes: 0, records: 0 })
    c.observe(persist('n2', [cmd(1, 1), cmd(2, 1)], 0))
    expect(c.violations).toEqual([])
    c.observe(persist('n2', [cmd(3, 1, 'forged')], 1))
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching'])
    expect(c.violations[0].index).toBe(3)
    expect(c.violations[0].message).toContain('committed')
  })

  it('still finds a committed entry held after a different entry than the committed one before it', () => {
    const c = new SafetyChecker()
    const ents = [cmd(1, 1), cmd(2, 2), cmd(3, 2)]
    c.observe(persist('n1', ents, 0))
    for (const e of ents) c.observe({ type: 'apply', node: 'n1', entry: e })
    c.observe(persist('n3', [cmd(3, 2)], 1)) // entry 2 has term 2 in the history
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching'])
    expect(c.violations[0].index).toBe(2)
  })

  it('keeps the records of entries that lost, and compares them with one another', () => {
    const c = new SafetyChecker()
    // n2 holds an entry of term 1 at index 2 that loses to the leader of term 2.
    c.observe(persist('n2', [cmd(1, 1), cmd(2, 1)], 0))
    const ents = [cmd(1, 1), cmd(2, 2)]
    c.observe(persist('n1', ents, 0))
    for (const e of ents) c.observe({ type: 'apply', node: 'n1', entry: e })
    expect(c.recordCount).toEqual({ indexes: 1, records: 1 })
    c.observe(persist('n3', [cmd(2, 1)], 1)) // the same losing entry elsewhere: fine
    expect(c.violations).toEqual([])
    c.observe(persist('n4', [cmd(2, 1, 'other')], 1)) // two different entries with one (index, term)
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching'])
  })

  it('checks records of the committed term one last time when their index commits', () => {
    // The node that applies first was not seen persisting (a checker attached late): the records of index 2 are
    // compared with the history as the index commits, then dropped.
    const c = new SafetyChecker()
    c.observe(persist('n2', [cmd(2, 1)], 0)) // claims entry 1 has term 0
    c.observe(persist('n3', [cmd(2, 1)], undefined))
    expect(c.violations).toEqual([])
    for (const e of [cmd(1, 1), cmd(2, 1)]) c.observe({ type: 'apply', node: 'n1', entry: e })
    expect(c.violations.map((v) => v.property)).toEqual(['LogMatching'])
    expect(c.violations[0].nodes).toEqual(['n1', 'n2'])
    expect(c.recordCount).toEqual({ indexes: 0, records: 0 })
  })
})

describe('LivenessChecker under membership changes', () => {
  const log = null as unknown as RaftNode
  it('leaves out a removed node that still runs with a higher term', () => {
    const c = new LivenessChecker({ leaderWithinMs: 100, commitWithinMs: 200 })
    c.observe({ type: 'role', node: 'n1', role: 'leader', term: 3, log })
    c.observe({ type: 'role', node: 'n2', role: 'follower', term: 3, log })
    c.observe({ type: 'role', node: 'n3', role: 'candidate', term: 5, log })
    c.start(0)
    c.check(10)
    expect(c.leaderAt).toBeNull() // n3 could still depose n1
    c.observe({ type: 'removed', node: 'n3' })
    c.check(20)
    expect(c.leaderAt).toBe(20)
    c.observe({ type: 'restart', node: 'n3', index: 0, term: 0 })
    c.observe({ type: 'role', node: 'n3', role: 'candidate', term: 9, log })
    c.observe({ type: 'apply', node: 'n1', entry: cmd(1, 3) })
    c.finish(300)
    expect(c.violations).toEqual([])
  })

  it('in the simulator, a removed node lingering and campaigning does not count', () => {
    const sim = new Simulator(scenarioOptions(62, { nodes: 3, clients: 1, lingerMs: 5000, preVote: false }))
    const chk = new SimCheckers(sim)
    let leader: string | null = null
    sim.runUntilTrue(() => (leader = sim.leader()) !== null, 3000)
    const victim = sim.nodeIds().find((id) => id !== leader) as string
    // The victim never hears of its removal: it keeps campaigning with ever higher terms while it lingers.
    sim.isolate(victim)
    sim.runFor(200)
    sim.removeNode(victim)
    expect(sim.runUntilTrue(() => sim.node(victim).removed, sim.now + 2000)).toBe(true)
    expect(sim.isUp(victim)).toBe(true)
    sim.heal()
    chk.startLiveness()
    sim.runFor(2000)
    expect(sim.node(victim).raw.status().term).toBeGreaterThan(sim.node(leader as unknown as string).raw.status().term)
    expect(sim.stats.lingerCampaigns).toBeGreaterThan(1)
    expect(chk.finish().map(formatViolation)).toEqual([])
    expect(chk.liveness.leaderAt).not.toBeNull()
    sim.runFor(4000)
    expect(sim.isUp(victim)).toBe(false) // it stopped within lingerMs
  })
})
