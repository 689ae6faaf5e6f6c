import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { formatOptions, resolveOptions, scenarioOptions } from '../../../src/sim/options.ts'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'

/** A short run with random faults and clients, plus a few faults placed by hand at given times. */
function scripted(seed: number, crashAt = 700): Simulator {
  const sim = new Simulator({ seed, crashRate: 0.05, partitionRate: 0.05, clients: 2 })
  sim.at(crashAt, 'crash n1', () => sim.crash('n1'))
  sim.at(1500, 'restart n1', () => sim.restart('n1'))
  sim.at(1800, 'partition', () => sim.partition([['n1', 'n2'], ['n3']]))
  sim.at(2600, 'heal', () => sim.heal())
  sim.runUntil(4000)
  return sim
}

describe('determinism', () => {
  it('the same seed and the same fault schedule give the same trace, stats and history', () => {
    const a = scripted(21)
    const b = scripted(21)
    expect(a.stats.events).toBeGreaterThan(1000)
    expect(a.traceHash()).toBe(b.traceHash())
    expect(a.stats).toEqual(b.stats)
    expect(JSON.stringify(a.workload.history)).toBe(JSON.stringify(b.workload.history))
  })

  it('a different seed, or the same fault a millisecond later, gives a different trace', () => {
    const base = scripted(21).traceHash()
    expect(scripted(22).traceHash()).not.toBe(base)
    expect(scripted(21, 701).traceHash()).not.toBe(base)
  })

  it('ten seeds give ten different traces, and each replays exactly through the fuzz runner', () => {
    const hashes = new Set<string>()
    for (let seed = 1; seed <= 10; seed++) {
      const r = runFuzzSeed({ seed, ticks: 300, linearizability: false })
      hashes.add(r.hash)
      if (seed <= 2) expect(runFuzzSeed({ seed, ticks: 300, linearizability: false }).hash).toBe(r.hash)
    }
    expect(hashes.size).toBe(10)
  })

  it('a run with membership changes, transfers and ReadIndex reads replays exactly from its seed', () => {
    const a = runFuzzSeed({ seed: 7, ticks: 1500, linearizability: false })
    expect(a.stats.confChanges).toBeGreaterThan(3)
    expect(a.operator.transfers).toBeGreaterThan(0)
    expect(a.reads.readIndex).toBeGreaterThan(0)
    const b = runFuzzSeed({ seed: 7, ticks: 1500, linearizability: false })
    expect(b.hash).toBe(a.hash)
    expect(b.operator).toEqual(a.operator)
    expect(b.stats).toEqual(a.stats)
  })

  it('observers do not change the run', () => {
    const plain = new Simulator({ seed: 5, clients: 2 })
    const watched = new Simulator({ seed: 5, clients: 2 })
    const chk = new SimCheckers(watched)
    plain.runUntil(3000)
    watched.runUntil(3000)
    expect(watched.traceHash()).toBe(plain.traceHash())
    expect(chk.safety.stats().applies).toBeGreaterThan(0)
  })
})

describe('options', () => {
  it('are drawn from the seed, and giving one does not change the others', () => {
    const a = resolveOptions({ seed: 99 })
    expect(resolveOptions({ seed: 99 })).toEqual(a)
    const b = resolveOptions({ seed: 99, nodes: 7 })
    expect(b.nodes).toBe(7)
    expect({ ...b, nodes: a.nodes }).toEqual(a)
    const differ = [1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(resolveOptions({ seed: s })))
    expect(new Set(differ).size).toBe(6)
  })

  it('print as one line that names the seed and every knob', () => {
    const line = formatOptions(resolveOptions({ seed: 1234, unsafe: { commitOldTermEntries: true } }))
    expect(line).not.toContain('\n')
    expect(line.startsWith('seed=1234 ')).toBe(true)
    for (const k of ['nodes=', 'electionTick=', 'drop=', 'dup=', 'reorder=', 'disk=', 'crash=', 'partition=', 'preVote=', 'snapshotEvery=', 'reads=', 'membership=', 'transfer=', 'linger=']) {
      expect(line).toContain(k)
    }
    expect(line).toContain('unsafe=commitOldTermEntries')
  })

  it('draw membership changes, transfers, lingering and the read mode from the seed; scenarios turn them off', () => {
    const drawn = [...Array(200).keys()].map((s) => resolveOptions({ seed: s + 1 }))
    expect(new Set(drawn.map((o) => o.readMode))).toEqual(new Set(['log', 'readIndex', 'mixed']))
    const on = drawn.filter((o) => o.membershipRate > 0).length
    expect(on).toBeGreaterThan(150)
    expect(on).toBeLessThan(200)
    expect(drawn.filter((o) => o.transferRate > 0).length).toBeGreaterThan(140)
    expect(drawn.filter((o) => o.lingerMs > 0).length).toBeGreaterThan(60)
    const calm = scenarioOptions(3)
    expect([calm.membershipRate, calm.transferRate, calm.lingerMs, calm.readMode]).toEqual([0, 0, 0, 'log'])
  })

  it('reject nonsense', () => {
    expect(() => resolveOptions({ seed: 1, electionTick: 2, heartbeatTick: 2 })).toThrow(/heartbeatTick/)
    expect(() => resolveOptions({ seed: 1, crashRate: 2 })).toThrow(/crashRate/)
    expect(() => resolveOptions({ seed: 1, membershipRate: -1 })).toThrow(/membershipRate/)
    expect(() => resolveOptions({ seed: 1, lingerMs: -5 })).toThrow(/lingerMs/)
    expect(() => scenarioOptions(1, { diskMinMs: 5, diskMaxMs: 1 })).toThrow(/disk/)
  })
})
