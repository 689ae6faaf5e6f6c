/**
 * The teaching app's state: what the components render and the methods they call. It owns the frame loop:
 * one requestAnimationFrame loop draws the graph and the timelines (registered renderers) and publishes the
 * panels' state to Svelte at most ten times a second while running, and at once while paused. The loop stops
 * when the cluster is paused and nothing moves, and whenever the tab is hidden.
 */
import { untrack } from 'svelte'
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime, MembershipStep, RuntimeStatus } from '../../cluster/runtime.ts'
import type { ClientOp, NodeState, Scheduler } from '../../cluster/scheduler.ts'
import type { DriverMode } from '../../cluster/driver.ts'
import { LoadGenerator, type LoadStats } from '../../cluster/workload.ts'
import type { KvOp } from '../../kv/command.ts'
import type { LinkParams, NetworkConfig } from '../../sim/network.ts'
import type { NodeSummary, RaftParams, Recovery, StorageMode } from '../../worker/protocol.ts'
import { autoplayFromUrl, takeOverHere } from '../boot.ts'
import { strings } from '../strings.ts'
import { currentLocale, switchLocale } from '../locale.ts'
import type { ThemeName } from '../theme.ts'
import { setupToSpec, shareUrl, specToSetup, stripSetup, type Launch, type Setup } from '../url.ts'
import { Feed, type Token } from './feed.ts'
import { FrameLoop, type Renderer } from './frames.ts'
import { byNodeNumber } from './messages.ts'
import * as net from './netedit.ts'
import { presetById } from './presets.ts'
import { Projector } from './projector.svelte.ts'
import { Checks } from './checks.svelte.ts'
import type { EventRecord } from './records.ts'
import { nextSpeed, shortcutFor, type ShortcutId } from './shortcuts.ts'

export type Tab = 'inspector' | 'client' | 'settings' | 'events' | 'metrics'

/** One node as the panels show it. */
export interface NodeView {
  id: NodeId
  state: NodeState
  error?: string
  summary: NodeSummary | null
  voter: boolean
  learner: boolean
  /** Up but in no configuration yet (a new node before the leader adds it). */
  joining: boolean
  /** Being removed by a membership change (it may already be out of the leader's configuration). */
  leaving: boolean
  held: number
  recovery?: Recovery
  isolated: boolean
}

/** What the panels render; replaced as a whole (it lives in `$state.raw`). */
export interface View {
  now: number
  mode: DriverMode
  speed: number
  nodes: NodeView[]
  leader: NodeId | null
  voters: NodeId[]
  learners: NodeId[]
  network: NetworkConfig | null
  params: RaftParams | null
  tickMs: number
  snapshotEvery: number
  storage: StorageMode
  load: LoadStats | null
  myOps: ClientOp[]
  /** Bumped when the event log has new records. */
  events: number
  presetLabel: string | null
  /** How fast virtual time really passes (the workers may not keep up with the chosen speed); null when paused. */
  actualSpeed: number | null
}

export interface Banner {
  id: number
  kind: 'error' | 'info'
  text: string
  action?: 'takeOver' | 'reload'
}

/** A link's cluster differs from the one stored in this browser: the user chooses (see ShareChoiceDialog). */
export interface Choice {
  setup: Setup
  /** The stored cluster's members and when it was last opened (wall-clock ms, if known). */
  nodes: NodeId[]
  savedAt: number | null
  /** An unused cluster name to open the link's cluster beside the stored one, once known (null: cannot tell). */
  beside?: string | null
}

/** The longest fast-forward, in seconds of virtual time. */
export const FAST_FORWARD_MAX = 600

const PUBLISH_MS = 100
const THEME_KEY = 'raftlab.theme'

function emptyView(): View {
  return {
    now: 0,
    mode: 'paused',
    speed: 1,
    nodes: [],
    leader: null,
    voters: [],
    learners: [],
    network: null,
    params: null,
    tickMs: 10,
    snapshotEvery: 0,
    storage: 'durable',
    load: null,
    myOps: [],
    events: 0,
    presetLabel: null,
    actualSpeed: null,
  }
}

export type { FrameInfo, Renderer } from './frames.ts'

export class Lab {
  readonly runtime: ClusterRuntime
  readonly feed: Feed
  readonly loop: FrameLoop

  // ---------------------------------------------------------------- reactive state
  status = $state.raw<RuntimeStatus>({ phase: 'idle' })
  view = $state.raw<View>(emptyView())
  selected = $state<NodeId | null>(null)
  multi = $state.raw<NodeId[]>([])
  link = $state.raw<[NodeId, NodeId] | null>(null)
  message = $state.raw<Token | null>(null)
  record = $state.raw<EventRecord | null>(null)
  tab = $state<Tab>('inspector')
  panelOpen = $state(true)
  theme = $state<ThemeName>('light')
  helpOpen = $state(false)
  newClusterOpen = $state(false)
  banners = $state.raw<Banner[]>([])
  busy = $state<string | null>(null)
  shareText = $state<string | null>(null)
  reducedMotion = $state(false)
  fastForwardSeconds = $state(5)
  readonly presenter = new Projector()
  /** The live safety and linearizability checkers (they stop the cluster on a violation). */
  readonly checks: Checks
  /** True while a fast-forward runs (its button then stops it). */
  fastForwardActive = $state(false)
  /** Set while the user must choose between a link's cluster and the stored one. */
  choice = $state.raw<Choice | null>(null)
  /** Each node's key/value contents, fetched while a panel that shows them is open. */
  kvData = $state.raw<Record<NodeId, [string, string][]>>({})

  // ---------------------------------------------------------------- frame loop
  private lastPublish = 0
  private fastForwarding = false
  private load: LoadGenerator | null = null
  private loadSched: Scheduler | null = null
  private loadOn = false
  private scenario: Setup['scenario'] | undefined
  /** The preset the cluster was made from (its label is read when published, in the page's language). */
  private preset: string | undefined = undefined
  private bannerSeq = 0
  private disposers: (() => void)[] = []
  private launch: Launch
  private kvInterest = 0
  private kvBusy = false
  private kvLast = 0
  private kvSig = ''
  private speedSamples: [number, number][] = []
  private ffAbort: AbortController | null = null

  constructor(runtime: ClusterRuntime, launch: Launch) {
    this.runtime = runtime
    this.launch = launch
    this.checks = new Checks(runtime)
    this.feed = new Feed({
      travel: (from, to) => {
        const p = this.runtime.sched?.network.params(from, to)
        return p ? p.latency + p.jitter / 2 : 10
      },
      volatile: () => this.runtime.sched?.spec.storage === 'volatile',
      now: () => this.runtime.sched?.now ?? 0,
    })
    this.feed.calloutText = (o) =>
      o.k === 'leaderAlive' ? strings.graph.calloutLeaderAlive(o.leader) : o.k === 'leaderFound' ? strings.graph.calloutLeaderFound(o.leader) : strings.graph.calloutPreVoteLost
    this.loop = new FrameLoop({
      clock: () => ({ now: this.runtime.sched?.now ?? 0, mode: this.runtime.driver?.mode ?? 'paused', speed: this.runtime.driver?.speed ?? 1 }),
      reducedMotion: () => this.reducedMotion,
      fastForwarding: () => this.fastForwarding,
      beforeFrame: (f) => {
        this.feed.wall = f.wall
        this.feed.prune(f.now)
      },
      afterFrame: (f, mode) => {
        // Panels are text: ten updates a second are plenty, four when the cluster runs fast (each one repaints).
        if (mode === 'paused' || f.wall - this.lastPublish >= (f.drawHz >= 60 ? PUBLISH_MS : PUBLISH_MS * 2.5)) {
          this.lastPublish = f.wall
          this.publish()
        }
      },
    })
    if (launch.error) this.addBanner('error', strings.banner.badUrl(launch.error))
    if (launch.notice) this.addBanner('error', launch.notice)
    if (launch.setup) {
      this.scenario = launch.setup.scenario
      this.preset = launch.setup.preset
    }
  }

  /** Subscribe to the runtime and the page; returns the cleanup. Called once, by the root component. */
  attach(): () => void {
    const rt = this.runtime
    this.disposers.push(
      this.checks.attach(),
      rt.onEvent((e) => {
        this.feed.handle(e)
        if (!this.loop.running) this.loop.wake()
      }),
      rt.onProgress(() => {
        this.checkScenario()
        this.wake()
      }),
      rt.onStatus((s) => this.onStatus(s)),
    )
    this.onStatus(rt.status)
    const vis = () => {
      if (!document.hidden) this.wake(true)
      else this.loop.stop()
    }
    document.addEventListener('visibilitychange', vis)
    this.disposers.push(() => document.removeEventListener('visibilitychange', vis))
    const mq = matchMedia('(prefers-reduced-motion: reduce)')
    this.reducedMotion = mq.matches
    const onMq = () => {
      this.reducedMotion = mq.matches
      this.wake(true)
    }
    mq.addEventListener('change', onMq)
    this.disposers.push(() => mq.removeEventListener('change', onMq))
    this.initTheme()
    return () => {
      for (const d of this.disposers) d()
      this.disposers = []
      this.loop.stop()
      this.load?.dispose()
    }
  }

  private onStatus(s: RuntimeStatus): void {
    const was = this.status.phase
    this.status = s
    if (s.phase === 'running' && was !== 'running') this.onRunning(s)
    if (s.phase === 'busy-elsewhere' || s.phase === 'taken-over' || s.phase === 'error') {
      // The runtime speaks English; the two tab-lock sentences have a translation.
      const text = s.phase === 'busy-elsewhere' ? strings.runtime.busyElsewhere : s.phase === 'taken-over' ? strings.runtime.takenOver : (statusText(s) ?? s.phase)
      this.addBanner('error', text, s.phase === 'busy-elsewhere' ? 'takeOver' : s.phase === 'taken-over' ? 'reload' : undefined)
    }
    this.wake(true)
  }

  /** The cluster runs: apply the link's speed and load, forget the setup in the address bar. */
  private onRunning(s: RuntimeStatus): void {
    const sched = this.runtime.sched
    if (!sched) return
    this.syncNodes(sched)
    const setup = this.launch.setup
    if (s.message) this.addBanner('info', statusText(s) ?? s.message)
    else if (s.recovered) this.addBanner('info', s.storage === 'volatile' ? strings.banner.recoveredVolatile : strings.banner.recovered)
    this.loop.snap(sched.now)
    if (setup && s.choice) {
      // Nothing is deleted until the user chooses; the stored cluster stays paused behind the dialog.
      this.runtime.driver?.setSpeed(0.1)
      this.choice = { setup, nodes: s.choice.nodes, savedAt: s.choice.savedAt }
      void this.runtime.freeName().then((beside) => {
        if (this.choice) this.choice = { ...this.choice, beside }
      })
      return
    }
    if (setup && s.recovered) this.addBanner('info', strings.banner.sameAsStored)
    this.runtime.driver?.setSpeed(setup?.speed ?? 0.1)
    if (setup?.load) this.setLoad(true)
    this.forgetLaunch()
  }

  /** The link has been acted on: a reload must recover the cluster, not open the link again. */
  private forgetLaunch(): void {
    if (this.launch.setup && typeof history !== 'undefined') history.replaceState(history.state, '', stripSetup(location.href))
    this.launch = { setup: null }
  }

  /** The user keeps the stored cluster: the link's setup is dropped, nothing is deleted. */
  keepStored(): void {
    if (!this.choice) return
    this.choice = null
    const play = typeof location === 'undefined' || autoplayFromUrl(location.href)
    this.scenario = undefined
    this.preset = undefined
    this.forgetLaunch()
    this.feed.note(strings.choice.keptNote)
    if (play) this.runtime.driver?.play()
    this.publish()
    this.wake(true)
  }

  /** Open the link's cluster under another name, in this tab: the stored cluster stays as it is, at its own address. */
  openBeside(): void {
    const name = this.choice?.beside
    if (!name || typeof location === 'undefined') return
    const u = new URL(location.href)
    u.searchParams.set('cluster', name)
    location.assign(u.toString())
  }

  /** The user chose the link's cluster: the stored one and its disks are deleted, the link's starts. */
  async openLinkCluster(): Promise<void> {
    const c = this.choice
    if (!c) return
    this.choice = null
    const play = typeof location === 'undefined' || autoplayFromUrl(location.href)
    this.forgetLaunch()
    await this.newCluster(c.setup)
    this.feed.note(strings.choice.openedNote)
    if (play) this.runtime.driver?.play()
  }

  private syncNodes(sched: Scheduler): void {
    for (const id of sched.nodeIds()) {
      const n = this.feed.node(id)
      n.state = sched.nodeState(id)
      n.summary = sched.summary(id) ?? n.summary
      n.recovery = sched.recovery(id) ?? n.recovery
    }
  }

  // ---------------------------------------------------------------- frames

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
    const sched = this.runtime.sched
    const driver = this.runtime.driver
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
      const leaving = this.runtime.removing === id
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
      load: this.load ? this.load.stats() : null,
      myOps: [...this.feed.myOps.values()].reverse(),
      events: this.feed.version,
      presetLabel: presetById(this.preset)?.label ?? null,
      actualSpeed: this.measureSpeed(sched.now, driver?.mode ?? 'paused'),
    }
    if (this.kvInterest > 0) this.refreshKv(nodes)
  }

  /** Virtual milliseconds per wall millisecond over the last three seconds of running (none before two). */
  private measureSpeed(now: number, mode: DriverMode): number | null {
    const wall = performance.now()
    if (mode === 'paused') {
      this.speedSamples = []
      return null
    }
    this.speedSamples.push([wall, now])
    while (this.speedSamples.length > 2 && wall - this.speedSamples[0][0] > 3000) this.speedSamples.shift()
    const [w0, v0] = this.speedSamples[0]
    return wall - w0 >= 2000 ? (now - v0) / (wall - w0) : null
  }

  /** Attachment for panels that show key/value contents: fetch them while the panel exists. */
  kvWatch = (_el: Element): (() => void) => {
    this.kvInterest++
    this.kvSig = ''
    untrack(() => this.publish())
    return () => {
      this.kvInterest--
    }
  }

  private refreshKv(nodes: NodeView[]): void {
    const sched = this.sched
    const now = performance.now()
    if (!sched || this.kvBusy || now - this.kvLast < 400) return
    const sig = nodes.map((n) => `${n.id}:${n.state}:${n.summary?.applied ?? 0}`).join(',')
    if (sig === this.kvSig) return
    this.kvSig = sig
    this.kvBusy = true
    this.kvLast = now
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
        this.kvBusy = false
      })
  }

  /** Live (non-removed) node ids in counting order. */
  nodeIds(): NodeId[] {
    const sched = this.runtime.sched
    if (!sched) return []
    return sched
      .nodeIds()
      .filter((id) => sched.nodeState(id) !== 'removed')
      .sort(byNodeNumber)
  }

  /** The leader with the highest term among nodes that are up. */
  leaderId(sched = this.runtime.sched): NodeId | null {
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

  // ---------------------------------------------------------------- banners

  addBanner(kind: Banner['kind'], text: string, action?: Banner['action']): void {
    if (this.banners.some((b) => b.text === text)) return
    this.banners = [...this.banners, { id: ++this.bannerSeq, kind, text, action }].slice(-4)
  }

  dismissBanner(id: number): void {
    this.banners = this.banners.filter((b) => b.id !== id)
  }

  private fail(what: string, e: unknown): void {
    this.addBanner('error', strings.actions.failed(what, e instanceof Error ? e.message : String(e)))
  }

  /** Run an action; its failure becomes a banner sentence, never an exception in the console. */
  private async act(what: string, f: () => Promise<unknown>): Promise<void> {
    try {
      await f()
    } catch (e) {
      this.fail(what, e)
    } finally {
      this.publish()
      this.wake(true)
    }
  }

  async takeOver(): Promise<void> {
    this.banners = []
    // The link this tab was opened with still counts: take over with it (asking before anything is deleted).
    const setup = this.launch.setup
    await takeOverHere(this.runtime, setup ? { fresh: setupToSpec(setup, this.runtime.clusterName), ask: true } : {})
  }

  // ---------------------------------------------------------------- time

  get sched(): Scheduler | null {
    return this.runtime.sched
  }

  togglePlay(): void {
    const d = this.runtime.driver
    if (!d) return
    if (d.mode === 'paused') d.play()
    else d.pause()
    this.publish()
    this.wake(true)
  }

  pause(): void {
    this.runtime.driver?.pause()
    this.publish()
    this.wake(true)
  }

  step(): Promise<void> {
    return this.act(strings.topbar.step, async () => {
      await this.runtime.driver?.stepOnce()
    })
  }

  setSpeed(x: number): void {
    this.runtime.driver?.setSpeed(x)
    this.publish()
  }

  speedStep(dir: 1 | -1): void {
    const d = this.runtime.driver
    if (d) this.setSpeed(nextSpeed(d.speed, dir))
  }

  /** Run `seconds` of virtual time as fast as possible; out-of-range input is refused with a sentence. */
  fastForward(seconds: number | string | null = this.fastForwardSeconds): Promise<void> {
    const s = Number(seconds)
    if (seconds === null || seconds === '' || !Number.isFinite(s) || s < 0.1 || s > FAST_FORWARD_MAX) {
      this.addBanner('error', strings.topbar.fastForwardRange(String(seconds ?? ''), FAST_FORWARD_MAX))
      return Promise.resolve()
    }
    if (this.fastForwardActive || this.busy) return Promise.resolve()
    const abort = new AbortController()
    this.ffAbort = abort
    return this.act(strings.topbar.fastForward, async () => {
      this.busy = strings.topbar.fastForwardRunning(s)
      this.fastForwarding = true
      this.fastForwardActive = true
      try {
        await this.runtime.driver?.fastForward(s * 1000, abort.signal)
      } finally {
        this.busy = null
        this.fastForwarding = false
        this.fastForwardActive = false
        this.ffAbort = null
      }
    })
  }

  /** Stop a running fast-forward where it is (the cluster keeps the state it reached). */
  stopFastForward(): void {
    if (!this.ffAbort || this.ffAbort.signal.aborted) return
    this.ffAbort.abort()
    this.feed.note(strings.you.fastForwardStopped(((this.sched?.now ?? 0) / 1000).toFixed(3)))
  }

  // ---------------------------------------------------------------- selection

  select(id: NodeId | null, additive = false): void {
    if (additive && id) {
      const set = new Set(this.multi)
      if (set.has(id)) set.delete(id)
      else set.add(id)
      this.multi = [...set].sort(byNodeNumber)
      this.selected = id
    } else {
      this.selected = id
      this.multi = id ? [id] : []
    }
    this.link = null
    if (id && !additive && this.tab !== 'inspector' && this.tab !== 'client') this.tab = 'inspector'
    this.wake(true)
  }

  setMulti(ids: NodeId[]): void {
    this.multi = [...new Set(ids)].sort(byNodeNumber)
    if (ids.length > 0) this.selected = ids[ids.length - 1]
    this.wake(true)
  }

  selectByNumber(k: number): void {
    const ids = this.nodeIds()
    if (k >= 1 && k <= ids.length) this.select(ids[k - 1])
  }

  selectLink(a: NodeId, b: NodeId): void {
    this.link = [a, b]
    this.wake(true)
  }

  /** Select a message token; the cluster pauses so that the user can read, drop or duplicate it. */
  selectMessage(t: Token | null): void {
    if (t && this.runtime.driver?.mode !== 'paused') this.pause()
    this.message = t
    this.wake(true)
  }

  selectRecord(r: EventRecord | null): void {
    this.record = r
    this.wake(true)
  }

  clearSelection(): void {
    this.selected = null
    this.multi = []
    this.link = null
    this.message = null
    this.record = null
    this.wake(true)
  }

  // ---------------------------------------------------------------- nodes

  private need(id: NodeId | null): NodeId | null {
    if (!id) this.addBanner('info', strings.actions.noNode)
    return id
  }

  crashOrRestart(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    if (!n || !this.sched) return
    const st = this.sched.nodeState(n)
    if (st === 'up' || st === 'paused') return this.crash(n)
    return this.restart(n)
  }

  crash(id: NodeId): Promise<void> {
    this.feed.note(strings.you.crash(id), [id])
    return this.act(strings.actions.crash, () => this.runtime.crash(id))
  }

  restart(id: NodeId): Promise<void> {
    this.feed.note(strings.you.restart(id), [id])
    return this.act(strings.actions.restart, () => this.runtime.restart(id))
  }

  pauseOrResume(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    const sched = this.sched
    if (!n || !sched) return
    if (sched.nodeState(n) === 'paused') {
      this.feed.note(strings.you.resume(n), [n])
      return this.act(strings.actions.resumeNode, () => sched.resume(n))
    }
    this.feed.note(strings.you.pause(n), [n])
    return this.act(strings.actions.pauseNode, () => sched.pause(n))
  }

  timeout(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    const sched = this.sched
    if (!n || !sched) return
    this.feed.note(strings.you.timeout(n), [n])
    // A leader ignores the timeout and a learner never campaigns: nothing would move, so say why on the graph.
    const sum = sched.summary(n)
    const st = sched.nodeState(n)
    if ((st === 'up' || st === 'paused') && sum?.role === 'leader') this.feed.callout(n, strings.graph.calloutIsLeader)
    else if ((st === 'up' || st === 'paused') && sum && sum.learners.includes(n)) this.feed.callout(n, strings.graph.calloutLearner)
    else this.feed.markForced(n)
    this.wake(true)
    return this.act(strings.actions.timeout, () => sched.campaign(n))
  }

  wipe(id = this.selected, confirmed = false): Promise<void> | void {
    const n = this.need(id)
    if (!n) return
    if (!confirmed && typeof confirm === 'function' && !confirm(strings.actions.confirmWipe(n))) return
    this.feed.note(strings.you.wipe(n), [n])
    return this.act(strings.actions.wipe, () => this.runtime.wipe(n))
  }

  transferTo(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    const sched = this.sched
    if (!n || !sched) return
    const leader = this.leaderId()
    if (!leader) {
      this.addBanner('error', strings.actions.failed(strings.actions.transfer, strings.runtime.noLeader))
      return
    }
    if (leader === n) return
    this.feed.note(strings.you.transfer(leader, n), [leader, n])
    return this.act(strings.actions.transfer, async () => {
      const r = await sched.transferLeadership(leader, n)
      if (r.outcome !== 'ok') throw new Error(r.error ?? r.outcome)
    })
  }

  addNode(): Promise<void> {
    this.feed.note(strings.you.addNode)
    return this.membership(strings.actions.adding, () => this.runtime.addNode((_w, step) => this.onStep(step)))
  }

  removeNode(id = this.selected, confirmed = false): Promise<void> | void {
    const n = this.need(id)
    if (!n) return
    if (!confirmed && typeof confirm === 'function' && !confirm(strings.actions.confirmRemove(n))) return
    this.feed.note(strings.you.remove(n), [n])
    return this.membership(strings.actions.removing(n), async () => {
      await this.runtime.removeNode(n, (_w, step) => this.onStep(step))
      await this.forgetInNetwork(n)
      if (this.selected === n) this.select(null)
    })
  }

  replaceNode(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    if (!n) return
    this.feed.note(strings.you.replace(n), [n])
    return this.membership(strings.actions.replacing(n), async () => {
      await this.runtime.replaceNode(n, (_w, step) => this.onStep(step))
      await this.forgetInNetwork(n)
      if (this.selected === n) this.select(null)
    })
  }

  private onStep(step: MembershipStep): void {
    const m = strings.membership
    const what =
      step.k === 'started'
        ? m.started(step.node, step.leader)
        : step.k === 'askRemove'
          ? step.leader === step.node
            ? m.askRemoveSelf(step.node)
            : m.askRemove(step.node, step.leader)
          : m[step.k](step.node)
    this.busy = what
    this.feed.note(strings.you.step(what), [], 'you')
    this.wake(true)
  }

  private async membership(what: string, f: () => Promise<unknown>): Promise<void> {
    if (this.busy) return
    this.busy = what
    try {
      await this.act(what, f)
    } finally {
      this.busy = null
    }
  }

  private async forgetInNetwork(id: NodeId): Promise<void> {
    const sched = this.sched
    if (sched) await this.runtime.setNetwork(net.forgetNode(sched.network.config, id))
  }

  // ---------------------------------------------------------------- network

  private setNetwork(cfg: NetworkConfig, note: string, nodes: NodeId[] = []): Promise<void> {
    this.feed.note(note, nodes, 'network')
    return this.act(strings.tabs.settings, () => this.runtime.setNetwork(cfg))
  }

  isolateOrReconnect(id = this.selected): Promise<void> | void {
    const n = this.need(id)
    const sched = this.sched
    if (!n || !sched) return
    const cfg = sched.network.config
    if (cfg.isolated.includes(n)) return this.setNetwork(net.reconnect(cfg, n), strings.you.reconnect(n), [n])
    return this.setNetwork(net.isolate(cfg, n), strings.you.isolate(n), [n])
  }

  heal(): Promise<void> | void {
    const sched = this.sched
    if (sched) return this.setNetwork(net.heal(sched.network.config), strings.you.heal)
  }

  partitionSelected(): Promise<void> | void {
    const sched = this.sched
    if (!sched || this.multi.length === 0) return
    const rest = this.nodeIds().filter((id) => !this.multi.includes(id))
    return this.setNetwork(net.partitionSelected(sched.network.config, this.multi), strings.you.partition([this.multi, rest]), this.multi)
  }

  addGroup(): Promise<void> | void {
    const sched = this.sched
    if (!sched || this.multi.length === 0) return
    const cfg = net.addGroup(sched.network.config, this.multi)
    return this.setNetwork(cfg, strings.you.partition(cfg.partition), this.multi)
  }

  cutLink(from: NodeId, to: NodeId): Promise<void> | void {
    const sched = this.sched
    if (sched) return this.setNetwork(net.cut(sched.network.config, from, to), strings.you.cut(from, to), [from, to])
  }

  cutBoth(a: NodeId, b: NodeId): Promise<void> | void {
    const sched = this.sched
    if (!sched) return
    const cfg = net.cut(net.cut(sched.network.config, a, b), b, a)
    return this.setNetwork(cfg, `${strings.you.cut(a, b)}; ${strings.you.cut(b, a)}`, [a, b])
  }

  restoreLink(a: NodeId, b: NodeId): Promise<void> | void {
    const sched = this.sched
    if (sched) return this.setNetwork(net.uncutPair(sched.network.config, a, b), strings.you.uncut(a, b), [a, b])
  }

  setLinkDefaults(p: Partial<LinkParams>): Promise<void> | void {
    const sched = this.sched
    if (sched) return this.setNetwork(net.setDefaults(sched.network.config, p), strings.you.network)
  }

  setLinkParams(from: NodeId, to: NodeId, p: Partial<LinkParams> | null): Promise<void> | void {
    const sched = this.sched
    if (sched) return this.setNetwork(net.setLink(sched.network.config, from, to, p), strings.you.network, [from, to])
  }

  // ---------------------------------------------------------------- messages in flight

  dropMessage(t: Token): Promise<void> {
    const sched = this.sched
    return this.act(strings.actions.drop, async () => {
      if (sched && !(await sched.dropInFlight(t.id))) throw new Error(strings.message.gone)
      this.message = null
    })
  }

  duplicateMessage(t: Token): Promise<void> {
    const sched = this.sched
    return this.act(strings.actions.duplicate, async () => {
      if (sched && (await sched.duplicateInFlight(t.id)) === null) throw new Error(strings.message.gone)
    })
  }

  // ---------------------------------------------------------------- parameters and storage

  setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> {
    this.feed.note(strings.you.params, [], 'you')
    return this.act(strings.settings.raft, () => this.runtime.setParams(p, snapshotEvery))
  }

  setStorage(mode: StorageMode): Promise<void> {
    this.feed.note(strings.you.storage(strings.topbar[mode]), [], 'storage')
    return this.act(strings.topbar.storage, () => this.runtime.setStorage(mode))
  }

  // ---------------------------------------------------------------- clients

  get loadRunning(): boolean {
    return this.loadOn
  }

  setLoad(on: boolean): void {
    const sched = this.sched
    if (!sched) return
    if (!this.load || this.loadSched !== sched) {
      this.load?.dispose()
      this.load = new LoadGenerator(sched, { clients: 4, prefix: 'load' })
      this.loadSched = sched
    }
    this.loadOn = on
    if (on) this.load.start()
    else this.load.stop()
    this.feed.note(strings.you.load(on), [], 'client')
    this.publish()
    this.wake(true)
  }

  toggleLoad(): void {
    this.setLoad(!this.loadOn)
  }

  /** Send one operation as the first idle client among you1..you9 (a client has one operation in flight). */
  submit(op: KvOp, key: string, value?: string, expected?: string | null): void {
    const sched = this.sched
    if (!sched) return
    if (!key) {
      this.addBanner('error', strings.kv.keyRequired)
      return
    }
    let client = 'you1'
    for (let i = 1; i <= 9; i++) {
      if (sched.clientIdle(`you${i}`)) {
        client = `you${i}`
        break
      }
    }
    const cmd = op === 'set' ? { op, key, value: value ?? '' } : op === 'cas' ? { op, key, value: value ?? '', expected: expected ?? null } : { op, key }
    sched.submit(client, cmd, 'readIndex').catch((e: unknown) => this.fail(strings.kv.submit, e))
    this.wake(true)
  }

  // ---------------------------------------------------------------- cluster

  async newCluster(setup: Setup): Promise<void> {
    this.newClusterOpen = false
    const wasPlaying = (this.runtime.driver?.mode ?? 'running') !== 'paused'
    this.load?.dispose()
    this.load = null
    this.loadOn = false
    this.clearSelection()
    this.scenario = setup.scenario
    this.preset = setup.preset
    await this.act(strings.topbar.newCluster, async () => {
      this.feed.reset()
      await this.runtime.newCluster(setupToSpec(setup, this.runtime.clusterName))
      this.feed.reset()
      if (this.sched) this.syncNodes(this.sched)
      this.loop.snap(this.sched?.now ?? 0)
      this.runtime.driver?.setSpeed(setup.speed)
      if (setup.load) this.setLoad(true)
      if (wasPlaying) this.runtime.driver?.play()
    })
  }

  /** The setup of the running cluster, for the share link and the new-cluster dialog. */
  currentSetup(): Setup | null {
    const sched = this.sched
    if (!sched) return null
    const s = specToSetup(sched.spec, this.view.voters.length > 0 ? this.view.voters.slice().sort(byNodeNumber) : this.nodeIds(), {
      speed: this.runtime.driver?.speed ?? 1,
      load: this.loadOn,
    })
    s.network = sched.network.config
    return s
  }

  async share(): Promise<void> {
    const s = this.currentSetup()
    if (!s) return
    const url = shareUrl(location.href, s)
    try {
      await navigator.clipboard.writeText(url)
      this.shareText = null
      this.addBanner('info', strings.topbar.copied)
    } catch {
      this.shareText = url
    }
  }

  private checkScenario(): void {
    if (this.scenario !== 'isolate-leader') return
    const sched = this.sched
    const leader = this.leaderId()
    if (!sched || !leader) return
    const sum = sched.summary(leader)
    if (!sum || sum.commit < 5) return
    this.scenario = undefined
    const others = this.nodeIds().filter((id) => id !== leader)
    const buddy = others[0]
    void this.runtime.setNetwork(net.partitionSelected(sched.network.config, [leader, buddy]))
    this.feed.note(strings.presets.scenarioFired(leader, buddy), [leader, buddy], 'network')
    this.addBanner('info', strings.presets.scenarioFired(leader, buddy))
  }

  // ---------------------------------------------------------------- view

  setTab(t: Tab): void {
    this.tab = t
    this.panelOpen = true
    this.wake(true)
  }

  togglePanel(): void {
    this.panelOpen = !this.panelOpen
    this.wake(true)
  }

  /** Projector mode is on (larger, high contrast; the graph and timelines read it when they draw). */
  get projector(): boolean {
    return this.presenter.on
  }

  toggleProjector(): void {
    this.panelOpen = this.presenter.toggle(this.panelOpen)
    document.documentElement.toggleAttribute('data-projector', this.presenter.on)
    this.wake(true)
  }

  private initTheme(): void {
    let t: string | null = null
    try {
      t = localStorage.getItem(THEME_KEY)
    } catch {
      t = null
    }
    this.applyTheme(t === 'dark' || t === 'light' ? t : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')
  }

  applyTheme(t: ThemeName): void {
    this.theme = t
    document.documentElement.dataset.theme = t
    this.wake(true)
  }

  toggleTheme(): void {
    const t: ThemeName = this.theme === 'dark' ? 'light' : 'dark'
    this.applyTheme(t)
    try {
      localStorage.setItem(THEME_KEY, t)
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }

  /** The language switch: English ⇄ Chinese, live (the screen redraws; the cluster is untouched). */
  toggleLanguage(): void {
    switchLocale(currentLocale() === 'zh' ? 'en' : 'zh').catch((e: unknown) =>
      this.addBanner('error', strings.lang.loadFailed(e instanceof Error ? e.message : String(e))),
    )
  }

  // ---------------------------------------------------------------- keyboard

  /** The page's key handler. Returns true when it handled the key. */
  onKey(e: KeyboardEvent): boolean {
    const target = e.target as HTMLElement | null
    if (target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) || isTextInput(target))) {
      if (e.key === 'Escape') target.blur()
      return false
    }
    const s = shortcutFor(e)
    if (!s) return false
    if (s.id !== 'escape' && s.id !== 'help' && (this.helpOpen || this.newClusterOpen || this.choice)) return false
    // The presenter's keys act only in projector mode (the arrow keys keep their ordinary use elsewhere).
    if ((s.id === 'next' || s.id === 'blank') && !this.projector) return false
    if (this.presenter.blank && s.id !== 'blank' && s.id !== 'escape') return true
    if (s.id === 'select') {
      this.selectByNumber(Number(e.key))
      return true
    }
    this.run(s.id)
    return true
  }

  run(id: ShortcutId): void {
    switch (id) {
      case 'playPause':
        return this.togglePlay()
      case 'step':
        return void this.step()
      case 'slower':
        return this.speedStep(-1)
      case 'faster':
        return this.speedStep(1)
      case 'fastForward':
        return void this.fastForward()
      case 'select':
        return
      case 'crash':
        return void this.crashOrRestart()
      case 'pauseNode':
        return void this.pauseOrResume()
      case 'timeout':
        return void this.timeout()
      case 'wipe':
        return void this.wipe()
      case 'transfer':
        return void this.transferTo()
      case 'remove':
        return void this.removeNode()
      case 'replace':
        return void this.replaceNode()
      case 'isolate':
        return void this.isolateOrReconnect()
      case 'heal':
        return void this.heal()
      case 'addNode':
        return void this.addNode()
      case 'load':
        return this.toggleLoad()
      case 'share':
        return void this.share()
      case 'newCluster':
        this.newClusterOpen = true
        return
      case 'inspector':
      case 'client':
      case 'settings':
      case 'events':
      case 'metrics':
        return this.setTab(id)
      case 'panel':
        return this.togglePanel()
      case 'theme':
        return this.toggleTheme()
      case 'language':
        return this.toggleLanguage()
      case 'help':
        this.helpOpen = !this.helpOpen
        return
      case 'projector':
        return this.toggleProjector()
      case 'next':
        // The step of a narration once scenarios narrate; until then, the next event.
        return void this.step()
      case 'blank':
        this.presenter.blank = !this.presenter.blank
        return
      case 'escape':
        if (this.presenter.blank) this.presenter.blank = false
        else if (this.fastForwardActive) this.stopFastForward()
        else if (this.helpOpen || this.newClusterOpen || this.shareText) {
          this.helpOpen = false
          this.newClusterOpen = false
          this.shareText = null
        } else this.clearSelection()
        return
    }
  }
}

/** The runtime's sentence in the page's language (the runtime itself speaks English). */
function statusText(s: RuntimeStatus): string | undefined {
  return s.notice ? strings.runtime.notices[s.notice.kind](s.notice.detail) : s.message
}

/** Fields where letters are typed: shortcuts stay out of them (checkboxes, sliders and buttons keep them). */
function isTextInput(el: HTMLElement): boolean {
  return el.tagName === 'INPUT' && !/^(checkbox|radio|range|button|submit|reset|color)$/.test((el as HTMLInputElement).type)
}
