import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { MAX_VOTERS, scenarioOptions } from '../../../src/sim/options.ts'
import type { SimOptions } from '../../../src/sim/types.ts'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import { formatViolation } from '../../../src/check/safety.ts'
import { parseConfEntry } from '../../../src/raft/index.ts'

function setup(seed: number, overrides: Partial<SimOptions> = {}): { sim: Simulator; chk: SimCheckers } {
  const sim = new Simulator(scenarioOptions(seed, overrides))
  const chk = new SimCheckers(sim)
  return { sim, chk }
}

function waitLeader(sim: Simulator, withinMs = 3000): string {
  let leader: string | null = null
  sim.runUntilTrue(() => (leader = sim.leader()) !== null, sim.now + withinMs)
  if (leader === null) throw new Error(`no leader by ${sim.now} ms`)
  return leader
}

function expectClean(chk: SimCheckers): void {
  expect(chk.violations().map(formatViolation)).toEqual([])
}

/** The configuration a node's applied log ends with: the last config entry it applied, or its snapshot's. */
function appliedConf(sim: Simulator, id: string): { voters: string[]; learners: string[] } {
  const raw = sim.node(id).raw
  const applied = sim.node(id).kv.appliedIndex
  for (let i = applied; i >= raw.firstIndex(); i--) {
    const e = raw.entries(i, i + 1)[0]
    if (e.kind !== 'config') continue
    const c = parseConfEntry(e.data)
    if (c) return { voters: c.voters, learners: c.learners }
  }
  const s = sim.node(id).disk.snapshot
  if (s) return { voters: [...s.voters].sort(), learners: [...(s.learners ?? [])].sort() }
  return { voters: [...sim.node(id).peers].sort(), learners: [] }
}

describe('operator: random membership changes and transfers', () => {
  it('adds, promotes, removes and replaces nodes; voters stay in [1, 7]; removed nodes stop; the history stays linearizable', () => {
    let removedLeaders = 0
    let joinedBySnapshot = 0
    let transfers = 0
    for (const seed of [31, 32, 33]) {
      const { sim, chk } = setup(seed, {
        nodes: 3,
        clients: 3,
        keys: 2,
        snapshotEvery: 8,
        readMode: 'mixed',
        membershipRate: 0.4,
        transferRate: 0.1,
      })
      sim.runUntil(20_000)
      sim.stopFaults()
      sim.runUntilTrue(() => !sim.operator.busy, sim.now + 10_000)
      expect(sim.operator.busy).toBe(false)
      sim.workload.stop()
      sim.runFor(3000)

      const op = sim.operator.stats
      expect(op.adds + op.replaces).toBeGreaterThan(2)
      expect(op.promotions).toBeGreaterThan(2)
      expect(op.votersRemoved).toBeGreaterThan(1)
      expect(op.minVoters).toBeGreaterThanOrEqual(1)
      expect(op.maxVoters).toBeLessThanOrEqual(MAX_VOTERS)
      removedLeaders += op.leadersRemoved
      joinedBySnapshot += sim.stats.joinedBySnapshot
      transfers += op.transfersCompleted

      const conf = sim.committedConf()
      expect(conf.index).toBeGreaterThan(0)
      expect(conf.voters.length).toBeGreaterThanOrEqual(1)
      expect(conf.voters.length).toBeLessThanOrEqual(MAX_VOTERS)
      for (const id of sim.nodeIds()) {
        const n = sim.node(id)
        // Nodes the operator created joined empty, with no peers.
        if (Number(id.slice(1)) > 3) expect(n.peers).toEqual([])
        const member = conf.voters.includes(id) || conf.learners.includes(id)
        if (n.removed) {
          expect(n.up).toBe(false)
          expect(member).toBe(false)
        } else if (member) {
          // Every member that is up converged on the committed configuration and the same state.
          expect(n.up).toBe(true)
          expect(appliedConf(sim, id)).toEqual({ voters: [...conf.voters], learners: [...conf.learners] })
          expect(n.kv.entries()).toEqual(sim.node(conf.voters[0]).kv.entries())
        }
      }
      expectClean(chk)
      expect(chk.safety.stats().committed).toBeGreaterThan(100)
      const lin = checkLinearizability(sim.workload.history)
      expect(lin.ok).toBe(true)
      expect(sim.workload.readIndexReads).toBeGreaterThan(0)
      expect(sim.workload.logReads).toBeGreaterThan(0)
    }
    expect(removedLeaders).toBeGreaterThan(0)
    expect(joinedBySnapshot).toBeGreaterThan(0)
    expect(transfers).toBeGreaterThan(0)
  })

  it('the same seed makes the same changes (the operator draws from its own stream)', () => {
    const run = (): string => {
      const sim = new Simulator(scenarioOptions(34, { clients: 2, snapshotEvery: 10, membershipRate: 0.5, transferRate: 0.2 }))
      sim.runUntil(8000)
      return `${sim.traceHash()} ${JSON.stringify(sim.operator.stats)} ${JSON.stringify(sim.committedConf())}`
    }
    const a = run()
    expect(run()).toBe(a)
    expect(a).toContain('"learnersAdded"')
  })

  it('with both rates at 0 it never acts', () => {
    const { sim } = setup(35, { clients: 2 })
    sim.runUntil(5000)
    expect(sim.operator.enabled).toBe(false)
    expect(sim.stats.confChanges).toBe(0)
    expect(sim.nodeIds()).toEqual(['n1', 'n2', 'n3'])
  })
})

describe('scenario: membership changes by hand', () => {
  it('a node joining a compacted cluster starts empty, is brought up by a snapshot, and is promoted', () => {
    const { sim, chk } = setup(41, { clients: 2, snapshotEvery: 5 })
    waitLeader(sim)
    sim.runFor(2000)
    const leader = waitLeader(sim)
    expect(sim.node(leader).raw.firstIndex()).toBeGreaterThan(1) // the log no longer starts at 1
    sim.addNode('n4', 'learner')
    expect(sim.node('n4').peers).toEqual([])
    expect(sim.node('n4').raw.lastIndex()).toBe(0)
    sim.runUntilTrue(() => sim.committedConf().learners.includes('n4'), sim.now + 2000)
    sim.runFor(1000)
    expect(sim.stats.joinedBySnapshot).toBe(1)
    expect(sim.node('n4').disk.snapshot).toBeDefined()
    expect(sim.node('n4').raw.status().role).toBe('follower')
    sim.changeMembership({ type: 'addVoter', node: 'n4' })
    expect(sim.runUntilTrue(() => sim.committedConf().voters.includes('n4'), sim.now + 2000)).toBe(true)
    sim.workload.stop()
    sim.runFor(1500)
    expect(sim.node('n4').kv.entries()).toEqual(sim.node(leader).kv.entries())
    expectClean(chk)
  })

  it('a leader that removes itself steps down once the removal commits, stops, and the rest go on', () => {
    const { sim, chk } = setup(42, { clients: 1, nodes: 3 })
    waitLeader(sim)
    sim.runFor(500)
    const old = waitLeader(sim)
    const before = sim.stats.committedCommands
    sim.removeNode(old)
    expect(sim.runUntilTrue(() => sim.node(old).removed, sim.now + 2000)).toBe(true)
    expect(sim.isUp(old)).toBe(false)
    expect(sim.committedConf().voters).not.toContain(old)
    const next = waitLeader(sim)
    expect(next).not.toBe(old)
    sim.runFor(1000)
    expect(sim.stats.committedCommands).toBeGreaterThan(before)
    sim.restart(old) // a removed node is never restarted
    expect(sim.isUp(old)).toBe(false)
    expectClean(chk)
  })

  it('shrinks to a single voter and grows back', () => {
    const { sim, chk } = setup(43, { clients: 1, nodes: 3, snapshotEvery: 10 })
    waitLeader(sim)
    for (const id of ['n2', 'n3']) {
      waitLeader(sim)
      sim.runFor(300)
      sim.removeNode(id)
      expect(sim.runUntilTrue(() => !sim.committedConf().voters.includes(id), sim.now + 3000)).toBe(true)
    }
    expect(sim.committedConf().voters).toEqual(['n1'])
    sim.runFor(500)
    const commit = sim.node('n1').raw.status().commit
    sim.runFor(500)
    expect(sim.node('n1').raw.status().commit).toBeGreaterThan(commit) // one voter commits alone
    sim.addNode('n4', 'learner')
    sim.runUntilTrue(() => sim.committedConf().learners.includes('n4'), sim.now + 2000)
    sim.runFor(500)
    sim.changeMembership({ type: 'addVoter', node: 'n4' })
    expect(sim.runUntilTrue(() => sim.committedConf().voters.length === 2, sim.now + 2000)).toBe(true)
    sim.crash('n1')
    sim.runFor(1000)
    expect(sim.leader()).toBeNull() // two voters need both
    sim.restart('n1')
    waitLeader(sim, 5000)
    sim.workload.stop()
    sim.runFor(1500)
    expect(sim.node('n4').kv.entries()).toEqual(sim.node('n1').kv.entries())
    expectClean(chk)
  })
})

describe('scenario: leadership transfer', () => {
  it('to a healthy voter completes; to a crashed one it is abandoned after an election timeout and the leader goes on', () => {
    const { sim, chk } = setup(44, { clients: 1, nodes: 3 })
    const first = waitLeader(sim)
    sim.runFor(500)
    const [a, b] = sim.nodeIds().filter((id) => id !== first)
    sim.transferLeadership(first, a)
    expect(sim.runUntilTrue(() => sim.leader() === a, sim.now + 1000)).toBe(true)
    const term = sim.node(a).raw.status().term
    sim.runFor(300)

    sim.crash(b)
    sim.transferLeadership(a, b)
    expect(sim.node(a).raw.status().leadTransferee).toBe(b)
    expect(() => sim.propose(a, '{"x":1}')).toThrow(/transfer/)
    const electionMs = sim.options.electionTick * sim.options.tickMs
    sim.runFor(electionMs + 2 * sim.options.tickMs)
    const st = sim.node(a).raw.status()
    expect(st.role).toBe('leader')
    expect(st.term).toBe(term)
    expect(st.leadTransferee).toBeNull()
    expect(() => sim.propose(a, '{"x":2}')).not.toThrow()
    expectClean(chk)
  })
})
