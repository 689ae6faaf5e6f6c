import { describe, expect, it } from 'vitest'
import { Scheduler, type ClientOp } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { testSpec } from './spec.ts'

// The project's correctness issue, finding 3, through the browser runtime's host (NodeHost) and client protocol
// (the scheduler): a ReadIndex read waiting at a leader that is deposed used to end "unknown" at the client's
// timeout. NodeHost now answers it "not leader" when the core reports the read failed, and the client follows
// the redirect to the new leader.
describe('a read waiting at a deposed leader (NodeHost and scheduler)', () => {
  it('is redirected and answered by the new leader, long before the timeout', async () => {
    const s = new Scheduler(testSpec({ seed: 5, params: { electionTick: 10, heartbeatTick: 2, preVote: false, checkQuorum: false }, clientTimeoutMs: 3000 }), inprocFactory())
    await s.start()
    const leaderAmong = (ids: string[]) => ids.find((id) => s.summary(id)?.role === 'leader' && s.nodeState(id) === 'up')
    while (leaderAmong(s.nodeIds()) === undefined && s.now < 3000) await s.runUntil(s.now + 10)
    const old = leaderAmong(s.nodeIds())!
    expect(old).toBeDefined()
    const w = s.submit('c1', { op: 'set', key: 'x', value: 'one' })
    await s.runUntil(s.now + 300)
    expect((await w).status).toBe('ok')

    const cfg = s.network.config
    s.network.setConfig({ ...cfg, isolated: [old] })
    let read: ClientOp | null = null
    void s.submit('c2', { op: 'get', key: 'x' }, 'readIndex').then((op) => (read = op))
    const others = s.nodeIds().filter((id) => id !== old)
    while (leaderAmong(others) === undefined && s.now < 5000) await s.runUntil(s.now + 10)
    expect(leaderAmong(others)).toBeDefined()
    await s.runUntil(s.now + 100)
    expect(read).toBeNull() // still waiting at the old leader, which cannot confirm it
    s.network.setConfig({ ...cfg, isolated: [] })
    await s.runUntil(s.now + 1000)
    expect(read).not.toBeNull()
    const r = read! as ClientOp
    expect(r.status).toBe('ok')
    expect(r.result).toEqual({ ok: true, value: 'one' })
    expect(r.node).not.toBe(old)
    expect(r.complete! - r.invoke).toBeLessThan(3000)
    await s.shutdown()
  })
})
