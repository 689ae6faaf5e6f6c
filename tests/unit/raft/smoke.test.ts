import { describe, it, expect } from 'vitest'
import { Cluster } from './harness.ts'

describe('smoke', () => {
  it('elects, replicates and commits on three nodes', () => {
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    expect(c.node('n1').raw.status().role).toBe('leader')
    c.propose('n1', 'a')
    c.propose('n1', 'b')
    c.tick('n1')
    c.stabilize()
    for (const id of ['n1', 'n2', 'n3']) {
      expect(c.node(id).applied.map((e) => e.data ?? e.kind)).toEqual(['noop', 'a', 'b'])
      expect(c.node(id).raw.status().commit).toBe(3)
    }
  })
})
