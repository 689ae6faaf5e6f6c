/** The in-page half of profile.ts (serialized into the page: refers to nothing outside itself). */
import type { ClusterRuntime } from '../../src/browser/runtime.ts'
import type { LoadGenerator } from '../../src/cluster/workload.ts'

type Lab = { runtime: ClusterRuntime; LoadGenerator: typeof LoadGenerator }
type Output = { events: { type: string; entries?: number; hardState?: boolean }[] }
type Host = { handleWindow: (batches: unknown[][]) => Promise<{ outputs: Output[] }> }
/**
 * The scheduler's fields the profiles wrap (private in TypeScript only). Each in-page function wraps them itself: it
 * is serialized into the page alone, so the two cannot share a helper.
 */
type Wrappable = { slots: Map<string, { port: Host | null }>; stepUntil: (limit: number) => boolean | Promise<boolean> }

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
  const raw = s as unknown as Wrappable
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

/**
 * The app's own cluster as a user runs it (the load switch on, a speed asked, drawing on): where a scheduling window's
 * wall time goes, the four adding up to it: `pre`, the main thread's work from the window's start until every node's
 * call is posted; `wait`, from then until the last answer is in; `post`, taking the window in after the last answer;
 * `outside`, between two windows (the driver's pacing, drawing, the panels). Also the disk transactions per window
 * (calls that wrote) and what a node call carries each way (as JSON, one call in ten; the structured clone that
 * postMessage uses is not JSON, so only a guide).
 */
export async function profileAskedInPage(args: { seconds: number }): Promise<Record<string, number>> {
  const lab = (globalThis as unknown as { __raftlab: { runtime: ClusterRuntime } }).__raftlab
  const s = lab.runtime.sched!
  const raw = s as unknown as Wrappable
  const m = { windows: 0, pre: 0, wait: 0, post: 0, outside: 0, calls: 0, writes: 0, sampled: 0, bytesIn: 0, bytesOut: 0 }
  let measuring = false
  let pending = 0
  let lastAnswer = 0
  let lastEnd = 0
  for (const slot of raw.slots.values()) {
    const h = slot.port!
    const orig = h.handleWindow.bind(h)
    h.handleWindow = async (batches) => {
      pending++
      const out = await orig(batches)
      if (--pending === 0) lastAnswer = performance.now()
      if (measuring) {
        m.calls++
        // With group commit a call that wrote made one transaction, however many of its batches wrote.
        if (out.outputs.some((o) => o.events.some((e) => e.type === 'persisted'))) m.writes++
        if (m.calls % 10 === 0) {
          m.sampled++
          m.bytesIn += JSON.stringify(batches).length
          m.bytesOut += JSON.stringify(out).length
        }
      }
      return out
    }
  }
  const step = raw.stepUntil.bind(s)
  raw.stepUntil = (limit) => {
    const t0 = performance.now()
    if (measuring && lastEnd) m.outside += t0 - lastEnd
    const r = step(limit)
    const posted = performance.now()
    const done = (): void => {
      const t = performance.now()
      if (measuring) {
        m.windows++
        m.pre += posted - t0
        if (lastAnswer >= posted) {
          m.wait += lastAnswer - posted
          m.post += t - lastAnswer
        } else m.post += t - posted
      }
      lastEnd = t
    }
    if (r instanceof Promise) return r.then((x) => (done(), x))
    done()
    return r
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  await sleep(1500)
  const v0 = s.now
  const t0 = performance.now()
  measuring = true
  await sleep(args.seconds * 1000)
  measuring = false
  const wall = performance.now() - t0
  const w = Math.max(1, m.windows)
  return {
    wallMs: wall,
    virtualPerWall: (s.now - v0) / wall,
    windowsPerSec: (m.windows / wall) * 1000,
    wallMsPerWindow: wall / w,
    preMs: m.pre / w,
    waitMs: m.wait / w,
    postMs: m.post / w,
    outsideMs: m.outside / w,
    callsPerWindow: m.calls / w,
    transactionsPerWindow: m.writes / w,
    kbInPerCall: m.bytesIn / Math.max(1, m.sampled) / 1024,
    kbOutPerCall: m.bytesOut / Math.max(1, m.sampled) / 1024,
  }
}
