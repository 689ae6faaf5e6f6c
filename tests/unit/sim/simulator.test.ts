import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import type { Message } from '../../../src/raft/types.ts'

function leaderOf(sim: Simulator): string {
  let l: string | null = null
  sim.runUntilTrue(() => (l = sim.leader()) !== null, sim.now + 3000)
  if (l === null) throw new Error('no leader')
  return l
}

describe('Simulator', () => {
  it('ticks every node every tickMs and keeps virtual time', () => {
    const sim = new Simulator(scenarioOptions(1, { nodes: 3, tickMs: 10 }))
    sim.runUntil(1000)
    expect(sim.now).toBe(1000)
    expect(sim.stats.ticks).toBeGreaterThanOrEqual(3 * 99)
    expect(sim.stats.ticks).toBeLessThanOrEqual(3 * 100)
    const ev = sim.step()
    expect(ev).toBeDefined()
    expect(ev!.time).toBeGreaterThan(1000)
  })

  it('sends a Ready\'s messages only once its write is on disk, and applies only then', () => {
    const sim = new Simulator(scenarioOptions(2, { diskMinMs: 40, diskMaxMs: 40 }))
    const leader = leaderOf(sim)
    sim.runFor(500)
    const sent: { time: number; m: Message }[] = []
    sim.setFilter((m) => {
      if (m.type === 'MsgApp' && (m.entries?.length ?? 0) > 0) sent.push({ time: sim.now, m })
      return true
    })
    const proposedAt = sim.now
    const { index } = sim.propose(leader, '{"x":1}')
    sim.runFor(39)
    expect(sent).toEqual([])
    expect(sim.node(leader).disk.entries.length).toBeLessThan(index)
    sim.runFor(1)
    expect(sent.length).toBeGreaterThan(0)
    expect(sent[0].time).toBe(proposedAt + 40)
    expect(sim.node(leader).disk.entries[index - 1]).toMatchObject({ index, data: '{"x":1}' })
    // Follower write (40 ms), its answer, the leader's commit write (40 ms): nothing applied before that.
    expect(sim.node(leader).kv.appliedIndex).toBeLessThan(index)
    sim.runFor(200)
    expect(sim.node(leader).kv.appliedIndex).toBeGreaterThanOrEqual(index)
  })

  it('a crash before the write completes loses the Ready', () => {
    const sim = new Simulator(scenarioOptions(3, { diskMinMs: 30, diskMaxMs: 30 }))
    const chk = new SimCheckers(sim)
    const leader = leaderOf(sim)
    sim.runFor(300)
    const before = sim.node(leader).disk.entries.length
    const { index } = sim.propose(leader, '{"lost":true}')
    sim.runFor(10)
    sim.crash(leader)
    expect(sim.stats.readiesLost).toBe(1)
    sim.runFor(100)
    expect(sim.node(leader).disk.entries.length).toBe(before)
    sim.restart(leader)
    expect(sim.node(leader).raw.lastIndex()).toBe(index - 1)
    sim.runFor(2000)
    expect(chk.violations()).toEqual([])
    for (const id of sim.nodeIds()) {
      for (const e of sim.node(id).disk.entries) expect(e.data).not.toBe('{"lost":true}')
    }
  })

  it('an isolated node hears nothing and a filter drops exactly what it rejects', () => {
    const sim = new Simulator(scenarioOptions(4))
    const leader = leaderOf(sim)
    const follower = sim.nodeIds().find((id) => id !== leader) as string
    sim.runFor(200)
    sim.isolate(follower)
    const applied = sim.node(follower).kv.appliedIndex
    const heard = sim.stats.delivered
    for (let i = 0; i < 3; i++) sim.propose(leader, `{"i":${i}}`)
    sim.runFor(500)
    expect(sim.node(follower).kv.appliedIndex).toBe(applied)
    expect(sim.stats.delivered).toBeGreaterThan(heard)
    sim.heal()
    let dropped = 0
    sim.setFilter((m) => {
      const keep = m.type !== 'MsgHeartbeat'
      if (!keep) dropped++
      return keep
    })
    const before = sim.stats.dropped
    sim.runFor(500)
    expect(dropped).toBeGreaterThan(0)
    expect(sim.stats.dropped - before).toBe(dropped)
    expect(sim.node(follower).kv.appliedIndex).toBeGreaterThan(applied)
  })

  it('stopFaults heals the network, makes it reliable and restarts every crashed node', () => {
    const sim = new Simulator({ seed: 6, crashRate: 0.5, partitionRate: 0.5, healRate: 0, restartRate: 0, clients: 1 })
    sim.runUntil(3000)
    expect(sim.stats.crashes).toBeGreaterThan(0)
    expect(sim.stats.partitions).toBeGreaterThan(0)
    sim.stopFaults()
    expect(sim.faultsOn).toBe(false)
    expect(sim.network.faulted).toBe(false)
    expect(sim.network.config.defaults.drop).toBe(0)
    for (const id of sim.nodeIds()) expect(sim.isUp(id)).toBe(true)
    const crashes = sim.stats.crashes
    sim.runUntil(6000)
    expect(sim.stats.crashes).toBe(crashes)
    expect(sim.leader()).not.toBeNull()
  })

  it('with volatile storage a crash loses the disk: the node restarts empty, and the safety checker does not call that a Durability violation', () => {
    const run = (storage: 'durable' | 'volatile'): { disk: number; raw: number; describe: string; violations: number } => {
      const sim = new Simulator(scenarioOptions(3, { nodes: 3, storage }))
      const checkers = new SimCheckers(sim)
      const leader = leaderOf(sim)
      sim.propose(leader, 'x')
      sim.runFor(300)
      const f = sim.nodeIds().find((id) => id !== leader)!
      sim.crash(f)
      const disk = sim.node(f).disk.entries.length
      sim.restart(f)
      sim.runUntil(sim.now)
      return { disk, raw: sim.node(f).raw.lastIndex(), describe: sim.describe(), violations: checkers.violations().length }
    }
    const durable = run('durable')
    expect(durable.disk).toBeGreaterThanOrEqual(2)
    expect(durable.raw).toBe(durable.disk)
    expect(durable.describe).not.toContain('storage=')
    const volatile = run('volatile')
    expect(volatile).toMatchObject({ disk: 0, raw: 0, violations: 0 })
    expect(volatile.describe).toContain(' storage=volatile')
  })

  it('runs scheduled calls at their time, as events', () => {
    const sim = new Simulator(scenarioOptions(7))
    const seen: number[] = []
    sim.at(123, 'mark', () => seen.push(sim.now))
    sim.at(50, 'mark', () => seen.push(sim.now))
    sim.runUntil(200)
    expect(seen).toEqual([50, 123])
  })

  it('answers client requests from the leader\'s state machine and records them', () => {
    const sim = new Simulator(scenarioOptions(9))
    leaderOf(sim)
    const w = sim.request({ op: 'set', key: 'a', value: '1' }, 's1', 'n1')
    sim.runUntilTrue(() => w.outcome === 'ok', sim.now + 2000)
    const c = sim.request({ op: 'cas', key: 'a', value: '2', expected: '0' }, 's1')
    sim.runUntilTrue(() => c.outcome === 'ok', sim.now + 2000)
    const g = sim.request({ op: 'get', key: 'a' }, 's2')
    sim.runUntilTrue(() => g.outcome === 'ok', sim.now + 2000)
    expect(w.result).toEqual({ ok: true, value: '1' })
    expect(c.result).toEqual({ ok: false, value: '1' })
    expect(g.result).toEqual({ ok: true, value: '1' })
    expect(sim.workload.history.map((h) => h.op)).toEqual(['set', 'cas', 'get'])
    expect(w.complete! >= w.invoke && g.invoke >= c.complete!).toBe(true)
    expect(() => {
      sim.request({ op: 'get', key: 'a' }, 's3')
      sim.request({ op: 'get', key: 'a' }, 's3')
    }).toThrow(/in progress/)
  })

  it('follows NotLeaderError hints from a follower to the leader', () => {
    const sim = new Simulator(scenarioOptions(11))
    const leader = leaderOf(sim)
    sim.runFor(200)
    const follower = sim.nodeIds().find((id) => id !== leader) as string
    const op = sim.request({ op: 'set', key: 'h', value: 'v' }, 's1', follower)
    const invoked = sim.now
    sim.runUntilTrue(() => op.outcome === 'ok', sim.now + 2000)
    expect(op.result).toEqual({ ok: true, value: 'v' })
    // No retry timer was needed: well under one retry interval.
    expect((op.complete as number) - invoked).toBeLessThan(sim.options.retryMs)
  })

  it('serves ReadIndex reads when asked to', () => {
    const sim = new Simulator(scenarioOptions(10, { readMode: 'readIndex' }))
    leaderOf(sim)
    const w = sim.request({ op: 'set', key: 'a', value: 'r' }, 's1')
    sim.runUntilTrue(() => w.outcome === 'ok', sim.now + 2000)
    const applied = sim.stats.committed
    const g = sim.request({ op: 'get', key: 'a' }, 's1')
    sim.runUntilTrue(() => g.outcome === 'ok', sim.now + 2000)
    expect(g.result).toEqual({ ok: true, value: 'r' })
    expect(sim.stats.committed).toBe(applied) // the read did not go through the log
  })
})
