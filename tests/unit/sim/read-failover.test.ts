import { describe, expect, it } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import { formatViolation } from '../../../src/check/safety.ts'

// The project's correctness issue, finding 3: a ReadIndex read registered at a leader that then lost leadership
// was never answered. The core dropped its pending reads on stepping down, the host kept waiting, and the client
// ended "unknown" at its timeout although a new leader existed. Now the core reports the dropped reads
// (Ready.readFailures) and the host answers "not leader", so the client retries at the new leader at once.
describe('scenario: a read waiting at a leader that is deposed', () => {
  it('is answered by the new leader soon after the old one steps down, not left unknown at the timeout', () => {
    // Clients retry only when told to: their own retry timer fires at the timeout, when they give up.
    const sim = new Simulator(scenarioOptions(3, { readMode: 'readIndex', retryMs: 3000, requestTimeoutMs: 3000 }))
    const chk = new SimCheckers(sim)
    let old: string | null = null
    expect(sim.runUntilTrue(() => (old = sim.leader()) !== null, 3000)).toBe(true)
    const set = sim.request({ op: 'set', key: 'x', value: 'one' }, 's0', old!)
    expect(sim.runUntilTrue(() => set.outcome === 'ok', sim.now + 1000)).toBe(true)

    sim.isolate(old!)
    const read = sim.request({ op: 'get', key: 'x' }, 's1', old!)
    const write = sim.request({ op: 'set', key: 'y', value: 'two' }, 's2', old!)
    const others = sim.nodeIds().filter((id) => id !== old)
    const newLeader = () => others.find((id) => sim.node(id).raw.status().role === 'leader')
    expect(sim.runUntilTrue(() => newLeader() !== undefined, sim.now + 2000)).toBe(true)
    sim.runFor(100)
    expect(read.outcome).toBe('unknown') // still waiting at the old leader, which cannot confirm it
    sim.heal()
    const healed = sim.now
    expect(sim.runUntilTrue(() => sim.node(old!).raw.status().role === 'follower', healed + 1000)).toBe(true)
    expect(sim.runUntilTrue(() => read.outcome === 'ok' && write.outcome === 'ok', healed + 1000)).toBe(true)
    expect(read.result).toEqual({ ok: true, value: 'one' })
    expect(read.complete! - read.invoke).toBeLessThan(3000)
    expect(chk.violations().map(formatViolation)).toEqual([])
  })
})
