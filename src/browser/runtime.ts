import type { NodeId } from '../raft/types.ts'
import { defaultNetworkConfig, type NetworkConfig } from '../world/network.ts'
import { openClusterDb } from '../storage/cluster-db.ts'
import { deleteNodeDisk, listClusters, listNodeDisks } from '../storage/catalog.ts'
import type { ClusterDb, NodeDisk, StorageOptions } from '../storage/types.ts'
import type { RaftParams, StorageMode } from '../node/protocol.ts'
import type { Driver, DriverMode } from './driver.ts'
import type { MembershipPlan, MembershipView, PlanPhase } from '../cluster/membership.ts'
import type { Scheduler, ClusterEvent, ClusterSpec, PortFactory } from './scheduler.ts'
import type { RecordingScheduler } from './record.ts'
import { isRecording } from './recorded.ts'

/**
 * The cluster's code (the loop, the scheduler, the driver): loaded while the page paints, not before it (see
 * README, first load). `open` waits for it.
 */
let core: { RecordingScheduler: typeof RecordingScheduler; Driver: typeof Driver } | null = null
async function loadCore(): Promise<NonNullable<typeof core>> {
  if (!core) {
    const [r, d] = await Promise.all([import('./record.ts'), import('./driver.ts')])
    core = { RecordingScheduler: r.RecordingScheduler, Driver: d.Driver }
  }
  return core
}

/** Version of the settings object kept in the cluster database. */
export const SETTINGS_VERSION = 1

export interface StoredSettings {
  version: number
  spec: ClusterSpec
  /** Nodes that joined after the start (they boot with no peers), and nodes removed for good. */
  joined: NodeId[]
  retired: NodeId[]
  /** How many times this cluster was started (a reload is one more): names the client sessions, see Scheduler. */
  boots?: number
  /** Wall-clock time (ms since 1970) of the last save: the cluster was last opened or changed then. */
  savedAt?: number
}

/**
 * A link asked for a cluster that differs from the one stored in this browser. The stored one was recovered (and
 * stays paused); nothing is deleted until the user chooses (see ClusterRuntime.open's `ask`).
 */
export interface StoredChoice {
  /** The stored cluster's members when it was opened. */
  nodes: NodeId[]
  /** When it was last opened or changed (wall-clock ms), if known. */
  savedAt: number | null
  /** The link's cluster, to start if the user chooses it. */
  fresh: ClusterSpec
}

/** A step of a membership change, for the UI to put into words (the string argument is the English fallback). */
export type MembershipStep =
  | { k: 'started'; node: NodeId; leader: NodeId }
  | { k: 'learner'; node: NodeId }
  | { k: 'caughtUp'; node: NodeId }
  | { k: 'voter'; node: NodeId }
  | { k: 'askRemove'; node: NodeId; leader: NodeId }
  | { k: 'removed'; node: NodeId }

export function defaultParams(): RaftParams {
  return { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true }
}

/** The cluster a newcomer gets: three nodes on a LAN-like network, durable storage. */
export function defaultSpec(name = 'default', seed = 1): ClusterSpec {
  return {
    name,
    seed,
    nodes: ['n1', 'n2', 'n3'],
    params: defaultParams(),
    tickMs: 10,
    network: defaultNetworkConfig({ latency: 10, jitter: 10 }),
    storage: 'durable',
    snapshotEvery: 200,
    clientTimeoutMs: 3000,
  }
}

export type RuntimePhase = 'idle' | 'locking' | 'busy-elsewhere' | 'starting' | 'running' | 'taken-over' | 'error'

export interface RuntimeStatus {
  phase: RuntimePhase
  /** A sentence for the banner: what happened and what the user can do. */
  message?: string
  /** What `message` says, for a page that says it in another language: its kind and the error text in it. */
  notice?: RuntimeNotice
  /** True when the nodes were restarted from existing databases (a reload is a crash of the whole cluster). */
  recovered?: boolean
  /** The storage the nodes started with: with 'volatile' a recovery finds nothing (memory was the disk). */
  storage?: StorageMode
  /** Set when a link's cluster differs from the stored one: the UI must ask before anything is deleted. */
  choice?: StoredChoice
}

export type RuntimeNotice =
  | { kind: 'storage-unavailable'; detail: string }
  | { kind: 'stopped'; detail: string }
  | { kind: 'storage-full'; detail: NodeId }
  | { kind: 'settings-unsaved'; detail: string }

export interface RuntimeOptions {
  factory: PortFactory
  storage?: StorageOptions
  /** Web Locks; absent (e.g. an old browser) means no protection against a second tab, and the UI says so. */
  locks?: LockManager | null
  /** Finished client operations the scheduler keeps (its history is a window); default HISTORY_WINDOW. */
  keepFinished?: number
}

/**
 * Finished client operations a browser cluster keeps in its history: the client history lane reads the newest few
 * hundred when it opens, and a cluster under load for hours must not keep every operation.
 */
export const HISTORY_WINDOW = 2000

/**
 * The cluster as the page owns it: one Scheduler and its Driver, the settings database, and the lock that keeps a
 * second tab from running the same cluster (two writers would corrupt every node's disk).
 */
export class ClusterRuntime {
  sched: Scheduler | null = null
  /** The running cluster was recovered from its disks (its record cannot be replayed from the start). */
  recovered = false
  driver: Driver | null = null
  settings: StoredSettings | null = null
  status: RuntimeStatus = { phase: 'idle' }
  /** The node a membership change is removing right now (drawn as leaving, not as joining). */
  removing: NodeId | null = null
  private db: ClusterDb | null = null
  private releaseLock: (() => void) | null = null
  private readonly opts: RuntimeOptions
  private name: string
  private listeners = new Set<(e: ClusterEvent) => void>()
  /** Clusters a fork replaced: their last events (a step that was in flight) no longer reach the page. */
  private replaced = new WeakSet<Scheduler>()
  private statusListeners = new Set<(s: RuntimeStatus) => void>()
  private progressListeners = new Set<() => void>()
  /** While a lesson runs instead: the user's own cluster as it was (sched null: not opened on this page yet). */
  private own: { sched: Scheduler | null; driver: Driver | null; status: RuntimeStatus; mode: DriverMode } | null = null

  constructor(name: string, opts: RuntimeOptions) {
    this.name = name
    this.opts = opts
  }

  get clusterName(): string {
    return this.name
  }

  onEvent(f: (e: ClusterEvent) => void): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  onStatus(f: (s: RuntimeStatus) => void): () => void {
    this.statusListeners.add(f)
    return () => this.statusListeners.delete(f)
  }

  onProgress(f: () => void): () => void {
    this.progressListeners.add(f)
    return () => this.progressListeners.delete(f)
  }

  private setStatus(s: RuntimeStatus): void {
    this.status = s
    for (const f of this.statusListeners) f(s)
  }

  /**
   * Show an error that happened outside the runtime (booting, a UI action) in the status banner, so that a
   * failure is a sentence on the page rather than a blank page or a console-only message.
   */
  reportError(message: string): void {
    this.driver?.pause()
    this.setStatus({ ...this.status, phase: 'error', message })
  }

  // ---------------------------------------------------------------- lock

  /** Take the cluster's lock. With `steal`, the tab that holds it is stopped cleanly and this one takes over. */
  private async lock(steal: boolean): Promise<boolean> {
    const locks = this.opts.locks
    if (!locks) return true
    const name = `raftlab/${this.name}`
    return new Promise<boolean>((resolve) => {
      const held = new Promise<void>((release) => (this.releaseLock = release))
      const req = steal
        ? locks.request(name, { steal: true }, () => {
            resolve(true)
            return held
          })
        : locks.request(name, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(false)
              return undefined
            }
            resolve(true)
            return held
          })
      req.catch((e: unknown) => {
        // Another tab stole the lock: stop at once, without touching the disks again.
        if (e instanceof Error && e.name === 'AbortError') void this.takenOver()
      })
    })
  }

  private async takenOver(): Promise<void> {
    this.driver?.pause()
    await this.sched?.shutdown()
    this.db?.close()
    this.db = null
    this.setStatus({ phase: 'taken-over', message: 'This cluster is now running in another tab. Reload this page to take it back.' })
  }

  // ---------------------------------------------------------------- start

  /**
   * Open the cluster: if one exists in this browser, restart every node from its database (recovery); otherwise
   * create it from `fresh` (or the defaults). Returns false when another tab holds the cluster.
   * `fresh` with a stored cluster wipes the stored one, unless `ask`: then a stored cluster that differs from
   * `fresh` is recovered and the status carries a `choice` (the UI asks; nothing is deleted), and one that is the
   * same setup is simply recovered with its data.
   */
  async open(fresh?: ClusterSpec, steal = false, ask = false): Promise<boolean> {
    this.setStatus({ phase: 'locking' })
    // The cluster's code loads while the lock and the settings are fetched (boot awaits it).
    loadCore().catch(() => undefined)
    if (!(await this.lock(steal))) {
      this.setStatus({ phase: 'busy-elsewhere', message: 'This cluster is already running in another tab. Two tabs would corrupt its disks, so this one waits. Use "Take over here" to move it to this tab.' })
      return false
    }
    this.setStatus({ phase: 'starting' })
    let stored: StoredSettings | null = null
    try {
      this.db = await openClusterDb(this.name, this.opts.storage)
      stored = parseSettings(await this.db.load())
    } catch (e) {
      // No settings database (private mode, quota): run from the given spec in memory.
      this.db = null
      fresh = { ...(fresh ?? defaultSpec(this.name)), storage: 'volatile' }
      this.setStatus({ phase: 'starting', message: `Browser storage is unavailable (${errText(e)}); the cluster runs in memory only and a reload starts afresh.`, notice: { kind: 'storage-unavailable', detail: errText(e) } })
    }
    let choice: StoredChoice | undefined
    if (fresh && stored && ask) {
      if (!sameSetup(stored, fresh)) choice = { nodes: members(stored), savedAt: stored.savedAt ?? null, fresh }
      fresh = undefined
    }
    const recovered = !!stored && !fresh
    const settings: StoredSettings = stored && !fresh ? stored : { version: SETTINGS_VERSION, spec: fresh ?? defaultSpec(this.name), joined: [], retired: [] }
    if (fresh && stored) await this.wipeDisks(stored)
    await this.boot(settings, recovered, choice)
    return true
  }

  /** Move the cluster to this tab, stopping the other one. `fresh` and `ask` as for `open`. */
  takeOver(fresh?: ClusterSpec, ask = false): Promise<boolean> {
    return this.open(fresh, true, ask)
  }

  private async boot(settings: StoredSettings, recovered: boolean, choice?: StoredChoice): Promise<void> {
    this.settings = settings
    settings.spec.name = this.name
    settings.boots = (settings.boots ?? 0) + 1
    const session = settings.boots > 1 || recovered ? String(settings.boots) : ''
    // Records every action for time travel (src/browser/record.ts); a recovered cluster's record starts at recovery.
    const { RecordingScheduler } = await loadCore()
    const sched = new RecordingScheduler(
      settings.spec,
      this.opts.factory,
      { joined: settings.joined, retired: settings.retired, session },
      { keepFinished: this.opts.keepFinished ?? HISTORY_WINDOW },
    )
    this.recovered = recovered
    this.wire(sched)
    // The settings (with this boot's count, which names the client sessions) are saved while the nodes recover; no
    // client command is sent before both are done (the driver is paused until open returns).
    await Promise.all([this.save(), sched.start()])
    const prior = this.status.message
    this.setStatus({ phase: 'running', recovered, storage: settings.spec.storage, message: prior, notice: prior === undefined ? undefined : this.status.notice, ...(choice ? { choice } : {}) })
    for (const f of this.progressListeners) f()
  }

  /** Make `sched` the page's cluster: its events go to the listeners, and a new driver paces it (paused). */
  private wire(sched: Scheduler): void {
    this.sched = sched
    sched.on((e) => {
      if (this.sched !== sched || this.replaced.has(sched)) return
      for (const f of this.listeners) f(e)
      if (e.type === 'nodeState' && e.state === 'crashed' && e.code === 'quota') void this.quotaFallback(e.node)
    })
    const driver = new core!.Driver(sched)
    driver.onProgress = () => {
      for (const f of this.progressListeners) f()
    }
    driver.onError = (e) => this.setStatus({ phase: 'error', message: `The simulation stopped: ${errText(e)}`, notice: { kind: 'stopped', detail: errText(e) } })
    this.driver = driver
  }

  /**
   * Time travel's "continue from here": `sched`, rebuilt in this thread on the memory disks `disks`, becomes the
   * page's cluster. The old one (`old`) stops; every node's IndexedDB disk is replaced by its memory disk's contents
   * (durable storage), then `goLive` switches the rebuilt cluster's ports to workers and each running node restarts
   * from its IndexedDB disk, so a reload recovers the forked run. Volatile nodes keep running in this thread.
   */
  async adoptFork(sched: RecordingScheduler, disks: Map<string, NodeDisk>, old: Scheduler, goLive: (factory: PortFactory) => void): Promise<void> {
    this.driver?.pause()
    this.replaced.add(old)
    this.sched = null
    await old.shutdown()
    const ids = sched.nodeIds()
    const durable = sched.spec.storage === 'durable'
    if (this.settings) await this.wipeDisks(this.settings)
    if (durable) {
      // The disk's code is the workers'; the page loads it only for a fork.
      const { openNodeDisk } = await import('../storage/idb.ts')
      for (const id of ids) {
        const mem = disks.get(`${sched.spec.name}/${id}`)
        if (!mem || sched.nodeState(id) === 'removed') continue
        const st = await mem.load()
        if (st.empty) continue
        const disk = await openNodeDisk(this.name, id, this.opts.storage)
        try {
          await disk.persist({ hardState: st.hardState, entries: st.entries, ...(st.snapshot ? { snapshot: st.snapshot } : {}) })
        } finally {
          disk.close()
        }
      }
    }
    goLive(this.opts.factory)
    // Its events reach the page (the checkers see the restarts) from here on.
    this.wire(sched)
    if (durable) {
      for (const id of ids) {
        const st = sched.nodeState(id)
        if (st !== 'up' && st !== 'paused') continue
        await sched.crash(id)
        await sched.restart(id)
        if (st === 'paused') await sched.pause(id)
      }
    }
    const first = new Set(sched.spec.nodes)
    const retired = ids.filter((id) => sched.nodeState(id) === 'removed')
    this.settings = {
      version: SETTINGS_VERSION,
      spec: sched.spec,
      joined: ids.filter((id) => !first.has(id) && !retired.includes(id)),
      retired,
      boots: this.settings?.boots ?? 1,
    }
    this.recovered = false
    await this.save()
    this.setStatus({ phase: 'running', storage: sched.spec.storage })
    for (const f of this.progressListeners) f()
  }

  /** Browser storage is full: say so, and keep going on volatile storage. */
  private async quotaFallback(node: NodeId): Promise<void> {
    if (!this.sched || !this.settings) return
    this.settings.spec.storage = 'volatile'
    this.sched.spec.storage = 'volatile'
    this.setStatus({
      phase: 'running',
      message: `Browser storage is full: ${node} could not write its log. The cluster now uses volatile storage (memory only); free some space and switch back to durable.`,
      notice: { kind: 'storage-full', detail: node },
    })
    await this.sched.restart(node)
  }

  /** Delete every node's database and the settings, then start `spec` afresh. */
  async newCluster(spec: ClusterSpec): Promise<void> {
    if (this.own) throw new Error('a scenario is playing: exit it to start a new cluster')
    this.driver?.pause()
    await this.sched?.shutdown()
    if (this.settings) await this.wipeDisks(this.settings)
    await this.boot({ version: SETTINGS_VERSION, spec: { ...spec, name: this.name }, joined: [], retired: [] }, false)
  }

  /**
   * A cluster name not used in this browser, for opening a link's cluster beside this one: "<name>-2", "<name>-3"...
   * Null when the browser cannot list its databases (a name could then be taken without our knowing).
   */
  async freeName(): Promise<string | null> {
    const taken = await listClusters(this.opts.storage).catch(() => null)
    if (!taken) return null
    const base = this.name.slice(0, 36)
    for (let i = 2; i < 1000; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`
    return null
  }

  private async wipeDisks(s: StoredSettings): Promise<void> {
    const names = new Set<string>([...s.spec.nodes, ...s.joined, ...s.retired])
    const listed = await listNodeDisks(this.name, this.opts.storage).catch(() => null)
    for (const n of listed ?? []) names.add(n)
    await Promise.all([...names].map((n) => deleteNodeDisk(this.name, n, this.opts.storage).catch(() => undefined)))
  }

  /** Store the settings (membership, parameters, storage mode) so that a reload recovers the same cluster. */
  async save(): Promise<void> {
    // A lesson's cluster is never saved (and must not overwrite the user's settings).
    if (!this.db || !this.settings || this.own) return
    const s = this.settings
    try {
      await this.db.save(
        structuredClone({ version: SETTINGS_VERSION, spec: this.sched ? this.sched.spec : s.spec, joined: s.joined, retired: s.retired, boots: s.boots ?? 0, savedAt: Date.now() }),
      )
    } catch (e) {
      this.setStatus({ ...this.status, message: `Could not save the cluster's settings: ${errText(e)}`, notice: { kind: 'settings-unsaved', detail: errText(e) } })
    }
  }

  // ---------------------------------------------------------------- lessons

  /** A narrated scenario's cluster runs instead of the user's (see src/browser/lesson.ts). */
  get inLesson(): boolean {
    return this.own !== null
  }

  /**
   * Run a lesson's cluster (in memory, never saved) in place of the user's: the user's stays as it is, paused,
   * with its disks and settings untouched, until `leaveLesson`. A second lesson replaces the first.
   */
  enterLesson(sched: Scheduler, driver: Driver): void {
    if (!this.own) this.own = { sched: this.sched, driver: this.driver, status: this.status, mode: this.driver?.mode ?? 'paused' }
    else void this.sched?.shutdown()
    this.driver?.pause()
    this.sched = sched
    this.driver = driver
    sched.on((e) => {
      if (this.sched !== sched) return
      for (const f of this.listeners) f(e)
    })
    driver.onProgress = () => {
      for (const f of this.progressListeners) f()
    }
    driver.onError = (e) => this.setStatus({ phase: 'error', message: `The simulation stopped: ${errText(e)}`, notice: { kind: 'stopped', detail: errText(e) } })
    this.setStatus({ phase: 'running', storage: 'volatile' })
  }

  /**
   * Back to the user's cluster, as it was (its clock as it was: playing or paused). Returns false when it was never
   * opened on this page: the caller opens it then (bootRuntime).
   */
  leaveLesson(): boolean {
    const own = this.own
    if (!own) return true
    this.own = null
    this.driver?.pause()
    void this.sched?.shutdown()
    this.sched = own.sched
    this.driver = own.driver
    if (!own.sched) {
      this.setStatus({ phase: 'idle' })
      return false
    }
    this.setStatus(own.status)
    if (own.mode === 'running') own.driver?.play()
    else if (own.mode === 'max') own.driver?.max()
    for (const f of this.progressListeners) f()
    return true
  }

  // ---------------------------------------------------------------- actions

  private need(): Scheduler {
    if (!this.sched) throw new Error('the cluster is not running')
    if (this.own) throw new Error('a scenario is playing: exit it to change the cluster')
    return this.sched
  }

  crash(id: NodeId): Promise<void> {
    return this.need().crash(id)
  }

  restart(id: NodeId): Promise<void> {
    return this.need().restart(id)
  }

  /** Erase a node's disk and start it empty (the way out of "disk corrupted"). */
  async wipe(id: NodeId): Promise<void> {
    const s = this.need()
    await s.crash(id)
    await deleteNodeDisk(this.name, id, this.opts.storage)
    if (isRecording(s)) await s.noteWipe(id)
    await s.restart(id)
  }

  setStorage(mode: StorageMode): Promise<void> {
    const s = this.need()
    s.spec.storage = mode
    return this.save()
  }

  /** Change the network between two steps (an action at one virtual instant, so a replay repeats it exactly). */
  async setNetwork(cfg: NetworkConfig): Promise<void> {
    const s = this.need()
    await s.act(() => {
      s.network.setConfig(cfg)
      s.spec.network = s.network.config
    })
    return this.save()
  }

  /** Raft parameters change live: every node gets them, and they are kept for restarts. */
  async setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> {
    const s = this.need()
    await s.setParams(p, snapshotEvery)
    return this.save()
  }

  /**
   * Carry out a membership plan (src/cluster/membership.ts, the one the simulator's operator runs): propose what it
   * says at the leader it names, wait while it waits, until it is done. Tells `onStep` each new phase.
   */
  private async carryOut(plan: MembershipPlan, onPhase: (phase: PlanPhase) => void): Promise<PlanPhase> {
    const s = this.need()
    const view: MembershipView = {
      get now() {
        return s.now
      },
      committedConf: () => s.committedConf(),
      leader: () => {
        const l = s.likelyLeader()
        return l !== null && s.summary(l)?.role === 'leader' ? l : null
      },
      status: (id) => s.summary(id)!,
    }
    const deadline = s.now + 60_000
    let refusals = 0
    let last: PlanPhase | null = null
    for (;;) {
      const a = plan.next(view)
      if (a.phase !== last) {
        last = a.phase
        onPhase(a.phase)
      }
      if (a.kind === 'done') return a.phase
      if (s.now > deadline) throw new Error(`${plan.node}: the membership change did not finish within 60 s of virtual time`)
      if (a.kind === 'propose') {
        const r = await s.confChange(a.at, a.change)
        if (r.outcome !== 'ok') {
          if (++refusals > 20) throw new Error(`${a.at} refused to ${a.change.type} ${a.change.node}: ${r.error ?? r.outcome}`)
        }
      }
      await s.sleep(Math.max(1, s.spec.tickMs * 2))
    }
  }

  /**
   * Add a node through real membership changes: a new worker and database, added as a learner, caught up by the
   * leader (by snapshot if its log is compacted), then promoted to voter. Resolves with the new node's id.
   */
  async addNode(onStep: (what: string, step: MembershipStep) => void = () => undefined): Promise<NodeId> {
    const s = this.need()
    const settings = this.settings!
    const id = nextNodeId([...s.nodeIds(), ...settings.retired])
    const leader = this.leaderOrThrow()
    settings.joined.push(id)
    await this.save()
    await s.addNode(id)
    onStep(`${id} started empty; asking ${leader} to add it as a learner`, { k: 'started', node: id, leader })
    // Promoted only once fully caught up (lag 0): a voter far behind would slow every commit.
    const { MembershipPlan } = await import('../cluster/membership.ts')
    const plan = new MembershipPlan('add', id, s.now, { lagOk: 0, catchUpMs: Infinity })
    const end = await this.carryOut(plan, (phase) => {
      if (phase === 'catchingUp') onStep(`${id} is a learner; catching up`, { k: 'learner', node: id })
      else if (phase === 'promoting') onStep(`${id} caught up; promoting it to voter`, { k: 'caughtUp', node: id })
    })
    if (end !== 'voter') throw new Error(`${id} was not added (${end})`)
    onStep(`${id} is a voter`, { k: 'voter', node: id })
    return id
  }

  /** Remove a node through a membership change; once the change is committed its worker stops for good. */
  async removeNode(id: NodeId, onStep: (what: string, step: MembershipStep) => void = () => undefined): Promise<void> {
    const s = this.need()
    const leader = this.leaderOrThrow()
    this.removing = id
    try {
      onStep(leader === id ? `asking ${leader}, the leader, to remove itself` : `asking ${leader} to remove ${id}`, { k: 'askRemove', node: id, leader })
      const { MembershipPlan } = await import('../cluster/membership.ts')
      const end = await this.carryOut(new MembershipPlan('remove', id, s.now, { lagOk: 0, catchUpMs: Infinity }), () => undefined)
      if (end === 'lastVoter') throw new Error(`${id} is the last voter; a cluster cannot remove it`)
      // The loop stops a node whose removal committed; the runtime forgets its disk and remembers it is gone.
      await s.retire(id)
      this.settings!.retired.push(id)
      await deleteNodeDisk(this.name, id, this.opts.storage).catch(() => undefined)
      await this.save()
    } finally {
      this.removing = null
    }
    onStep(`${id} removed`, { k: 'removed', node: id })
  }

  /** Replace = add a new node, then remove the old one (never two changes at once). */
  async replaceNode(id: NodeId, onStep: (what: string, step: MembershipStep) => void = () => undefined): Promise<NodeId> {
    const nid = await this.addNode(onStep)
    await this.removeNode(id, onStep)
    return nid
  }

  private leaderOrThrow(): NodeId {
    const s = this.need()
    const l = s.likelyLeader()
    if (!l || s.summary(l)?.role !== 'leader') throw new Error('There is no leader right now; try again once one is elected.')
    return l
  }

  /** Stop everything (page unload). */
  async close(): Promise<void> {
    this.driver?.pause()
    await this.sched?.shutdown()
    this.db?.close()
    this.releaseLock?.()
  }
}

function nextNodeId(taken: NodeId[]): NodeId {
  let max = 0
  for (const id of taken) {
    const m = /^n(\d+)$/.exec(id)
    if (m) max = Math.max(max, Number(m[1]))
  }
  return `n${max + 1}`
}

/** The members of a stored cluster: its first nodes, plus those that joined, minus those removed. */
function members(s: StoredSettings): NodeId[] {
  return [...new Set([...s.spec.nodes, ...s.joined])].filter((n) => !s.retired.includes(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
}

/** JSON with object keys sorted, so that two equal setups written in different orders compare equal. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/** Whether a link's cluster is the stored one: same members, seed, parameters, network, storage and snapshots. */
export function sameSetup(stored: StoredSettings, fresh: ClusterSpec): boolean {
  const a = stored.spec
  const pick = (s: ClusterSpec, nodes: NodeId[]) => ({
    nodes: nodes.slice().sort((x, y) => x.localeCompare(y, 'en', { numeric: true })),
    seed: s.seed,
    params: { electionTick: s.params.electionTick, heartbeatTick: s.params.heartbeatTick, preVote: s.params.preVote, checkQuorum: s.params.checkQuorum },
    unsafe: Object.entries(s.params.unsafe ?? {}).filter(([, on]) => on === true).map(([k]) => k).sort(),
    tickMs: s.tickMs,
    network: s.network,
    storage: s.storage,
    snapshotEvery: s.snapshotEvery,
  })
  return stable(pick(a, members(stored))) === stable(pick(fresh, fresh.nodes))
}

function parseSettings(raw: unknown): StoredSettings | null {
  if (!raw || typeof raw !== 'object') return null
  const o = raw as Partial<StoredSettings>
  if (o.version !== SETTINGS_VERSION || !o.spec || !Array.isArray(o.spec.nodes)) return null
  return {
    version: o.version,
    spec: o.spec,
    joined: Array.isArray(o.joined) ? o.joined : [],
    retired: Array.isArray(o.retired) ? o.retired : [],
    boots: typeof o.boots === 'number' && Number.isSafeInteger(o.boots) && o.boots >= 0 ? o.boots : 0,
    ...(typeof o.savedAt === 'number' && Number.isFinite(o.savedAt) ? { savedAt: o.savedAt } : {}),
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
