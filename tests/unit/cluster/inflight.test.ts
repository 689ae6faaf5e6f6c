import { describe, it, expect } from 'vitest'
import { Scheduler, type ClusterEvent, type ClusterSpec } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { testSpec } from './spec.ts'

function spec(): ClusterSpec {
  return testSpec({ name: 'inflight', seed: 5, network: defaultNetworkConfig({ latency: 20, jitter: 0 }), storage: 'volatile' })
}

/** Step until some message is on the wire. */
async function withMessageInFlight(s: Scheduler): Promise<void> {
  for (let i = 0; i < 2000 && s.inFlight().length === 0; i++) await s.step()
  expect(s.inFlight().length).toBeGreaterThan(0)
}

describe('Scheduler: acting on messages in flight (the UI drops or duplicates a token)', () => {
  it('lists pending deliveries, earliest first', async () => {
    const s = new Scheduler(spec(), inprocFactory())
    await s.start()
    await withMessageInFlight(s)
    const f = s.inFlight()
    for (let i = 1; i < f.length; i++) expect(f[i].deliverAt).toBeGreaterThanOrEqual(f[i - 1].deliverAt)
    for (const m of f) expect(m.deliverAt).toBeGreaterThan(s.now)
  })

  it('drops a message: it is never delivered, and a lost event says the user dropped it', async () => {
    const s = new Scheduler(spec(), inprocFactory())
    const events: ClusterEvent[] = []
    s.on((e) => events.push(e))
    await s.start()
    await withMessageInFlight(s)
    const target = s.inFlight()[0]
    expect(await s.dropInFlight(target.id)).toBe(true)
    expect(s.inFlight().some((m) => m.id === target.id)).toBe(false)
    const lost = events.find((e) => e.type === 'lost' && e.id === target.id)
    expect(lost && lost.type === 'lost' && lost.reason).toBe('dropped')
    await s.runUntil(target.deliverAt + 50)
    expect(events.some((e) => e.type === 'delivered' && e.id === target.id)).toBe(false)
    // Dropping it again finds nothing.
    expect(await s.dropInFlight(target.id)).toBe(false)
  })

  it('duplicates a message: the copy has a new id and arrives right after the original', async () => {
    const s = new Scheduler(spec(), inprocFactory())
    const events: ClusterEvent[] = []
    s.on((e) => events.push(e))
    await s.start()
    await withMessageInFlight(s)
    const target = s.inFlight()[0]
    const copy = await s.duplicateInFlight(target.id)
    expect(copy).not.toBeNull()
    expect(copy).not.toBe(target.id)
    const sent = events.find((e) => e.type === 'sent' && e.id === copy)
    expect(sent && sent.type === 'sent' ? sent.duplicateOf : undefined).toBe(target.id)
    await s.runUntil(target.deliverAt + 1)
    const got = events.filter((e) => e.type === 'delivered' && (e.id === target.id || e.id === copy))
    expect(got.map((e) => (e.type === 'delivered' ? [e.id, e.at] : []))).toEqual([
      [target.id, target.deliverAt],
      [copy, target.deliverAt + 1],
    ])
    expect(await s.duplicateInFlight(target.id)).toBeNull()
  })

  it('is deterministic: the same actions on the same seed give the same trace', async () => {
    const run = async () => {
      const s = new Scheduler(spec(), inprocFactory())
      await s.start()
      await withMessageInFlight(s)
      const [a, b] = s.inFlight()
      await s.dropInFlight(a.id)
      if (b) await s.duplicateInFlight(b.id)
      await s.runUntil(s.now + 500)
      return s.trace.hex()
    }
    expect(await run()).toBe(await run())
  })
})
