/**
 * Scheduling windows change how many round trips a run takes, never the run: the same seed gives the same trace
 * hash, the same statistics and the same client history with windows on and off, through crashes, restarts,
 * partitions, membership changes, loss, duplication, staged disk writes and group commit.
 */
import { describe, expect, it } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { resolveOptions } from '../../../src/sim/options.ts'
import type { SimOptions } from '../../../src/sim/types.ts'

/** A fuzz configuration whose network's least delay is `latency` (so windows span several instants). */
function options(seed: number, latency: number, disk: 'group' | 'staged'): SimOptions {
  const o = resolveOptions({ seed })
  const defaults = { ...o.network.defaults, latency }
  return {
    ...o,
    network: { ...o.network, defaults },
    // Staged writes take at least as long as the least delay (or the lookahead shrinks to them); group commit
    // needs writes within the batch.
    diskMinMs: disk === 'staged' ? latency : 0,
    diskMaxMs: disk === 'staged' ? latency + 7 : 0,
  }
}

function run(o: SimOptions, windows: boolean, ms: number) {
  const sim = new Simulator(o, { windows })
  let steps = 0
  while (sim.now < ms) {
    const before = sim.now
    sim.runUntil(Math.min(ms, before + 97))
    steps++
  }
  return {
    hash: sim.traceHash(),
    now: sim.now,
    history: JSON.stringify(sim.workload.history),
    stats: sim.stats,
    windows: sim.windows,
    calls: steps,
  }
}

describe('scheduling windows', () => {
  for (const disk of ['group', 'staged'] as const) {
    it(`give the same run as one instant per step (${disk} writes, 24 seeds)`, () => {
      let instants = 0
      let windows = 0
      for (let seed = 1; seed <= 24; seed++) {
        const o = options(seed, 4 + (seed % 9), disk)
        const a = run(o, false, 4000)
        const b = run(o, true, 4000)
        expect(b.hash, `seed ${seed}`).toBe(a.hash)
        expect(b.history, `seed ${seed}`).toBe(a.history)
        expect(b.stats, `seed ${seed}`).toEqual(a.stats)
        expect(a.windows).toBeLessThanOrEqual(a.stats.events)
        instants += b.stats.events
        windows += b.windows
      }
      // The point of it: far fewer rounds of calls to the nodes than instants.
      expect(windows).toBeLessThan(instants / 2)
    })
  }
})
