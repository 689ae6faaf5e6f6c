import { describe, it, expect } from 'vitest'
import { EventQueue } from '../../../src/world/queue.ts'
import { Prng } from '../../../src/world/prng.ts'

interface Ev {
  time: number
  seq: number
  name: string
}

const ev = (name: string): Ev => ({ time: 0, seq: 0, name })

describe('EventQueue', () => {
  it('pops in time order, and in push order among equal times', () => {
    const q = new EventQueue<Ev>()
    q.push(ev('c'), 5)
    q.push(ev('a'), 1)
    q.push(ev('d'), 5)
    q.push(ev('b'), 3)
    q.push(ev('e'), 5)
    const out: string[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.name)
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(q.size).toBe(0)
    expect(q.pop()).toBeUndefined()
  })

  it('matches a stable sort on many random pushes interleaved with pops', () => {
    const r = new Prng(5)
    const q = new EventQueue<Ev>()
    const popped: Ev[] = []
    let now = 0
    for (let i = 0; i < 5000; i++) {
      q.push(ev(String(i)), now + r.int(50))
      if (r.chance(0.4)) {
        const e = q.pop()!
        expect(e.time).toBeGreaterThanOrEqual(now)
        now = e.time
        popped.push(e)
      }
    }
    for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e)
    expect(popped.length).toBe(5000)
    for (let i = 1; i < popped.length; i++) {
      const a = popped[i - 1]
      const b = popped[i]
      expect(a.time < b.time || (a.time === b.time && a.seq < b.seq)).toBe(true)
    }
  })

  it('lets a popped item be pushed again, and removeWhere keeps the order of the rest', () => {
    const q = new EventQueue<Ev>()
    const t = ev('tick')
    q.push(t, 10)
    q.push(ev('x'), 10)
    q.push(ev('y'), 20)
    expect(q.pop()).toBe(t)
    q.push(t, 20)
    expect(q.removeWhere((e) => e.name === 'x')).toBe(1)
    expect(q.peek()?.name).toBe('y')
    expect(q.pop()?.name).toBe('y')
    expect(q.pop()).toBe(t)
  })
})
