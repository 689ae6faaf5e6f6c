import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { formatViolation } from '../../../src/check/safety.ts'

/**
 * Found by the fuzzer: membership changes with snapshots sent in many small chunks, PreVote and CheckQuorum off
 * (seeds 147, 172, 221, 256 and 372 of `{ membershipRate: 0.4, transferRate: 0.15, crashRate: 0.1,
 * partitionRate: 0.1, snapshotEvery: 5, snapshotChunkSize: 16, lingerMs: 400, preVote: false, checkQuorum: false }`
 * at 2,000 ticks): the cluster stopped committing for good.
 *
 * A voter X with its own removal in its log, not committed. The leader U replicated only to the members of the
 * latest configuration, so X heard nothing more, timed out and campaigned (a voter whose removal is uncommitted
 * may: see Raft.promotable). U cannot commit the removal before the laggard F, which still counts X as a voter,
 * has caught up. Without CheckQuorum F takes X's higher term, and its next answer deposes U; U wins again, but the
 * snapshot F was receiving starts over from its first chunk in the new term. When catching F up takes longer than
 * X's election timeout, that repeats forever: the removal never commits, nothing after it either.
 *
 * Expected: the removal commits once F has caught up. Fixed in src/raft/membership.ts (replicationTargets): a leader
 * keeps replicating to the members of the previous configuration until the latest change commits, as etcd does, so
 * X keeps hearing from it and does not campaign.
 */
function scenario(seed: number): { sim: Simulator; chk: SimCheckers; x: string; u: string; f: string; index: number; electionsBefore: number } {
  const sim = new Simulator(
    scenarioOptions(seed, {
      nodes: 3,
      electionTick: 10,
      heartbeatTick: 1,
      network: defaultNetworkConfig({ latency: 5, jitter: 5 }),
      diskMinMs: 2,
      diskMaxMs: 5,
      snapshotEvery: 5,
      snapshotChunkSize: 16,
      requestTimeoutMs: 60_000,
      retryMs: 2000,
    }),
  )
  const chk = new SimCheckers(sim)
  let leader: string | null = null
  sim.runUntilTrue(() => (leader = sim.leader()) !== null, 3000)
  const x = leader as unknown as string
  const [u, f] = sim.nodeIds().filter((id) => id !== x)

  // F misses everything: catching it up takes a snapshot of over 2,000 characters, some 140 chunks of 16, one
  // round trip each (about 2 s here, against an election timeout of 100 to 200 ms).
  sim.crash(f)
  for (let i = 0; i < 20; i++) {
    const op = sim.request({ op: 'set', key: `k${i}`, value: 'x'.repeat(100) }, 's1', x)
    expect(sim.runUntilTrue(() => op.outcome === 'ok', sim.now + 1000)).toBe(true)
  }
  expect(sim.node(x).disk.snapshot?.data.length ?? 0).toBeGreaterThan(2000)

  // X, the leader, proposes its own removal; U stores it; it cannot commit while F is down. Then X crashes with
  // the removal on its disk, F comes back, and X too.
  const { index } = sim.removeNode(x)
  expect(sim.runUntilTrue(() => sim.node(u).disk.entries.some((e) => e.index === index && e.kind === 'config'), sim.now + 1000)).toBe(true)
  sim.crash(x)
  sim.restart(f)
  sim.runFor(50)
  sim.restart(x)
  return { sim, chk, x, u, f, index, electionsBefore: sim.stats.elections }
}

describe('regression: a voter whose removal is not committed yet must not keep deposing the leader', () => {
  for (const seed of [1, 2, 4]) {
    it(`the removal commits while the laggard catches up through a snapshot in many chunks (seed ${seed})`, () => {
      const { sim, chk, x, f, index, electionsBefore } = scenario(seed)
      const committed = sim.runUntilTrue(() => sim.committedConf().index >= index, sim.now + 10_000)
      expect(chk.violations().map(formatViolation)).toEqual([])
      expect(committed).toBe(true)
      expect(sim.committedConf().voters).not.toContain(x)
      expect(sim.node(f).disk.snapshot).toBeDefined() // F did catch up through the snapshot
      expect(sim.stats.elections - electionsBefore).toBeLessThan(4) // no string of elections
      expect(sim.isUp(x)).toBe(false) // stopped once its removal committed
      // And the cluster goes on committing.
      const op = sim.request({ op: 'set', key: 'after', value: 'ok' }, 's2', sim.leader() ?? undefined)
      expect(sim.runUntilTrue(() => op.outcome === 'ok', sim.now + 5000)).toBe(true)
    })
  }
})

describe('a leader replicates to a node being removed until the removal commits, then stops', () => {
  it('the removed voter keeps hearing from the leader, learns that its removal committed, and hears nothing after', () => {
    const sim = new Simulator(scenarioOptions(5, { nodes: 3, electionTick: 10, heartbeatTick: 1, lingerMs: 10_000 }))
    const chk = new SimCheckers(sim)
    let leader: string | null = null
    sim.runUntilTrue(() => (leader = sim.leader()) !== null, 3000)
    const l = leader as unknown as string
    const [victim, down] = sim.nodeIds().filter((id) => id !== l)
    let toVictim = 0
    sim.setFilter((m) => {
      if (m.to === victim && m.from === l) toVictim++
      return true
    })
    sim.crash(down) // the new configuration {leader, down} cannot commit the removal without it
    sim.runFor(100)
    const { index } = sim.removeNode(victim)
    toVictim = 0
    sim.runFor(2000)
    // Heartbeats kept coming (about one per tick), so the victim, though removed in its log, never campaigned.
    expect(toVictim).toBeGreaterThan(100)
    expect(sim.node(victim).raw.status().voters).not.toContain(victim)
    expect(sim.node(victim).raw.status().role).toBe('follower')
    expect(sim.node(victim).raw.status().term).toBe(sim.node(l).raw.status().term)
    expect(sim.committedConf().index).toBeLessThan(index)

    sim.restart(down)
    expect(sim.runUntilTrue(() => sim.committedConf().index >= index, sim.now + 3000)).toBe(true)
    sim.runFor(200)
    // It lingers (lingerMs), knows the removal committed, and hears nothing more.
    expect(sim.isUp(victim)).toBe(true)
    expect(sim.node(victim).raw.status().commit).toBeGreaterThanOrEqual(index)
    toVictim = 0
    sim.runFor(2000)
    expect(toVictim).toBe(0)
    expect(sim.node(victim).raw.status().role).toBe('follower') // not promotable: it knows it was removed
    expect(sim.stats.lingerCampaigns).toBe(0)
    expect(chk.violations().map(formatViolation)).toEqual([])
  })
})
