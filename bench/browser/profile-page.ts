/** The in-page half of profile.ts (serialized into the page: refers to nothing outside itself). */
import type { ClusterRuntime } from '../../src/browser/runtime.ts'
import type { LoadGenerator } from '../../src/cluster/workload.ts'

type Lab = { runtime: ClusterRuntime; LoadGenerator: typeof LoadGenerator }
type Output = { events: { type: string; entries?: number; hardState?: boolean }[] }
type Host = { handleWindow: (batches: unknown[][]) => Promise<{ outputs: Output[] }> }

export async function profileInPage(args: { nodes: number; clients: number; seconds: number; maxEntries: number; inflight: number; jitter: number }): Promise<Record<string, number>> {
  const lab = (globalThis as unknown as { __raftlab: Lab }).__raftlab
  const rt = lab.runtime
  const base = structuredClone(rt.sched!.spec)
  const params = { ...base.params, maxEntriesPerMsg: args.maxEntries, maxInflightMsgs: args.inflight }
  const network = { ...base.network, defaults: { ...base.network.defaults, jitter: args.jitter } }
  await rt.newCluster({ ...base, params, network, nodes: Array.from({ length: args.nodes }, (_, i) => `n${i + 1}`), storage: 'durable' })
  const s = rt.sched!
  const d = rt.driver!
  for (let i = 0; i < 100 && !s.nodeIds().some((id) => s.summary(id)?.role === 'leader'); i++) await d.fastForward(100)
  // Wrap what we measure; the fields are private in TypeScript only.
  const raw = s as unknown as { slots: Map<string, { port: Host | null }>; stepUntil: (limit: number) => boolean | Promise<boolean> }
  const m = { steps: 0, stepMs: 0, waitMs: 0, handles: 0, handleMs: 0, persists: 0, inputs: 0, batchMax: 0, noPersistCalls: 0, noPersistMs: 0, persistCalls: 0, persistMs: 0, entries: 0, hsOnly: 0 }
  let measuring = false
  let waitStart = 0
  let pending = 0
  for (const slot of raw.slots.values()) {
    const h = slot.port!
    const orig = h.handleWindow.bind(h)
    h.handleWindow = async (batches) => {
      const inputs = batches.flat()
      const t0 = performance.now()
      if (pending++ === 0) waitStart = t0
      const out = await orig(batches)
      const t1 = performance.now()
      if (--pending === 0 && measuring) m.waitMs += t1 - waitStart
      if (measuring) {
        m.handles++
        m.handleMs += t1 - t0
        m.inputs += inputs.length
        m.batchMax = Math.max(m.batchMax, inputs.length)
        const ps = out.outputs.flatMap((o) => o.events.filter((e) => e.type === 'persisted'))
        const np = ps.length
        for (const e of ps) {
          m.entries += e.entries ?? 0
          if (!e.entries) m.hsOnly++
        }
        m.persists += np
        if (np === 0) {
          m.noPersistCalls++
          m.noPersistMs += t1 - t0
        } else {
          m.persistCalls++
          m.persistMs += t1 - t0
        }
      }
      return out
    }
  }
  const step = raw.stepUntil.bind(s)
  raw.stepUntil = async (limit) => {
    const t0 = performance.now()
    const r = await step(limit)
    if (measuring) {
      m.steps++
      m.stepMs += performance.now() - t0
    }
    return r
  }
  const load = new lab.LoadGenerator(s, { clients: args.clients, keys: 8, mix: { set: 1 }, prefix: 'prof' })
  load.start()
  d.max()
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  await sleep(1500)
  const ok0 = load.stats().ok
  const v0 = s.now
  const t0 = performance.now()
  measuring = true
  await sleep(args.seconds * 1000)
  measuring = false
  const wall = performance.now() - t0
  const ok = load.stats().ok - ok0
  d.pause()
  load.dispose()
  return {
    wallMs: wall,
    cmdPerSec: (ok / wall) * 1000,
    latencyP50: load.stats().latency.p50,
    virtualPerWall: (s.now - v0) / wall,
    steps: m.steps,
    msPerStep: m.stepMs / m.steps,
    stepShareOfWall: m.stepMs / wall,
    waitShareOfWall: m.waitMs / wall,
    mainThreadInStepShare: (m.stepMs - m.waitMs) / wall,
    outsideStepShare: 1 - m.stepMs / wall,
    hostCallsPerStep: m.handles / m.steps,
    msPerHostCall: m.handleMs / m.handles,
    persistsPerHostCall: m.persists / m.handles,
    inputsPerHostCall: m.inputs / m.handles,
    batchMax: m.batchMax,
    msPerCallWithoutPersist: m.noPersistMs / m.noPersistCalls,
    msPerCallWithPersist: m.persistMs / m.persistCalls,
    persistsPerPersistingCall: m.persists / m.persistCalls,
    txPerSec: (m.persists / wall) * 1000,
    entriesPerTx: m.entries / m.persists,
    hardStateOnlyShare: m.hsOnly / m.persists,
    entriesPerSec: (m.entries / wall) * 1000,
  }
}
