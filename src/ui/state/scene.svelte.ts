/**
 * What the screen shows. It owns the frame loop: one requestAnimationFrame loop draws the graph and the timelines
 * (registered renderers) and publishes the panels' state to Svelte at most ten times a second while running, and at
 * once while paused. The loop stops when the cluster is paused and nothing moves, and whenever the tab is hidden.
 */
import { untrack } from 'svelte'
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { Scheduler } from '../../browser/scheduler.ts'
import type { DriverMode } from '../../browser/driver.ts'
import type { LoadStats } from '../../cluster/workload.ts'
import type { NodeSummary } from '../../node/protocol.ts'
import { strings } from '../strings.ts'
import { Feed } from './feed.ts'
import { FrameLoop, type Renderer } from './frames.ts'
import { byNodeNumber } from './messages.ts'
import { emptyView, type NodeView, type View } from './view.ts'

const PUBLISH_MS = 100

/** What the scene reads from the rest of the app when it draws and publishes. */
export interface SceneSource {
  reducedMotion(): boolean
  fastForwarding(): boolean
  load(): LoadStats | null
  presetLabel(): string | null
}

export class Scene {
  /** What the screen draws from; time travel points it at a rebuilt past cluster's feed for a while (useFeed). */
  feed: Feed
  readonly loop: FrameLoop
  view = $state.raw<View>(emptyView())
  /** Each node's key/value contents, fetched while a panel that shows them is open. */
  kvData = $state.raw<Record<NodeId, [string, string][]>>({})

  readonly #runtime: ClusterRuntime
  readonly #source: SceneSource
  #lastPublish = 0
  #kvInterest = 0
  #kvBusy = false
  #kvLast = 0
  #kvSig = ''
  #speedSamples: [number, number][] = []

  constructor(runtime: ClusterRuntime, source: SceneSource) {
    this.#runtime = runtime
    this.#source = source
    this.feed = this.newFeed()
    this.loop = new FrameLoop({
      clock: () => ({ now: runtime.sched?.now ?? 0, mode: runtime.driver?.mode ?? 'paused', speed: runtime.driver?.speed ?? 1 }),
      reducedMotion: () => source.reducedMotion(),
      fastForwarding: () => source.fastForwarding(),
      beforeFrame: (f) => {
        this.feed.wall = f.wall
        this.feed.prune(f.now)
      },
      afterFrame: (f, mode) => {
        // Panels are text: ten updates a second are plenty, four when the cluster runs fast (each one repaints).
        if (mode === 'paused' || f.wall - this.#lastPublish >= (f.drawHz >= 60 ? PUBLISH_MS : PUBLISH_MS * 2.5)) {
          this.#lastPublish = f.wall
          this.publish()
        }
      },
    })
  }

  /** A feed that reads the cluster the runtime points at (the live one, or a rebuilt past one). */
  newFeed(): Feed {
    const runtime = this.#runtime
    const feed = new Feed({
      travel: (from, to) => {
        const p = runtime.sched?.network.params(from, to)
        return p ? p.latency + p.jitter / 2 : 10
      },
      volatile: () => runtime.sched?.spec.storage === 'volatile',
      now: () => runtime.sched?.now ?? 0,
    })
    feed.calloutText = (o) =>
      o.k === 'leaderAlive' ? strings.graph.calloutLeaderAlive(o.leader) : o.k === 'leaderFound' ? strings.graph.calloutLeaderFound(o.leader) : strings.graph.calloutPreVoteLost
    return feed
  }

  /** Draw from `feed` from now on; its versions move past the old feed's so that every renderer redraws. */
  useFeed(feed: Feed): void {
    if (feed === this.feed) return
    const old = this.feed
    feed.logVersion = Math.max(feed.logVersion, old.logVersion) + 1
    feed.structVersion = Math.max(feed.structVersion, old.structVersion) + 1
    feed.version = Math.max(feed.version, old.version) + 1
    this.feed = feed
  }

  /** Draw while the tab is visible, stop while it is hidden; returns the cleanup. */
  attach(): () => void {
    const vis = () => {
      if (!document.hidden) this.wake(true)
      else this.loop.stop()
    }
    document.addEventListener('visibilitychange', vis)
    return () => {
      document.removeEventListener('visibilitychange', vis)
      this.loop.stop()
    }
  }

  /** Copy the scheduler's node states into the feed (after the cluster starts or is replaced). */
  syncNodes(sched: Scheduler): void {
    for (const id of sched.nodeIds()) {
      const n = this.feed.node(id)
      n.state = sched.nodeState(id)
      n.summary = sched.summary(id) ?? n.summary
      n.recovery = sched.recovery(id) ?? n.recovery
    }
  }

  addRenderer(r: Renderer): () => void {
    return this.loop.add(r)
  }

  /** Ask for a frame. `dirty`: something changed that every renderer must redraw. */
  wake(dirty = false): void {
    this.loop.wake(dirty)
  }

  /** Keep drawing for `ms` even if nothing moves (the pointer is acting on the graph). */
  linger(ms: number): void {
    this.loop.linger(ms)
  }

  /** Frames drawn since the page opened (benchmarks and tests read it). */
  get frames(): number {
    return this.loop.frames
  }

  /** Copy what the panels show into `view` (one assignment, so Svelte updates once). */
  publish(): void {
    const sched = this.#runtime.sched
    const driver = this.#runtime.driver
    if (!sched) {
      this.view = { ...emptyView(), events: this.feed.version }
      return
    }
    const leader = this.leaderId(sched)
    const lsum = leader ? sched.summary(leader) : null
    let voters = lsum?.voters ?? []
    let learners = lsum?.learners ?? []
    if (!lsum) {
      // No leader: the configuration of the node with the highest term.
      let best: NodeSummary | null = null
      for (const n of this.feed.nodes.values()) if (n.summary && n.state !== 'removed' && (!best || n.summary.term > best.term)) best = n.summary
      voters = best?.voters ?? sched.spec.nodes
      learners = best?.learners ?? []
    }
    const netCfg = sched.network.config
    const isolated = new Set(netCfg.isolated)
    const nodes: NodeView[] = []
    for (const id of this.nodeIds()) {
      const n = this.feed.node(id)
      const voter = voters.includes(id)
      const learner = learners.includes(id)
      const leaving = this.#runtime.removing === id
      nodes.push({
        id,
        state: n.state,
        error: n.error,
        summary: n.summary,
        voter,
        learner,
        leaving,
        joining: !voter && !learner && !leaving && n.state !== 'removed',
        held: n.held,
        recovery: n.recovery,
        isolated: isolated.has(id),
      })
    }
    this.view = {
      now: sched.now,
      mode: driver?.mode ?? 'paused',
      speed: driver?.speed ?? 1,
      nodes,
      leader,
      voters,
      learners,
      network: netCfg,
      params: { ...sched.spec.params },
      tickMs: sched.spec.tickMs,
      snapshotEvery: sched.spec.snapshotEvery,
      storage: sched.spec.storage,
      load: this.#source.load(),
      myOps: [...this.feed.myOps.values()].reverse(),
      events: this.feed.version,
      presetLabel: this.#source.presetLabel(),
      actualSpeed: this.#measureSpeed(sched.now, driver?.mode ?? 'paused'),
    }
    if (this.#kvInterest > 0) this.#refreshKv(nodes)
  }

  /** Virtual milliseconds per wall millisecond over the last three seconds of running (none before two). */
  #measureSpeed(now: number, mode: DriverMode): number | null {
    const wall = performance.now()
    if (mode === 'paused') {
      this.#speedSamples = []
      return null
    }
    this.#speedSamples.push([wall, now])
    while (this.#speedSamples.length > 2 && wall - this.#speedSamples[0][0] > 3000) this.#speedSamples.shift()
    const [w0, v0] = this.#speedSamples[0]
    return wall - w0 >= 2000 ? (now - v0) / (wall - w0) : null
  }

  /** Attachment for panels that show key/value contents: fetch them while the panel exists. */
  kvWatch = (_el: Element): (() => void) => {
    this.#kvInterest++
    this.#kvSig = ''
    untrack(() => this.publish())
    return () => {
      this.#kvInterest--
    }
  }

  #refreshKv(nodes: NodeView[]): void {
    const sched = this.#runtime.sched
    const now = performance.now()
    // Nine nodes' contents are nine round trips to the workers: while the cluster runs, once a second is enough.
    if (!sched || this.#kvBusy || now - this.#kvLast < (this.#runtime.driver?.mode === 'paused' ? 400 : 1000)) return
    const sig = nodes.map((n) => `${n.id}:${n.state}:${n.summary?.applied ?? 0}`).join(',')
    if (sig === this.#kvSig) return
    this.#kvSig = sig
    this.#kvBusy = true
    this.#kvLast = now
    const ids = nodes.map((n) => n.id)
    const empty: [string, string][] = []
    // A crashed node's memory is gone: it has no contents to show.
    Promise.all(nodes.map((n) => (n.state === 'up' || n.state === 'paused' ? sched.kv(n.id).catch(() => empty) : Promise.resolve(empty))))
      .then((all) => {
        const out: Record<NodeId, [string, string][]> = {}
        ids.forEach((id, i) => (out[id] = all[i]))
        this.kvData = out
      })
      .finally(() => {
        this.#kvBusy = false
      })
  }

  /** Live (non-removed) node ids in counting order. */
  nodeIds(): NodeId[] {
    const sched = this.#runtime.sched
    if (!sched) return []
    return sched
      .nodeIds()
      .filter((id) => sched.nodeState(id) !== 'removed')
      .sort(byNodeNumber)
  }

  /** The leader with the highest term among nodes that are up. */
  leaderId(sched = this.#runtime.sched): NodeId | null {
    if (!sched) return null
    let best: NodeId | null = null
    let term = -1
    for (const id of sched.nodeIds()) {
      const st = sched.nodeState(id)
      const s = sched.summary(id)
      if ((st === 'up' || st === 'paused') && s?.role === 'leader' && s.term > term) {
        best = id
        term = s.term
      }
    }
    return best
  }
}
