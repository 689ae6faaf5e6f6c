import { describe, it, expect } from 'vitest'
import { Prng } from '../../../src/world/prng.ts'

function draw(r: Prng, n: number): number[] {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(r.next())
  return out
}

describe('Prng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draw(new Prng(42), 100)).toEqual(draw(new Prng(42), 100))
    expect(draw(new Prng(42), 100)).not.toEqual(draw(new Prng(43), 100))
  })

  it('pins the first outputs and a fork seed, so a change of algorithm is noticed (recorded seeds would replay differently)', () => {
    const r = new Prng(1)
    expect([r.uint32(), r.uint32(), r.uint32()]).toEqual([2488279001, 141130089, 595560195])
    expect(new Prng(1).fork('network').seed).toBe(3713014699718102)
  })

  it('keeps next() in [0, 1) with a roughly uniform mean and spread', () => {
    const xs = draw(new Prng(7), 100_000)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean).toBeGreaterThan(0.49)
    expect(mean).toBeLessThan(0.51)
    const buckets = new Array(10).fill(0)
    for (const x of xs) buckets[Math.floor(x * 10)]++
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500)
  })

  it('int, between, chance and pick stay in range', () => {
    const r = new Prng(3)
    const seen = new Set<number>()
    for (let i = 0; i < 1000; i++) {
      const v = r.int(5)
      expect(Number.isInteger(v) && v >= 0 && v < 5).toBe(true)
      seen.add(v)
      const b = r.between(-2, 2)
      expect(b >= -2 && b <= 2 && Number.isInteger(b)).toBe(true)
    }
    expect(seen.size).toBe(5)
    expect(r.chance(0)).toBe(false)
    expect(r.chance(1)).toBe(true)
    let hits = 0
    for (let i = 0; i < 10_000; i++) if (r.chance(0.25)) hits++
    expect(hits).toBeGreaterThan(2300)
    expect(hits).toBeLessThan(2700)
    expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']))
    expect(() => r.pick([])).toThrow()
    expect(() => r.int(0)).toThrow()
    expect(r.shuffled([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('forks are independent of draws made before them', () => {
    const a = new Prng(99)
    const b = new Prng(99)
    draw(b, 37) // extra draws on the parent must not shift the fork
    expect(draw(a.fork('network'), 20)).toEqual(draw(b.fork('network'), 20))
    expect(draw(a.fork('network'), 20)).not.toEqual(draw(a.fork('disk'), 20))
    expect(draw(a.fork('x').fork('y'), 5)).not.toEqual(draw(a.fork('y'), 5))
    expect(draw(new Prng(100).fork('network'), 5)).not.toEqual(draw(a.fork('network'), 5))
  })

  it('accepts seeds beyond 32 bits and distinguishes them', () => {
    expect(draw(new Prng(2 ** 40 + 1), 5)).not.toEqual(draw(new Prng(1), 5))
    expect(new Prng(2 ** 40 + 1).fork('a').seed).toBeLessThan(2 ** 53)
    expect(() => new Prng(Number.NaN)).toThrow()
  })
})
