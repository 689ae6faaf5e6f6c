import { describe, it, expect } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { ClusterRuntime, defaultSpec } from '../../../src/browser/runtime.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import type { HardState } from '../../../src/raft/types.ts'
import { Scheduler, type ClusterSpec } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { LoadGenerator } from '../../../src/cluster/workload.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { testSpec } from './spec.ts'
import { checkLinearizability } from '../../../src/check/linearizability.ts'

function spec(over: Partial<ClusterSpec> = {}): ClusterSpec {
  return testSpec({ name: 'load', seed: 3, network: defaultNetworkConfig({ latency: 5, jitter: 6 }), snapshotEvery: 50, ...over })
}

/** Step one virtual instant at a time, as the Driver does (the generator resubmits between steps). */
async function runFor(s: Scheduler, ms: number): Promise<void> {
  const end = s.now + ms
  while (s.nextTime() <= end) await s.step()
  await s.runUntil(end)
}

describe('LoadGenerator', () => {
  it('keeps every client busy, counts outcomes, and yields a linearizable history', async () => {
    const s = new Scheduler(spec(), inprocFactory())
    await s.start()
    const load = new LoadGenerator(s, { clients: 5, keys: 2 })
    load.start()
    await runFor(s, 1500)
    const mid = load.stats()
    expect(mid.running).toBe(true)
    expect(mid.inFlight).toBe(5)
    expect(mid.ok).toBeGreaterThan(50)
    load.stop()
    await runFor(s, 3000)
    const st = load.stats()
    expect(st.inFlight).toBe(0)
    expect(st.ok + st.fail + st.unknown).toBe(st.submitted)
    expect(st.latency.p50).toBeGreaterThan(0)
    expect(st.latency.max).toBeGreaterThanOrEqual(st.latency.p99)
    const h = s.getHistory().filter((o) => o.client.startsWith('load'))
    expect(h.length).toBe(st.submitted)
    expect(new Set(h.map((o) => o.op))).toEqual(new Set(['set', 'get', 'delete', 'cas']))
    // cas draws its expected value from what the client saw last, so some of them swap.
    expect(h.some((o) => o.op === 'cas' && o.result?.ok)).toBe(true)
    expect(checkLinearizability(h).ok).toBe(true)
  })

  it('stays linearizable through a leader crash and a partition', async () => {
    const s = new Scheduler(spec({ seed: 8, network: defaultNetworkConfig({ latency: 5, jitter: 6, drop: 0.02 }) }), inprocFactory())
    await s.start()
    const load = new LoadGenerator(s, { clients: 4, keys: 2, mix: { set: 2, get: 2, cas: 1 }, read: 'readIndex' })
    load.start()
    await runFor(s, 800)
    const l = s.likelyLeader()!
    await s.crash(l)
    await runFor(s, 800)
    await s.restart(l)
    const cfg = s.network.config
    s.network.setConfig({ ...cfg, isolated: [s.likelyLeader()!] })
    await runFor(s, 800)
    s.network.setConfig({ ...cfg, isolated: [] })
    await runFor(s, 800)
    load.stop()
    await runFor(s, 3000)
    const st = load.stats()
    expect(st.ok).toBeGreaterThan(20)
    expect(st.inFlight).toBe(0)
    expect(checkLinearizability(s.getHistory()).ok).toBe(true)
  })

  it('is deterministic: same seed, same operations and trace', async () => {
    async function run(seed: number): Promise<{ trace: string; ops: string }> {
      const s = new Scheduler(spec({ seed }), inprocFactory())
      await s.start()
      const load = new LoadGenerator(s, { clients: 3 })
      load.start()
      await runFor(s, 1000)
      load.stop()
      await runFor(s, 500)
      const ops = s.getHistory().map((o) => `${o.client}:${o.op}:${o.key}:${o.value ?? ''}:${o.invoke}:${o.complete}:${o.outcome}`)
      return { trace: s.trace.hex(), ops: ops.join('|') }
    }
    const a = await run(21)
    const b = await run(21)
    const c = await run(22)
    expect(a).toEqual(b)
    expect(c.trace).not.toBe(a.trace)
  })

  it('rejects a mix without any operation', () => {
    const s = new Scheduler(spec(), inprocFactory())
    expect(() => new LoadGenerator(s, { mix: { set: 0 } })).toThrow(/mix/)
  })
})

describe('clients across a reload', () => {
  it('a recovered cluster does not mistake a new request for a retry of an old one', async () => {
    const idb = new IDBFactory()
    const disks = new Map<string, NodeDisk>()
    const make = () => new ClusterRuntime('r', { factory: inprocFactory(disks), storage: { indexedDB: idb }, locks: null })
    const rt = make()
    await rt.open(defaultSpec('r', 4))
    const s = rt.sched!
    const first = s.submit('ui', { op: 'set', key: 'x', value: '1' })
    await runFor(s, 1000)
    expect((await first).result).toEqual({ ok: true, value: '1' })
    await rt.close()

    const rt2 = make()
    await rt2.open()
    const s2 = rt2.sched!
    // The new scheduler numbers this client's requests from 1 again.
    const second = s2.submit('ui', { op: 'set', key: 'x', value: '2' })
    await runFor(s2, 1500)
    const r = await second
    expect(r.status).toBe('ok')
    expect(r.result).toEqual({ ok: true, value: '2' })
    const l = s2.likelyLeader()!
    expect(await s2.kv(l)).toEqual([['x', '2']])
  })
})

describe('disk writes under load', () => {
  it('a change of commit alone costs no transaction of its own, and a restart still recovers every write', async () => {
    const disks = new Map<string, NodeDisk>()
    const commitOnly: string[] = []
    for (const id of ['n1', 'n2', 'n3']) {
      const d = createMemoryDisk(id)
      let last: HardState | undefined
      const persist = d.persist.bind(d)
      d.persist = async (b) => {
        if (b.entries.length === 0 && !b.snapshot && b.hardState && last && b.hardState.term === last.term && b.hardState.vote === last.vote) {
          commitOnly.push(`${id}: ${JSON.stringify(b.hardState)}`)
        }
        if (b.hardState) last = b.hardState
        return persist(b)
      }
      disks.set(`load/${id}`, d)
    }
    const s = new Scheduler(spec({ snapshotEvery: 0 }), inprocFactory(disks))
    await s.start()
    const load = new LoadGenerator(s, { clients: 4, mix: { set: 1 } })
    load.start()
    await runFor(s, 1500)
    load.stop()
    await runFor(s, 500)
    expect(load.stats().ok).toBeGreaterThan(30)
    expect(commitOnly).toEqual([])
    // Every node restarts with a commit index that may lag, and catches up with the same data.
    const l = s.likelyLeader()!
    const before = await s.kv(l)
    for (const id of s.nodeIds()) await s.crash(id)
    for (const id of s.nodeIds()) await s.restart(id)
    await runFor(s, 2000)
    for (const id of s.nodeIds()) expect(await s.kv(id)).toEqual(before)
  })
})
