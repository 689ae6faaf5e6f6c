import { describe, it, expect } from 'vitest'
import { Network, defaultNetworkConfig, linkKey, type NetworkConfig } from '../../../src/world/network.ts'
import { Prng } from '../../../src/world/prng.ts'

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5']

/** For every ordered pair, whether a message gets through (no loss configured). */
function reachability(net: Network): Record<string, boolean> {
  const r = new Prng(1)
  const out: Record<string, boolean> = {}
  for (const a of NODES) for (const b of NODES) if (a !== b) out[linkKey(a, b)] = net.decide(a, b, 0, r).deliverAt.length > 0
  return out
}

describe('Network', () => {
  it('delivers after latency plus jitter, in whole milliseconds, never in the same instant', () => {
    const net = new Network(defaultNetworkConfig({ latency: 5, jitter: 10 }))
    const r = new Prng(2)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const d = net.decide('n1', 'n2', 100, r)
      expect(d.dropped).toBeUndefined()
      expect(d.deliverAt.length).toBe(1)
      const t = d.deliverAt[0]
      expect(Number.isInteger(t)).toBe(true)
      expect(t).toBeGreaterThanOrEqual(105)
      expect(t).toBeLessThan(115)
      seen.add(t)
    }
    expect(seen.size).toBe(10)
    const zero = new Network(defaultNetworkConfig({ latency: 0, jitter: 0 }))
    expect(zero.decide('n1', 'n2', 7, r).deliverAt).toEqual([8])
  })

  it('drops about the configured fraction, reproducibly for a fixed seed', () => {
    const net = new Network(defaultNetworkConfig({ drop: 0.2 }))
    const count = (seed: number): number => {
      const r = new Prng(seed)
      let lost = 0
      for (let i = 0; i < 20_000; i++) {
        const d = net.decide('n1', 'n2', 0, r)
        if (d.dropped === 'loss') {
          expect(d.deliverAt).toEqual([])
          lost++
        }
      }
      return lost
    }
    const lost = count(11)
    expect(lost).toBe(count(11))
    expect(lost / 20_000).toBeGreaterThan(0.19)
    expect(lost / 20_000).toBeLessThan(0.21)
  })

  it('duplicates about the configured fraction, each copy with its own delay', () => {
    const net = new Network(defaultNetworkConfig({ duplicate: 0.1, latency: 1, jitter: 50 }))
    const r = new Prng(4)
    let dups = 0
    let differ = 0
    for (let i = 0; i < 10_000; i++) {
      const d = net.decide('n1', 'n2', 0, r)
      if (d.deliverAt.length === 2) {
        dups++
        if (d.deliverAt[0] !== d.deliverAt[1]) differ++
      }
    }
    expect(dups / 10_000).toBeGreaterThan(0.09)
    expect(dups / 10_000).toBeLessThan(0.11)
    expect(differ).toBeGreaterThan(dups * 0.9)
  })

  it('reorders: with jitter or the explicit reorder delay, a later send can arrive first', () => {
    const inversions = (c: NetworkConfig): number => {
      const net = new Network(c)
      const r = new Prng(8)
      let prev = -1
      let inv = 0
      for (let now = 0; now < 1000; now++) {
        const t = net.decide('n1', 'n2', now, r).deliverAt[0]
        if (t < prev) inv++
        prev = t
      }
      return inv
    }
    expect(inversions(defaultNetworkConfig({ latency: 3, jitter: 0 }))).toBe(0)
    expect(inversions(defaultNetworkConfig({ latency: 3, jitter: 20 }))).toBeGreaterThan(100)
    const explicit = inversions(defaultNetworkConfig({ latency: 3, jitter: 0, reorder: 0.1, reorderDelay: 30 }))
    expect(explicit).toBeGreaterThan(20)
    expect(explicit).toBeLessThan(200)
  })

  it('a partition cuts exactly the links between groups, both ways; unnamed nodes form one group', () => {
    const net = new Network()
    net.partition([['n1', 'n2'], ['n3']])
    const reach = reachability(net)
    const group = (n: string): number => (n === 'n1' || n === 'n2' ? 0 : n === 'n3' ? 1 : 2)
    for (const a of NODES) {
      for (const b of NODES) {
        if (a === b) continue
        expect(reach[linkKey(a, b)], `${a}->${b}`).toBe(group(a) === group(b))
      }
    }
    expect(net.decide('n1', 'n3', 0, new Prng(1))).toEqual({ deliverAt: [], dropped: 'partition' })
    expect(net.blocked('n4', 'n5')).toBeNull()
    expect(() => net.partition([['n1'], ['n1', 'n2']])).toThrow(/two partition groups/)
  })

  it('a one-way cut stops one direction only; isolation stops both; heal restores everything', () => {
    const net = new Network()
    net.cut('n1', 'n2')
    expect(net.decide('n1', 'n2', 0, new Prng(1)).dropped).toBe('cut')
    expect(net.decide('n2', 'n1', 0, new Prng(1)).deliverAt.length).toBe(1)
    net.isolate('n3')
    for (const other of ['n1', 'n2', 'n4']) {
      expect(net.blocked('n3', other)).toBe('isolated')
      expect(net.blocked(other, 'n3')).toBe('isolated')
    }
    net.partition([['n4'], ['n5']])
    expect(net.faulted).toBe(true)
    net.heal()
    expect(net.faulted).toBe(false)
    expect(Object.values(reachability(net)).every(Boolean)).toBe(true)
    net.cut('n1', 'n2')
    net.uncut('n1', 'n2')
    net.isolate('n2')
    net.unisolate('n2')
    expect(Object.values(reachability(net)).every(Boolean)).toBe(true)
  })

  it('per-link overrides apply to one direction only and draw nothing on a blocked link', () => {
    const net = new Network(defaultNetworkConfig({ latency: 1, jitter: 0 }))
    net.setLink('n1', 'n2', { latency: 50, drop: 1 })
    const r = new Prng(1)
    expect(net.decide('n1', 'n2', 0, r).dropped).toBe('loss')
    expect(net.decide('n2', 'n1', 0, r).deliverAt).toEqual([1])
    net.setLink('n1', 'n2', { drop: 0 })
    expect(net.decide('n1', 'n2', 0, r).deliverAt).toEqual([50])
    net.setLink('n1', 'n2', null)
    expect(net.decide('n1', 'n2', 0, r).deliverAt).toEqual([1])

    let draws = 0
    const counting = { next: () => (draws++, 0.5) }
    net.setDefaults({ drop: 0.5, jitter: 3 })
    net.isolate('n1')
    net.decide('n1', 'n2', 0, counting)
    expect(draws).toBe(0)
  })

  it('its config is plain data that survives JSON and rebuilds an identical model', () => {
    const net = new Network(defaultNetworkConfig({ latency: 2, jitter: 7, drop: 0.1, duplicate: 0.05 }))
    net.setLink('n2', 'n3', { latency: 30 })
    net.partition([['n1'], ['n2', 'n3']])
    net.cut('n4', 'n5')
    const copy = new Network(JSON.parse(JSON.stringify(net.config)) as NetworkConfig)
    const a = new Prng(9)
    const b = new Prng(9)
    for (let i = 0; i < 500; i++) {
      const from = NODES[i % 5]
      const to = NODES[(i * 3 + 1) % 5]
      expect(copy.decide(from, to, i, b)).toEqual(net.decide(from, to, i, a))
    }
    // The config handed out is a copy: changing it changes nothing.
    net.config.partition.length = 0
    expect(net.blocked('n1', 'n2')).toBe('partition')
  })

  it('rejects out-of-range parameters', () => {
    expect(() => new Network(defaultNetworkConfig({ drop: 1.5 }))).toThrow(/drop/)
    expect(() => new Network(defaultNetworkConfig({ latency: -1 }))).toThrow(/latency/)
    const net = new Network()
    expect(() => net.setLink('a', 'b', { duplicate: -0.1 })).toThrow(/duplicate/)
    expect(() => net.setDefaults({ drop: 2 })).toThrow(/drop/)
    // A rejected change leaves the model as it was.
    expect(net.config.links).toEqual({})
    expect(net.config.defaults.drop).toBe(0)
    expect(net.decide('a', 'b', 0, new Prng(1)).deliverAt.length).toBe(1)
  })
})
