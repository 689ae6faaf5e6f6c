import { describe, it, expect } from 'vitest'
import { Cluster } from './harness.ts'

describe('RawNode.setParams (live tuning)', () => {
  it('a new heartbeat interval takes effect at once on the leader', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], { electionTick: 10, heartbeatTick: 1 })
    c.elect('n1')
    const heartbeats = () => c.sent.filter((m) => m.type === 'MsgHeartbeat' && m.from === 'n1').length
    let before = heartbeats()
    c.tick('n1', 4)
    c.stabilize()
    expect(heartbeats() - before).toBe(8) // every tick, to two followers
    c.node('n1').raw.setParams({ heartbeatTick: 4 })
    before = heartbeats()
    c.tick('n1', 8)
    c.stabilize()
    expect(heartbeats() - before).toBe(4) // every fourth tick
  })

  it('a new election timeout is drawn from the new range', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], { electionTick: 10, heartbeatTick: 1 })
    const raw = c.node('n2').raw
    raw.setParams({ electionTick: 50 })
    const t = raw.status().electionTimeout
    expect(t).toBeGreaterThanOrEqual(50)
    expect(t).toBeLessThan(100)
    c.tick('n2', 49)
    expect(raw.status().role).toBe('follower')
  })

  it('turning pre-vote on makes the next election a pre-election, and invalid timing is refused', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], { electionTick: 10, heartbeatTick: 1 })
    const raw = c.node('n1').raw
    raw.setParams({ preVote: true })
    raw.campaign()
    expect(raw.status().role).toBe('precandidate')
    expect(raw.status().term).toBe(0)
    expect(() => raw.setParams({ electionTick: 1 })).toThrow(/greater than heartbeatTick/)
    expect(() => raw.setParams({ heartbeatTick: 0 })).toThrow(/positive/)
  })
})
