import { describe, it, expect } from 'vitest'
import { Cluster } from './harness.ts'

// Raft assumes a disk is never lost. Raft Lab offers volatile storage and "wipe disk" to show what happens when it
// is: the node comes back empty. The leader must notice and send it everything again rather than probe forever at
// the index it believed the node had.
describe('a follower that lost its disk', () => {
  function lose(c: Cluster, id: string): void {
    const n = c.node(id)
    n.disk = { hardState: { term: 0, vote: null, commit: 0 }, entries: [] }
    c.restart(id)
  }

  it('is repaired by the next write', () => {
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    for (let i = 0; i < 5; i++) c.propose('n1', `v${i}`)
    c.tick('n1')
    c.stabilize()
    lose(c, 'n3')
    expect(c.node('n3').raw.lastIndex()).toBe(0)
    c.propose('n1', 'after')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n3').raw.lastIndex()).toBe(c.node('n1').raw.lastIndex())
    expect(c.node('n3').applied.map((e) => e.data ?? e.kind)).toEqual(c.node('n1').applied.map((e) => e.data ?? e.kind))
  })

  it('is repaired by heartbeats alone in an idle cluster', () => {
    const c = new Cluster(['n1', 'n2', 'n3'])
    c.elect('n1')
    for (let i = 0; i < 3; i++) c.propose('n1', `v${i}`)
    c.tick('n1')
    c.stabilize()
    lose(c, 'n2')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n2').raw.lastIndex()).toBe(c.node('n1').raw.lastIndex())
    expect(c.node('n2').raw.status().commit).toBe(c.node('n1').raw.status().commit)
  })
})
