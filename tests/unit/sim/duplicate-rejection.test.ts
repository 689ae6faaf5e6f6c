import { describe, expect, it } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { formatViolation } from '../../../src/check/safety.ts'

// The project's correctness issue, finding 5: a network duplicate of a rejection that a follower sent while it was
// short reset the leader's view of that follower to match 0 (probing from scratch). etcd drops such a stale
// rejection; no disk is lost here, so within one leader's term a follower's match must never go down.
describe('scenario: a network that duplicates and reorders messages after a follower falls behind', () => {
  it('never lowers a follower\'s match within a leader\'s term', () => {
    const sim = new Simulator(
      scenarioOptions(9, {
        clients: 3,
        thinkMs: 0,
        maxEntriesPerMsg: 2,
        maxInflightMsgs: 2,
        network: defaultNetworkConfig({ latency: 3, jitter: 6, duplicate: 0.3, reorder: 0.2, reorderDelay: 40 }),
      }),
    )
    const chk = new SimCheckers(sim)
    const best = new Map<string, number>()
    const drops: string[] = []
    const watch = () => {
      const l = sim.leader()
      if (l === null) return
      const st = sim.node(l).raw.status()
      for (const [id, p] of Object.entries(st.progress ?? {})) {
        const key = `${l}/${st.term}/${id}`
        const before = best.get(key) ?? 0
        if (p.match < before) drops.push(`${key}: match ${before} -> ${p.match} at ${sim.now} ms`)
        else best.set(key, p.match)
      }
    }
    expect(sim.runUntilTrue(() => sim.leader() !== null, 3000)).toBe(true)
    const leader = sim.leader()!
    const followers = sim.nodeIds().filter((id) => id !== leader)
    for (let round = 0; round < 6; round++) {
      const lag = followers[round % followers.length]
      sim.isolate(lag)
      sim.runUntilTrue(() => (watch(), false), sim.now + 300)
      sim.heal()
      sim.runUntilTrue(() => (watch(), false), sim.now + 300)
    }
    expect(drops).toEqual([])
    expect(chk.violations().map(formatViolation)).toEqual([])
  })
})
