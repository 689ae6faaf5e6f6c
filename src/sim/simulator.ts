import type { ConfChange, Entry, HardState, Message, NodeId, Role, Snapshot } from '../raft/types.ts'
import type { HistoryOp } from '../kv/history.ts'
import type { KvStore } from '../kv/store.ts'
import type { Observation } from '../check/safety.ts'
import { NodeShell, type ShellDisk } from '../node/shell.ts'
import type { DiskWrite, HostOptions, Loaded, NodeFactory, RaftNode } from '../node/host.ts'
import type { HostInit, RaftParams } from '../node/protocol.ts'
import { ClusterLoop, type ClusterSpec, type CommittedConf, type PortFactory, type Started } from '../cluster/loop.ts'
import type { Network } from '../world/network.ts'
import type { ClientProtocol } from '../cluster/clients.ts'
import { Figure8Script, type Figure8Host } from './figure8.ts'
import { Operator, type OperatorHost } from './operator.ts'
import { formatOptions, resolveOptions, type SimOptionsInput } from './options.ts'
import { Prng } from '../world/prng.ts'
import type { Disk, SimObserver, SimOptions, SimStats } from './types.ts'
import { Workload, type RequestSpec } from './workload.ts'

export type { CommittedConf } from '../cluster/loop.ts'

/** A simulated node's disk: exactly what it has persisted (in memory; it survives the node's crashes). */
class SimDisk implements ShellDisk, Disk {
  readonly kind: 'durable' | 'volatile'
  hardState: HardState = { term: 0, vote: null, commit: 0 }
  entries: Entry[] = []
  snapshot: Snapshot | undefined = undefined

  constructor(kind: 'durable' | 'volatile' = 'durable') {
    this.kind = kind
  }

  persist(w: DiskWrite): void {
    const snap = w.snapshot
    if (snap !== undefined) {
      // As the storage layer's disks do (paper, Figure 13): a snapshot whose last entry the stored log holds keeps
      // the entries after it (a compaction merged into a window's write); any other replaces the stored log (the
      // core installs a leader's snapshot only when its log does not match it).
      const at = snap.index - (this.snapshot?.index ?? 0) - 1
      this.entries = at >= 0 && at < this.entries.length && this.entries[at].term === snap.term ? this.entries.slice(at + 1) : []
      this.snapshot = snap
    }
    const base = this.snapshot?.index ?? 0
    const ents = w.entries
    if (ents.length > 0) {
      const keep = ents[0].index - 1 - base
      if (this.entries.length > keep) this.entries.length = keep // a suffix is replaced; rare
      for (const e of ents) this.entries.push(e)
    }
    if (w.hardState !== undefined) this.hardState = w.hardState
  }

  compact(s: Snapshot): void {
    const base = this.snapshot?.index ?? 0
    this.entries = this.entries.slice(Math.min(s.index - base, this.entries.length))
    this.snapshot = s
  }

  close(): void {
    // The disk outlives the node.
  }

  load(): Loaded {
    const h = this.hardState
    const empty = h.term === 0 && h.vote === null && h.commit === 0 && this.entries.length === 0 && this.snapshot === undefined
    const l: Loaded = { empty, hardState: { ...h }, entries: this.entries.slice() }
    if (this.snapshot !== undefined) l.snapshot = this.snapshot
    return l
  }
}

/**
 * One simulated server, read only for callers (change it through the Simulator): its Raft node, state machine and
 * disk, as the shared node host runs them.
 */
export interface SimNode {
  readonly id: NodeId
  /** Creation order, from 1. */
  readonly num: number
  /** The node of the current incarnation (of the last one while down). */
  readonly raw: RaftNode
  readonly kv: KvStore
  /** What survives a crash. */
  readonly disk: Disk
  readonly up: boolean
  /**
   * Left the cluster through a committed conf change: no longer a target of faults or clients, never restarted;
   * stopped at once or after lingering (see SimOptions.lingerMs).
   */
  readonly removed: boolean
  /** The initial voters it was created with (empty when it joined later). */
  readonly peers: NodeId[]
  /** A write is on its way to disk (its messages and applies wait for it). */
  readonly writing: boolean
}

/** The operator creates no more nodes than this in one run (removed ones included). */
const MAX_NODES = 40

/** Extra construction parameters that are code, not options. */
export interface SimulatorExtras {
  /** Builds every node (tests wrap RawNode with it). */
  nodeFactory?: NodeFactory
  /** Options of every node host (tests break a host rule with them). */
  host?: Omit<HostOptions, 'nodeFactory' | 'views'>
  /** Scheduling windows (ClusterLoop.windows; default on). Off, every step is one instant: the same run. */
  windows?: boolean
  /** The hosts report their log and status for a UI (as the browser's do); the run is the same either way. */
  views?: boolean
  /** Makes the cluster loop (default: `withSimControls(ClusterLoop)`); its ports are the simulator's own. */
  loop?: (spec: ClusterSpec, factory: PortFactory) => SimLoop
}

/** What the simulator needs of its cluster loop beyond the loop's public API (see `withSimControls`). */
export interface SimLoopControls {
  onRemoval: (id: NodeId) => void
  /** Removed but lingering: no longer members. */
  readonly leaving: Set<NodeId>
  /** True while something acts on the cluster after every step (the Figure 8 script): one instant per step then. */
  reactive: () => boolean
  /** Processes one scheduling window ending by `limit` (the next instant by default) synchronously. */
  run(limit?: number): boolean
  kill(id: NodeId, state?: 'crashed' | 'removed'): void
  boot(id: NodeId): void
  startSync(): void
  join(id: NodeId): void
  shellOf(id: NodeId): NodeShell | undefined
}

/** A cluster loop the simulator can drive: the shared loop with its controls opened. */
export type SimLoop = ClusterLoop & SimLoopControls

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's constructor takes any[] (TypeScript's rule)
type LoopClass = new (...args: any[]) => ClusterLoop

/**
 * Opens a cluster loop class's protected controls to the simulator. The simulator runs `withSimControls(ClusterLoop)`;
 * the browser's narrated scenarios run the same simulator over `withSimControls(Scheduler)` (src/browser/lesson.ts),
 * so the page can draw and pace it, and the run is the one `npm test` checks.
 */
export function withSimControls<B extends LoopClass>(Base: B) {
  return class extends Base implements SimLoopControls {
    onRemoval: (id: NodeId) => void = (id) => this.killNode(id, 'removed')
    readonly leaving = new Set<NodeId>()
    reactive: () => boolean = () => false

    override lookahead(): number {
      return this.reactive() ? 1 : super.lookahead()
    }

    run(limit = this.nextTime()): boolean {
      const r = this.stepUntil(limit)
      if (typeof r !== 'boolean') throw new Error('sim: a port answered asynchronously')
      return r
    }
    kill(id: NodeId, state: 'crashed' | 'removed' = 'crashed'): void {
      this.killNode(id, state)
    }
    boot(id: NodeId): void {
      if (this.bootNode(id) !== undefined) throw new Error('sim: a node started asynchronously')
    }
    startSync(): void {
      if (this.startAll() !== undefined) throw new Error('sim: nodes started asynchronously')
    }
    join(id: NodeId): void {
      this.addSlot(id)
      this.boot(id)
    }
    shellOf(id: NodeId): NodeShell | undefined {
      return this.slots.get(id)?.port?.shell
    }
    override memberIds(): NodeId[] {
      const all = super.memberIds()
      return this.leaving.size === 0 ? all : all.filter((id) => !this.leaving.has(id))
    }
    protected override onRemovalCommitted(id: NodeId): void {
      this.onRemoval(id)
    }
  }
}

const PlainSimLoop = withSimControls(ClusterLoop)

/**
 * A deterministic discrete-event simulation of a Raft cluster: the shared cluster loop (src/cluster/loop.ts) and
 * node host (src/node/host.ts) the browser runs, with in-process nodes, memory disks with simulated latency, random
 * faults, a membership operator and the Figure 8 script. Time is virtual (milliseconds); everything draws from
 * forks of one seeded generator, so the seed and the calls made on the simulator determine the run exactly
 * (`traceHash` proves it).
 *
 * A node's Ready is handled like the browser's host does: written to disk first (taking `diskMinMs..diskMaxMs`),
 * then its messages are sent and its committed entries applied, then `advance()`. A crash before the write
 * completes loses it. Ticks, messages and client calls keep reaching the node meanwhile.
 */
export class Simulator {
  readonly options: SimOptions
  readonly network: Network
  readonly workload: Workload
  /** Membership changes and leadership transfers drawn from the seed (see operator.ts). */
  readonly operator: Operator
  /** The Figure 8 fault script (see figure8.ts), started at random with `figure8Rate`. */
  readonly figure8: Figure8Script

  readonly #loop: SimLoop
  readonly #disks = new Map<NodeId, SimDisk>()
  readonly #observers: SimObserver[] = []
  readonly #factory: NodeFactory | undefined
  readonly #hostOptions: HostOptions
  readonly #faultRng: Prng
  readonly #lingerRng: Prng
  #figure8Rng: Prng
  #faultsOn: boolean
  /** Replication slowed to one entry per append for a Figure 8 script. */
  #slowReplication = false
  readonly #own = { partitions: 0, lingerCampaigns: 0 }

  constructor(input: SimOptionsInput, extras: SimulatorExtras = {}) {
    this.options = resolveOptions(input)
    const o = this.options
    this.#factory = extras.nodeFactory
    this.#hostOptions = { ...extras.host, nodeFactory: extras.nodeFactory, views: extras.views ?? false }
    const root = new Prng(o.seed).fork('sim')
    this.#faultRng = root.fork('faults')
    this.#lingerRng = root.fork('linger')
    this.#figure8Rng = root.fork('figure8')
    const peers: NodeId[] = []
    for (let i = 1; i <= o.nodes; i++) peers.push(`n${i}`)
    const spec: ClusterSpec = {
      name: 'sim',
      seed: o.seed,
      nodes: peers,
      params: {
        electionTick: o.electionTick,
        heartbeatTick: o.heartbeatTick,
        preVote: o.preVote,
        checkQuorum: o.checkQuorum,
        unsafe: o.unsafe,
        maxEntriesPerMsg: o.maxEntriesPerMsg,
        maxInflightMsgs: o.maxInflightMsgs,
        snapshotChunkSize: o.snapshotChunkSize,
      },
      tickMs: o.tickMs,
      network: o.network,
      storage: o.storage ?? 'durable',
      snapshotEvery: o.snapshotEvery,
      clientTimeoutMs: o.requestTimeoutMs,
      clientRetryMs: o.retryMs,
      diskMinMs: o.diskMinMs,
      diskMaxMs: o.diskMaxMs,
    }
    for (const id of peers) this.#peers.set(id, peers)
    const loop = extras.loop ? extras.loop(spec, this.#portFactory()) : new PlainSimLoop(spec, this.#portFactory())
    if (extras.windows === false) loop.windows = false
    this.#loop = loop
    this.network = loop.network
    loop.onRemoval = (id) => this.#removed(id)
    loop.addObserver({
      observe: (ob) => this.#observe(ob),
      onCommittedConf: (prev, next) => this.operator.onCommitted(prev, next),
      afterStep: () => this.#afterStep(),
    })
    const electionMs = o.electionTick * o.tickMs
    this.operator = new Operator(
      this.#operatorHost(),
      { membershipRate: o.membershipRate, transferRate: o.transferRate, electionMs, initialVoters: peers.length },
      root.fork('operator'),
    )
    const d = o.network.defaults
    const roundMs = 2 * (d.latency + d.jitter) + 2 * o.diskMaxMs + 1
    this.figure8 = new Figure8Script(this.#figure8Host(), this.#figure8Rng.fork('script'), electionMs, roundMs)
    // The script acts after every step, on what it saw: a window would run nodes past its actions.
    loop.reactive = () => this.figure8.active
    this.workload = new Workload(loop, { clients: o.clients, keys: o.keys, thinkMs: o.thinkMs, readMode: o.readMode })
    loop.startSync()
    this.#faultsOn = o.crashRate > 0 || o.restartRate > 0 || o.partitionRate > 0 || o.healRate > 0
    if (this.#faultsOn) this.#every(o.faultEveryMs, o.faultEveryMs, 'fault', () => this.#fault())
    // Half a period after the faults, so that the two never share a millisecond.
    if (this.operator.enabled) this.#every(o.faultEveryMs + Math.floor(o.faultEveryMs / 2), o.faultEveryMs, 'operator', () => this.operator.step())
    this.workload.start()
  }

  /** Calls `fn` at `first`, then every `period` ms while it returns true (or nothing). */
  #every(first: number, period: number, label: string, fn: () => boolean | void): void {
    const loop = this.#loop
    const run = (): void => {
      if (fn() !== false) loop.at(loop.now + period, label, run)
    }
    loop.at(first, label, run)
  }

  #portFactory(): PortFactory {
    return (init: HostInit): Started => {
      let disk = this.#disks.get(init.id)
      if (disk === undefined) this.#disks.set(init.id, (disk = new SimDisk(init.storage)))
      const loaded = disk.load()
      for (const ob of this.#observers) ob.onRestart?.(init.id, disk)
      if (this.#slowReplication) init.params = { ...init.params, maxEntriesPerMsg: 1, maxInflightMsgs: 1 }
      const r = NodeShell.start(init, loaded, disk, this.#hostOptions)
      if (r instanceof Promise) throw new Error('sim: the memory disk answered asynchronously')
      const { shell, output } = r
      return {
        ok: true,
        recovery: shell.recovery,
        output,
        port: {
          handle: (inputs) => shell.handle(inputs),
          handleWindow: (batches) => shell.handleWindow(batches),
          close: () => shell.close(),
          kv: () => shell.host.kvEntries(),
          shell,
        },
      }
    }
  }

  #observe(o: Observation): void {
    const obs = this.#observers
    switch (o.type) {
      case 'role': {
        const removed = this.#isRemoved(o.node)
        if (removed && o.role !== 'follower') this.#own.lingerCampaigns++
        for (const ob of obs) ob.onRole?.(o.node, o.role, o.term, o.log)
        break
      }
      case 'restore':
        for (const ob of obs) ob.onRestore?.(o.node, { index: o.index, term: o.term })
        break
      case 'crash':
        for (const ob of obs) ob.onCrash?.(o.node)
        break
      case 'removed':
        for (const ob of obs) ob.onRemoved?.(o.node)
        break
      default:
        break
    }
    for (const ob of obs) ob.observe?.(o)
  }

  #afterStep(): void {
    if (this.figure8.active) {
      this.figure8.afterEvent()
      if (!this.figure8.active) this.#figure8Completed = this.figure8.stats.completed
    }
    for (const o of this.#observers) o.afterEvent?.()
  }

  #figure8Started = 0
  #figure8Completed = 0

  // ---------------------------------------------------------------- running

  /** Virtual time of the last event processed, in milliseconds. */
  get now(): number {
    return this.#loop.now
  }

  /** Events scheduled and not processed yet. */
  get pending(): number {
    return this.#loop.pending
  }

  /** Scheduling windows so far (each is one round of calls to the nodes; see ClusterLoop.stepUntil). */
  get windows(): number {
    return this.#loop.stats.windows
  }

  /** Counters of the run so far. */
  get stats(): SimStats {
    const s = this.#loop.stats
    return {
      events: s.steps,
      ticks: s.ticks,
      delivered: s.delivered,
      dropped: s.dropped,
      duplicated: s.duplicated,
      readies: s.writes,
      readiesLost: s.writesLost,
      committed: s.appliedMax,
      committedCommands: s.committedCommands,
      elections: s.elections,
      crashes: s.crashes,
      restarts: s.restarts,
      partitions: this.#own.partitions,
      snapshots: s.snapshots,
      snapshotsInstalled: s.snapshotsInstalled,
      snapshotChunks: s.snapshotChunks,
      joinedBySnapshot: s.joinedBySnapshot,
      confChanges: s.confChanges,
      lingerCampaigns: this.#own.lingerCampaigns,
      figure8Started: this.#figure8Started,
      figure8Completed: this.#figure8Completed,
    }
  }

  /** The run so far as 16 hex digits: equal for two runs exactly when they did the same things. */
  traceHash(): string {
    return this.#loop.trace.hex()
  }

  /** The options as one line (see formatOptions). */
  describe(): string {
    return formatOptions(this.options)
  }

  /**
   * Processes every event of the next virtual instant and returns its time, or undefined when nothing is scheduled.
   */
  step(): { time: number } | undefined {
    return this.#loop.run() ? { time: this.#loop.now } : undefined
  }

  /** Processes every event up to and including virtual time `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    const loop = this.#loop
    while (loop.nextTime() <= time) loop.run(time)
    if (time > loop.now) loop.now = time
  }

  /** `runUntil(now + ms)`. */
  runFor(ms: number): void {
    this.runUntil(this.#loop.now + ms)
  }

  /**
   * Runs until `pred()` holds or `time` passes; returns whether it held. `pred` is checked after every scheduling
   * window (see ClusterLoop.stepUntil; one instant when the network's least delay is 1 ms, or with `exact`).
   */
  runUntilTrue(pred: () => boolean, time: number, exact = false): boolean {
    if (pred()) return true
    const loop = this.#loop
    while (loop.nextTime() <= time) {
      loop.run(exact ? loop.nextTime() : time)
      if (pred()) return true
    }
    if (time > loop.now) loop.now = time
    return false
  }

  /** Calls `fn` as an event of its own at virtual time `time` (not before now). */
  at(time: number, label: string, fn: () => void): void {
    this.#loop.at(time, label, fn)
  }

  /** Registers hooks; attach before the first step, so that observers see every event. */
  addObserver(o: SimObserver): void {
    this.#observers.push(o)
  }

  /**
   * Drops every message for which `keep` returns false, before the network sees it (scenarios use it to
   * steer individual messages). null removes the filter.
   */
  setFilter(keep: ((m: Message) => boolean) | null): void {
    this.#loop.setFilter(keep)
  }

  // ---------------------------------------------------------------- nodes

  /** Every node ever created, in creation order. */
  nodeIds(): readonly NodeId[] {
    return this.#loop.nodeIds()
  }

  /** Nodes not removed from the cluster, in creation order. */
  memberIds(): readonly NodeId[] {
    return this.#loop.memberIds()
  }

  /**
   * The configuration in force by the highest configuration entry some node applied (so committed), or the
   * initial voters before any.
   */
  committedConf(): CommittedConf {
    return this.#loop.committedConf()
  }

  /** @throws Error for an unknown id. */
  node(id: NodeId): SimNode {
    const disk = this.#disks.get(id)
    if (disk === undefined) throw new Error(`sim: no node ${id}`)
    const loop = this.#loop
    const self = this
    const shell = (): NodeShell => {
      const s = loop.shellOf(id) ?? self.#lastShell.get(id)
      if (s === undefined) throw new Error(`sim: node ${id} never started`)
      return s
    }
    return {
      id,
      num: loop.nodeIds().indexOf(id) + 1,
      get raw() {
        return shell().host.raw
      },
      get kv() {
        return shell().host.kv
      },
      disk,
      get up() {
        return loop.nodeState(id) === 'up'
      },
      get removed() {
        return self.#isRemoved(id)
      },
      peers: this.#peers.get(id) ?? [],
      get writing() {
        const sh = loop.shellOf(id)
        return sh !== undefined && (sh.staging || sh.host.busy)
      },
    }
  }

  /** Messages on the wire (a duplicated message counts once per copy). */
  inFlight(): number {
    return this.#loop.inFlight().length
  }

  /** Takes a snapshot at a node now (as its snapshot policy would), if it applied anything new since the last. */
  compact(id: NodeId): { index: number; term: number } | null {
    const before = this.#upShell(id).host.raw.firstIndex() - 1
    this.#loop.direct(id, (sh) => sh.host.input({ type: 'compact', reqId: 0 }))
    const after = this.#upShell(id).host.raw.firstIndex() - 1
    if (after <= before) return null
    return { index: after, term: this.#upShell(id).host.raw.term(after) ?? 0 }
  }

  /** Changes Raft parameters: on every running node at once, and for every later start. */
  setParams(p: Partial<RaftParams>): void {
    const loop = this.#loop
    loop.spec.params = { ...loop.spec.params, ...p }
    if (p.unsafe !== undefined) this.options.unsafe = p.unsafe
    for (const id of loop.nodeIds()) {
      const sh = loop.shellOf(id)
      if (sh !== undefined && this.isUp(id)) sh.host.raw.setParams?.(p)
    }
    loop.trace.str(`params ${JSON.stringify(p)}`)
  }

  /** The last shell of each node, so that a crashed node can still be inspected. */
  readonly #lastShell = new Map<NodeId, NodeShell>()
  readonly #peers = new Map<NodeId, NodeId[]>()

  #isRemoved(id: NodeId): boolean {
    return this.#loop.leaving.has(id) || this.#loop.nodeState(id) === 'removed'
  }

  isUp(id: NodeId): boolean {
    return this.#loop.nodeIds().includes(id) && this.#loop.nodeState(id) === 'up'
  }

  /** The running node that leads with the highest term, or null. */
  leader(): NodeId | null {
    let best: NodeId | null = null
    let bestTerm = -1
    for (const id of this.#loop.nodeIds()) {
      const sh = this.#loop.shellOf(id)
      if (sh === undefined || this.#loop.nodeState(id) !== 'up') continue
      const s = sh.host.raw.status()
      if (s.role === 'leader' && s.term > bestTerm) {
        best = id
        bestTerm = s.term
      }
    }
    return best
  }

  #remember(id: NodeId): void {
    const sh = this.#loop.shellOf(id)
    if (sh !== undefined) this.#lastShell.set(id, sh)
  }

  /**
   * Stops a node: it loses its memory and any write not yet on disk (with volatile storage, its whole disk). No-op
   * when it is down.
   */
  crash(id: NodeId): void {
    if (!this.isUp(id)) {
      this.node(id)
      return
    }
    this.#remember(id)
    this.#loop.kill(id)
    if (this.options.storage === 'volatile') this.#disks.set(id, new SimDisk('volatile'))
  }

  /** Starts a crashed node again from its disk. No-op when it is up or removed. */
  restart(id: NodeId): void {
    this.node(id)
    if (this.isUp(id) || this.#isRemoved(id)) return
    this.#loop.boot(id)
  }

  #upShell(id: NodeId): NodeShell {
    const sh = this.#loop.shellOf(id)
    if (sh === undefined || !this.isUp(id)) throw new Error(`sim: node ${id} is down`)
    return sh
  }

  #direct<T>(id: NodeId, f: (raw: RaftNode) => T): T {
    this.#upShell(id)
    return this.#loop.direct(id, (sh) => f(sh.host.raw))
  }

  /** Lets a node's election timer fire now. */
  campaign(id: NodeId): boolean {
    return this.#direct(id, (raw) => raw.campaign() !== false)
  }

  /** Proposes raw command data at a node (leader only; throws NotLeaderError otherwise). */
  propose(id: NodeId, data: string): { index: number; term: number } {
    return this.#direct(id, (raw) => raw.propose(data))
  }

  /** Asks the leader `from` to hand leadership to `to`. */
  transferLeadership(from: NodeId, to: NodeId): void {
    this.#direct(from, (raw) => raw.transferLeadership(to))
  }

  /** Proposes a membership change at the current leader. @throws Error when there is no leader. */
  changeMembership(c: ConfChange): { index: number; term: number } {
    const leader = this.leader()
    if (leader === null) throw new Error(`sim: no leader to propose ${c.type} ${c.node}`)
    return this.#direct(leader, (raw) => raw.proposeConfChange(c))
  }

  /**
   * Creates node `id` (empty, joining with no peers) and proposes adding it at the current leader.
   * @throws Error when the id exists or there is no leader.
   */
  addNode(id: NodeId, as: 'voter' | 'learner' = 'voter'): { index: number; term: number } {
    if (this.#disks.has(id)) throw new Error(`sim: node ${id} exists`)
    const leader = this.leader()
    if (leader === null) throw new Error(`sim: no leader to add ${id} through`)
    this.#create(id)
    return this.changeMembership({ type: as === 'voter' ? 'addVoter' : 'addLearner', node: id })
  }

  /**
   * Proposes removing node `id` at the current leader. The node stops as soon as some node applies the
   * removal (or lingers up to `lingerMs` first), and is never restarted.
   */
  removeNode(id: NodeId): { index: number; term: number } {
    this.node(id)
    return this.changeMembership({ type: 'removeNode', node: id })
  }

  #create(id: NodeId): void {
    this.#peers.set(id, [])
    this.#loop.join(id)
  }

  /** A node's removal committed: it stops for good, at once or after lingering a while. */
  #removed(id: NodeId): void {
    const loop = this.#loop
    if (!this.isUp(id) || !(this.options.lingerMs > 0)) {
      this.#remember(id)
      loop.kill(id, 'removed')
      return
    }
    loop.leaving.add(id)
    const linger = this.#lingerRng.int(this.options.lingerMs + 1)
    if (linger === 0) {
      this.#remember(id)
      loop.kill(id, 'removed')
    } else
      loop.at(loop.now + linger, `stop ${id}`, () => {
        this.#remember(id)
        loop.kill(id, 'removed')
      })
  }

  // ---------------------------------------------------------------- network and faults

  /** Splits the nodes into groups that cannot reach each other (see Network.partition). */
  partition(groups: NodeId[][]): void {
    this.network.partition(groups)
    this.#own.partitions++
    this.#loop.trace.str(`partition ${JSON.stringify(groups)}`)
  }

  /** Cuts a node off from everyone. */
  isolate(id: NodeId): void {
    this.network.isolate(id)
    this.#own.partitions++
    this.#loop.trace.str(`isolate ${id}`)
  }

  /** Cuts the directed link from -> to. */
  cut(from: NodeId, to: NodeId): void {
    this.network.cut(from, to)
    this.#own.partitions++
    this.#loop.trace.str(`cut ${from} ${to}`)
  }

  /** Removes every partition, cut and isolation. */
  heal(): void {
    this.network.heal()
    this.#loop.trace.str('heal')
  }

  /** Whether random faults are being injected. */
  get faultsOn(): boolean {
    return this.#faultsOn
  }

  /**
   * Ends the fault phase: no more random faults, no new membership changes or transfers (one under way is
   * carried out), the network healed and (with `calm`, the default) made timely and lossless, and every
   * crashed node restarted. Liveness is judged from here.
   */
  stopFaults(calm = true): void {
    this.#faultsOn = false
    this.figure8.stop()
    this.operator.stop()
    this.heal()
    if (calm) {
      const c = this.network.config
      c.defaults = { ...c.defaults, drop: 0, duplicate: 0, reorder: 0 }
      c.links = {}
      this.network.setConfig(c)
    }
    for (const id of this.#loop.nodeIds()) if (!this.isUp(id) && !this.#isRemoved(id)) this.restart(id)
    this.#loop.trace.str('stop faults')
  }

  // ---------------------------------------------------------------- clients

  /**
   * Issues one client request (a scenario's own client, `s1` unless named) and returns its history op,
   * updated in place when it completes. It reaches the node at the next millisecond.
   */
  request(spec: RequestSpec, client?: string, target?: NodeId): HistoryOp {
    return this.workload.request(spec, client, target)
  }

  /** The clients' protocol (who answered a request, at which index: `onFinish`). */
  get clients(): ClientProtocol {
    return this.#loop.clients
  }

  // ---------------------------------------------------------------- faults

  #fault(): boolean {
    if (!this.#faultsOn) return false
    this.#loop.trace.int(400)
    const o = this.options
    if (this.figure8.active) {
      // The script decides the faults while it runs.
    } else if (o.figure8Rate > 0 && this.#figure8Rng.chance(o.figure8Rate) && this.figure8.start()) {
      this.#loop.trace.int(1000)
      this.#figure8Started++
    } else this.#injectFault()
    return true
  }

  #injectFault(): void {
    const o = this.options
    const r = this.#faultRng
    const live: NodeId[] = []
    const down: NodeId[] = []
    for (const id of this.#loop.nodeIds()) {
      if (this.#isRemoved(id)) continue
      if (this.isUp(id)) live.push(id)
      else down.push(id)
    }
    // Half of the crashes and isolations aim at the leader: that is where the protocol is stressed.
    const leader = o.crashRate > 0 || o.partitionRate > 0 ? this.leader() : null
    if (r.chance(o.crashRate) && live.length > 0) this.crash(leader !== null && r.chance(0.5) ? leader : r.pick(live))
    if (r.chance(o.restartRate) && down.length > 0) this.restart(r.pick(down))
    if (r.chance(o.partitionRate)) {
      const ids = live.concat(down)
      const kind = r.int(3)
      if (kind === 0 && ids.length >= 2) {
        const s = r.shuffled(ids)
        const cut = r.between(1, s.length - 1)
        this.partition([s.slice(0, cut), s.slice(cut)])
      } else if (kind === 1 && ids.length >= 1) {
        this.isolate(leader !== null && r.chance(0.5) ? leader : r.pick(ids))
      } else if (ids.length >= 2) {
        const from = r.pick(ids)
        let to = r.pick(ids)
        if (to === from) to = ids[(ids.indexOf(from) + 1) % ids.length]
        this.cut(from, to)
      }
    }
    if (r.chance(o.healRate)) this.heal()
  }

  #figure8Host(): Figure8Host {
    const self = this
    return {
      get now() {
        return self.now
      },
      upVoters: () => this.committedConf().voters.filter((id) => this.isUp(id) && !this.#isRemoved(id)),
      leader: () => this.leader(),
      status: (id) => this.#upShell(id).host.raw.status(),
      isUp: (id) => this.isUp(id),
      appliedIndex: (id) => this.node(id).kv.appliedIndex,
      diskLastTerm: (id) => {
        const d = this.node(id).disk
        return d.entries.length > 0 ? d.entries[d.entries.length - 1].term : (d.snapshot?.term ?? 0)
      },
      crash: (id) => this.crash(id),
      restart: (id) => this.restart(id),
      partition: (groups) => this.partition(groups),
      isolate: (id) => this.isolate(id),
      heal: () => this.heal(),
      slowReplication: (on) => {
        this.#slowReplication = on
        const o = this.options
        const p = on ? { maxEntriesPerMsg: 1, maxInflightMsgs: 1 } : { maxEntriesPerMsg: o.maxEntriesPerMsg, maxInflightMsgs: o.maxInflightMsgs }
        for (const id of this.#loop.nodeIds()) {
          const sh = this.#loop.shellOf(id)
          if (sh !== undefined && this.isUp(id)) sh.host.raw.setParams?.(p)
        }
        this.#loop.trace.int(on ? 1001 : 1002)
      },
    }
  }

  #operatorHost(): OperatorHost {
    const self = this
    return {
      get now() {
        return self.now
      },
      leader: () => this.leader(),
      status: (id) => this.#upShell(id).host.raw.status(),
      isUp: (id) => this.isUp(id),
      reachable: (from, to) => this.network.blocked(from, to) === null,
      committedConf: () => this.committedConf(),
      spawn: () => {
        const ids = this.#loop.nodeIds()
        if (ids.length >= MAX_NODES) return null
        let k = ids.length + 1
        while (this.#disks.has(`n${k}`)) k++
        const id = `n${k}`
        this.#create(id)
        return id
      },
      proposeConfChange: (at, c) => this.#direct(at, (raw) => raw.proposeConfChange(c)),
      transferLeadership: (from, to) => this.#direct(from, (raw) => raw.transferLeadership(to)),
    }
  }
}

/** Roles as observers see them. */
export type { Role }
