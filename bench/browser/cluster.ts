/**
 * Cluster measurements, run inside the app's page through `window.__raftlab`. Each function is serialized into
 * the page by `page.evaluate`: it must not refer to anything outside itself (types are erased).
 */
import type { ClusterRuntime } from '../../src/browser/runtime.ts'
import type { LoadGenerator } from '../../src/cluster/workload.ts'

type Lab = { runtime: ClusterRuntime; LoadGenerator: typeof LoadGenerator }

export interface ThroughputResult {
  nodes: number
  clients: number
  wallMs: number
  /** Client operations acknowledged (all of them go through the log). */
  ok: number
  unknown: number
  /** Entries committed by the leader. */
  committed: number
  /** Client commands applied (the first time some node applies each), the "committed commands". */
  committedCommands: number
  virtualMs: number
  steps: number
  /** Entries committed per scheduler step (one virtual instant). */
  entriesPerStep: number
  p50: number
  p99: number
}

/**
 * Start a fresh cluster of `nodes` (durable unless `storage` says volatile) and run `clients` writers (sets) at full
 * speed (the driver's max mode) for `seconds` of wall time after `warmup` seconds.
 */
export async function measureThroughput(args: {
  nodes: number
  clients: number
  seconds: number
  warmup: number
  storage?: 'durable' | 'volatile'
  /** Raft parameters over the defaults (message size and pipelining). */
  params: { maxEntriesPerMsg?: number; maxInflightMsgs?: number }
}): Promise<ThroughputResult> {
  const lab = (globalThis as unknown as { __raftlab: Lab }).__raftlab
  const rt = lab.runtime
  const base = structuredClone(rt.sched!.spec)
  const nodes = Array.from({ length: args.nodes }, (_, i) => `n${i + 1}`)
  await rt.newCluster({ ...base, nodes, storage: args.storage ?? 'durable', params: { ...base.params, ...args.params } })
  const s = rt.sched!
  const d = rt.driver!
  const leader = () => s.nodeIds().find((id) => s.nodeState(id) === 'up' && s.summary(id)?.role === 'leader')
  for (let i = 0; i < 100 && !leader(); i++) await d.fastForward(100)
  if (!leader()) throw new Error('no leader')
  // Writes only: the page's live linearizability checker searches the history at each answered get, delete or cas,
  // and with hundreds of clients in flight on a few keys that search, not the cluster, would take the main thread.
  const load = new lab.LoadGenerator(s, { clients: args.clients, keys: 8, mix: { set: 1 }, prefix: 'bench' })
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  load.start()
  d.max()
  await sleep(args.warmup * 1000)
  const snap = () => ({ t: performance.now(), st: load.stats(), now: s.now, committed: s.stats.committed, commands: s.stats.committedCommands, steps: s.stats.steps })
  const a = snap()
  await sleep(args.seconds * 1000)
  const b = snap()
  d.pause()
  load.dispose()
  return {
    nodes: args.nodes,
    clients: args.clients,
    wallMs: b.t - a.t,
    ok: b.st.ok - a.st.ok,
    unknown: b.st.unknown - a.st.unknown,
    committed: b.committed - a.committed,
    committedCommands: b.commands - a.commands,
    virtualMs: b.now - a.now,
    steps: b.steps - a.steps,
    entriesPerStep: (b.committed - a.committed) / Math.max(1, b.steps - a.steps),
    p50: b.st.latency.p50,
    p99: b.st.latency.p99,
  }
}

export interface SpeedReading {
  /** Page wall time and virtual time (ms). */
  t: number
  now: number
  steps: number
  committedCommands: number
  /** Scheduling windows, node calls (round trips) and the calls that wrote to disk (one transaction each). */
  windows: number
  calls: number
  writingCalls: number
  mode: string
  /** The speed the driver is asked for, and what the top bar shows (null before its window filled). */
  asked: number
  shown: number | null
}

/** The app's clock and counters now (for a speed window over the real page with the load switch on). */
export function readSpeed(): SpeedReading {
  const h = (globalThis as unknown as { __raftlab: Lab & { ui?: { lab: { view: { actualSpeed: number | null } } } } }).__raftlab
  const s = h.runtime.sched!
  const d = h.runtime.driver!
  return { t: performance.now(), now: s.now, steps: s.stats.steps, committedCommands: s.stats.committedCommands, windows: s.stats.windows, calls: s.stats.calls, writingCalls: s.stats.writingCalls, mode: d.mode, asked: d.speed, shown: h.ui?.lab.view.actualSpeed ?? null }
}

/** Start a fresh durable cluster without compaction and write until every node holds `entries` entries. */
export async function fillLog(args: {
  nodes: number
  entries: number
  clients: number
  params: { maxEntriesPerMsg?: number; maxInflightMsgs?: number }
}): Promise<{ lastIndex: number[]; wallMs: number }> {
  const lab = (globalThis as unknown as { __raftlab: Lab }).__raftlab
  const rt = lab.runtime
  const base = structuredClone(rt.sched!.spec)
  const nodes = Array.from({ length: args.nodes }, (_, i) => `n${i + 1}`)
  await rt.newCluster({ ...base, nodes, storage: 'durable', snapshotEvery: 0, params: { ...base.params, ...args.params } })
  const s = rt.sched!
  const d = rt.driver!
  const t0 = performance.now()
  const load = new lab.LoadGenerator(s, { clients: args.clients, keys: 8, mix: { set: 1 }, prefix: 'fill' })
  load.start()
  d.max()
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const persisted = () => nodes.map((id) => s.summary(id)?.persistedIndex ?? 0)
  while (Math.min(...persisted()) < args.entries) {
    if (Math.max(...persisted()) >= args.entries) load.stop()
    await sleep(50)
  }
  load.stop()
  d.pause()
  load.dispose()
  return { lastIndex: persisted(), wallMs: performance.now() - t0 }
}

export interface ReloadResult {
  /** From navigation start to every node up (recovered from its database). */
  navToRecoveredMs: number
  /** Of which: until the page's scripts ran (DOMContentLoaded), before any node started. */
  pageLoadMs: number
  logLengths: number[]
  phase: string
}

/** After a reload: wait until every node is up, and read the time since navigation start. */
export async function awaitRecovered(): Promise<ReloadResult> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const nav = () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? 0
  let lab: Lab | undefined
  for (;;) {
    lab = (globalThis as unknown as { __raftlab?: Lab }).__raftlab
    const rt = lab?.runtime
    const s = rt?.sched
    if (rt && (rt.status.phase === 'error' || rt.status.phase === 'busy-elsewhere')) {
      return { navToRecoveredMs: performance.now(), pageLoadMs: nav(), logLengths: [], phase: rt.status.phase }
    }
    if (rt && s && rt.status.phase === 'running' && s.nodeIds().every((id) => s.nodeState(id) !== 'starting')) {
      const t = performance.now()
      return { navToRecoveredMs: t, pageLoadMs: nav(), logLengths: s.nodeIds().map((id) => s.recovery(id)?.logLength ?? -1), phase: rt.status.phase }
    }
    await sleep(2)
  }
}

/** The app's cluster runs (and, with `leader`, has a leader): what a script waits for after opening the app. */
export function appRunning(leader: boolean): boolean {
  const h = (globalThis as unknown as { __raftlab?: { runtime: { status: { phase: string } }; ui?: { lab: { leaderId(): string | null } } } }).__raftlab
  return h?.runtime.status.phase === 'running' && (!leader || Boolean(h.ui?.lab.leaderId()))
}
