import { describe, it, expect } from 'vitest'
import { Scheduler, type ClusterSpec } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { testSpec } from './spec.ts'
import { checkLinearizability } from '../../../src/check/linearizability.ts'

function spec(over: Partial<ClusterSpec> = {}): ClusterSpec {
  return testSpec(over)
}

async function leaderOf(s: Scheduler, until: number): Promise<string> {
  while (s.now < until) {
    await s.runUntil(s.now + 10)
    const l = s.nodeIds().find((id) => s.summary(id)?.role === 'leader' && s.nodeState(id) === 'up')
    if (l) return l
  }
  throw new Error('no leader')
}

describe('Scheduler with in-process hosts', () => {
  it('elects a leader and commits client writes on every node', async () => {
    const s = new Scheduler(spec(), inprocFactory())
    await s.start()
    const leader = await leaderOf(s, 2000)
    const op = s.submit('c1', { op: 'set', key: 'x', value: '1' })
    await s.runUntil(s.now + 200)
    const done = await op
    expect(done.status).toBe('ok')
    expect(done.node).toBe(leader)
    await s.runUntil(s.now + 100)
    for (const id of s.nodeIds()) expect(await s.kv(id)).toEqual([['x', '1']])
    const read = s.submit('c2', { op: 'get', key: 'x' })
    await s.runUntil(s.now + 100)
    expect((await read).result?.value).toBe('1')
  })

  it('survives a leader crash with its data, and a restarted node recovers from its disk', async () => {
    const s = new Scheduler(spec({ seed: 7 }), inprocFactory())
    await s.start()
    const l1 = await leaderOf(s, 2000)
    const w = s.submit('c1', { op: 'set', key: 'k', value: 'v' })
    await s.runUntil(s.now + 200)
    expect((await w).status).toBe('ok')
    await s.crash(l1)
    await s.runUntil(s.now + 50)
    const l2 = await leaderOf(s, s.now + 3000)
    expect(l2).not.toBe(l1)
    await s.restart(l1)
    expect(s.recovery(l1)?.logLength).toBeGreaterThanOrEqual(2)
    await s.runUntil(s.now + 500)
    expect(await s.kv(l1)).toEqual([['k', 'v']])
  })

  it('is deterministic: the same seed gives the same trace', async () => {
    async function run(seed: number): Promise<string> {
      const s = new Scheduler(spec({ seed, network: defaultNetworkConfig({ drop: 0.05, jitter: 8 }) }), inprocFactory())
      await s.start()
      for (let i = 0; i < 20; i++) {
        void s.submit(`c${i % 3}`, { op: 'set', key: `k${i % 4}`, value: String(i) })
        await s.runUntil(s.now + 37)
      }
      await s.runUntil(3000)
      return s.trace.hex()
    }
    const a = await run(5)
    const b = await run(5)
    const c = await run(6)
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })

  it('keeps client histories linearizable through crashes', async () => {
    const s = new Scheduler(spec({ seed: 11, network: defaultNetworkConfig({ drop: 0.02, jitter: 6 }) }), inprocFactory())
    await s.start()
    for (let t = 0; t < 60; t++) {
      for (let c = 0; c < 3; c++) {
        const client = `c${c}`
        if (s.clientIdle(client)) {
          const r = (t * 7 + c) % 3
          void s.submit(client, r === 0 ? { op: 'get', key: 'a' } : { op: 'set', key: 'a', value: `${t}-${c}` })
        }
      }
      if (t === 20) await s.crash(s.likelyLeader()!)
      if (t === 35) for (const id of s.nodeIds()) if (s.nodeState(id) === 'crashed') await s.restart(id)
      await s.runUntil(s.now + 50)
    }
    await s.runUntil(s.now + 3000)
    const h = s.getHistory()
    expect(h.filter((o) => o.outcome === 'ok').length).toBeGreaterThan(30)
    expect(checkLinearizability(h).ok).toBe(true)
  })
})
