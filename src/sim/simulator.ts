import { RawNode, parseConfEntry } from '../raft/index.ts'
import type { ConfChange, Entry, Message, NodeId, PersistedState, RaftConfig, Ready, Role } from '../raft/types.ts'
import { KvStore } from '../kv/store.ts'
import type { HistoryOp } from '../kv/history.ts'
import { Network } from './network.ts'
import { Figure8Script, type Figure8Host } from './figure8.ts'
import { Operator, type CommittedConf, type OperatorHost } from './operator.ts'
import { formatOptions, resolveOptions, type SimOptionsInput } from './options.ts'
import { Prng } from './prng.ts'
import { EventQueue } from './queue.ts'
import { TraceHash } from './trace.ts'
import type { Disk, NodeFactory, RaftNode, SimEvent, SimObserver, SimOptions, SimStats } from './types.ts'
import { Workload, type RequestSpec, type WorkloadHost } from './workload.ts'

/**
 * One simulated server: a Raft node, its state machine and its disk. Read-only for callers; change it through
 * the Simulator.
 */
export interface SimNode {
  readonly id: NodeId
  /** Creation order, from 1; stands for the id in the trace. */
  readonly num: number
  /** The node of the current incarnation (of the last one while down). */
  raw: RaftNode
  kv: KvStore
  /** What survives a crash. */
  disk: Disk
  up: boolean
  /**
   * Left the cluster through a committed conf change: no longer a target of faults or clients, never restarted;
   * stopped at once or after lingering (see SimOptions.lingerMs).
   */
  removed: boolean
  /** Incremented by every crash and restart; events of older incarnations are void. */
  inc: number
  /** The initial voters it was created with (empty when it joined later). */
  readonly peers: NodeId[]
  /** The Ready being written to disk, if any. Invariant: at most one per node. */
  inflight: Ready | null
  /** Role and term as last reported to observers. */
  role: Role
  term: number
  /** Number of the last event that touched it, so each node is settled once per event. */
  mark: number
}

/** A number per message type for the trace: the name's length and fourth letter tell all eleven apart. */
function msgCode(type: string): number {
  return type.length * 128 + type.charCodeAt(3)
}

/** The operator creates no more nodes than this in one run (removed ones included). */
const MAX_NODES = 40

const defaultFactory: NodeFactory = (config, persisted) => new RawNode(config, persisted)

/** Extra construction parameters that are code, not options. */
export interface SimulatorExtras {
  /** Builds every node (tests wrap RawNode with it). */
  nodeFactory?: NodeFactory
}

/**
 * A deterministic discrete-event simulation of a Raft cluster. Time is virtual (milliseconds); the network,
 * the disks, the clients and the faults all draw from forks of one seeded generator, so the seed and the
 * calls made on the simulator determine the run exactly (`traceHash` proves it).
 *
 * A node's Ready is handled like a real host would: written to disk first (taking `diskMinMs..diskMaxMs`),
 * then its messages are sent and its committed entries applied, then `advance()`. A crash before the write
 * completes loses the whole Ready. Ticks, messages and client calls keep reaching the node meanwhile.
 */
export class Simulator {
  readonly options: SimOptions
  readonly network: Network
  readonly stats: SimStats = {
    events: 0,
    ticks: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    readies: 0,
    readiesLost: 0,
    committed: 0,
    committedCommands: 0,
    elections: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
    snapshots: 0,
    snapshotsInstalled: 0,
    snapshotChunks: 0,
    joinedBySnapshot: 0,
    confChanges: 0,
    lingerCampaigns: 0,
    figure8Started: 0,
    figure8Completed: 0,
  }
  readonly workload: Workload
  /** Membership changes and leadership transfers drawn from the seed (see operator.ts). */
  readonly operator: Operator
  /** The Figure 8 fault script (see figure8.ts), started at random with `figure8Rate`. */
  readonly figure8: Figure8Script

  readonly #queue = new EventQueue<SimEvent>()
  readonly #trace = new TraceHash()
  readonly #nodes = new Map<NodeId, SimNode>()
  #ids: NodeId[] = []
  /** Nodes not removed, in creation order: the ones clients may contact. */
  #memberIds: NodeId[] = []
  /** The configuration of the highest config entry some node applied. */
  #committedConf: CommittedConf
  readonly #observers: SimObserver[] = []
  #watchRoles = false
  readonly #factory: NodeFactory
  readonly #seedRng: Prng
  readonly #netRng: Prng
  readonly #diskRng: Prng
  readonly #faultRng: Prng
  readonly #tickRng: Prng
  readonly #lingerRng: Prng
  #now = 0
  #eventNo = 0
  #inEvent = false
  /** Nodes touched by the current event: the first #touchedCount slots. */
  readonly #touched: SimNode[] = []
  #touchedCount = 0
  /** Delivery events already processed, for reuse (the hot path allocates no event objects). */
  readonly #freeDeliveries: Extract<SimEvent, { type: 'deliver' }>[] = []
  /** Client events whose client has since scheduled another (they will be ignored when they fire). */
  #staleClientEvents = 0
  readonly #sendTimes: number[] = []
  #faultsOn: boolean
  #filter: ((m: Message) => boolean) | null = null
  #figure8Rng: Prng
  /** Replication slowed to one entry per append for a Figure 8 script. */
  #slowReplication = false

  constructor(input: SimOptionsInput, extras: SimulatorExtras = {}) {
    this.options = resolveOptions(input)
    const o = this.options
    this.#factory = extras.nodeFactory ?? defaultFactory
    this.#seedRng = new Prng(o.seed)
    this.#netRng = this.#seedRng.fork('network')
    this.#diskRng = this.#seedRng.fork('disk')
    this.#faultRng = this.#seedRng.fork('faults')
    this.#tickRng = this.#seedRng.fork('ticks')
    this.#lingerRng = this.#seedRng.fork('linger')
    this.#figure8Rng = this.#seedRng.fork('figure8')
    this.network = new Network(o.network)
    // The workload exists before the nodes: booting a node may already apply entries.
    this.workload = new Workload(this.#workloadHost(), o, this.#seedRng.fork('clients'))
    const peers: NodeId[] = []
    for (let i = 1; i <= o.nodes; i++) peers.push(`n${i}`)
    this.#committedConf = { index: 0, term: 0, voters: [...peers].sort(), learners: [] }
    for (const id of peers) this.#create(id, peers)
    this.#faultsOn = o.crashRate > 0 || o.restartRate > 0 || o.partitionRate > 0 || o.healRate > 0
    if (this.#faultsOn) this.#queue.push({ type: 'fault', time: 0, seq: 0 }, o.faultEveryMs)
    const electionMs = o.electionTick * o.tickMs
    this.operator = new Operator(
      this.#operatorHost(),
      { membershipRate: o.membershipRate, transferRate: o.transferRate, electionMs, initialVoters: peers.length },
      this.#seedRng.fork('operator'),
    )
    const d = o.network.defaults
    const roundMs = 2 * (d.latency + d.jitter) + 2 * o.diskMaxMs + 1
    this.figure8 = new Figure8Script(this.#figure8Host(), this.#figure8Rng.fork('script'), electionMs, roundMs)
    // Half a period after the faults, so that the two never share a millisecond.
    if (this.operator.enabled) this.#queue.push({ type: 'operator', time: 0, seq: 0 }, o.faultEveryMs + Math.floor(o.faultEveryMs / 2))
    this.workload.start()
  }

  // ---------------------------------------------------------------- running

  /** Virtual time of the last event processed, in milliseconds. */
  get now(): number {
    return this.#now
  }

  /** Events scheduled and not processed yet. */
  get pending(): number {
    return this.#queue.size
  }

  /** The run so far as 16 hex digits: equal for two runs exactly when they did the same things. */
  traceHash(): string {
    return this.#trace.hex()
  }

  /** The options as one line (see formatOptions). */
  describe(): string {
    return formatOptions(this.options)
  }

  /**
   * Processes the next event and returns it (valid until the next call: event objects are reused), or
   * undefined when nothing is scheduled.
   */
  step(): SimEvent | undefined {
    const ev = this.#queue.pop()
    if (ev === undefined) return undefined
    this.#now = ev.time
    this.#eventNo++
    this.stats.events++
    this.#inEvent = true
    const tr = this.#trace
    tr.int(ev.time)
    switch (ev.type) {
      case 'tick': {
        const n = this.#nodes.get(ev.node) as SimNode
        if (!n.up || n.inc !== ev.inc) break
        tr.int(n.num)
        this.stats.ticks++
        n.raw.tick()
        this.#touch(n)
        this.#queue.push(ev, ev.time + this.options.tickMs)
        break
      }
      case 'deliver': {
        const m = ev.msg
        const n = this.#nodes.get(m.to)
        tr.int(msgCode(m.type))
        tr.int(this.#nodes.get(m.from)?.num ?? 0)
        tr.int(n?.num ?? 0)
        tr.int(m.term)
        tr.int(m.index ?? -1)
        tr.int(m.commit ?? -1)
        tr.int(m.entries !== undefined ? m.entries.length : -1)
        if (n === undefined || !n.up) {
          this.stats.dropped++
          break
        }
        this.stats.delivered++
        if (m.offset !== undefined && m.offset > 0 && m.type === 'MsgSnap') this.stats.snapshotChunks++
        n.raw.step(m)
        this.#touch(n)
        break
      }
      case 'persisted': {
        const n = this.#nodes.get(ev.node) as SimNode
        tr.int(200 + n.num)
        // A crash since the write began voided it (and counted it as lost).
        if (n.inc !== ev.inc || n.inflight !== ev.ready) break
        n.inflight = null
        this.#complete(n, ev.ready)
        this.#touch(n)
        break
      }
      case 'client':
        tr.int(300 + ev.client)
        this.workload.onEvent(ev.client, ev.token)
        break
      case 'fault':
        tr.int(400)
        if (!this.#faultsOn) break
        if (this.figure8.active) {
          // The script decides the faults while it runs.
        } else if (this.options.figure8Rate > 0 && this.#figure8Rng.chance(this.options.figure8Rate) && this.figure8.start()) {
          tr.int(1000)
          this.stats.figure8Started++
        } else this.#injectFault()
        this.#queue.push(ev, ev.time + this.options.faultEveryMs)
        break
      case 'call':
        tr.str(ev.label)
        ev.fn()
        break
      case 'operator':
        tr.int(800)
        if (this.operator.step()) this.#queue.push(ev, ev.time + this.options.faultEveryMs)
        break
    }
    this.#settle()
    if (this.figure8.active) {
      this.figure8.afterEvent()
      this.#settle()
      if (!this.figure8.active) this.stats.figure8Completed = this.figure8.stats.completed
    }
    this.#inEvent = false
    for (const o of this.#observers) o.afterEvent?.(ev)
    if (ev.type === 'deliver') this.#freeDeliveries.push(ev)
    return ev
  }

  /** Processes every event up to and including virtual time `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.#queue.peek()
      if (next === undefined || next.time > time) break
      this.step()
    }
    if (time > this.#now) this.#now = time
  }

  /** `runUntil(now + ms)`. */
  runFor(ms: number): void {
    this.runUntil(this.#now + ms)
  }

  /** Runs until `pred()` holds (checked after every event) or `time` passes; returns whether it held. */
  runUntilTrue(pred: () => boolean, time: number): boolean {
    if (pred()) return true
    for (;;) {
      const next = this.#queue.peek()
      if (next === undefined || next.time > time) break
      this.step()
      if (pred()) return true
    }
    if (time > this.#now) this.#now = time
    return false
  }

  /** Calls `fn` as an event of its own at virtual time `time` (not before now). */
  at(time: number, label: string, fn: () => void): void {
    this.#queue.push({ type: 'call', time: 0, seq: 0, label, fn }, Math.max(time, this.#now))
  }

  /** Registers hooks; attach before the first step, so that observers see every event. */
  addObserver(o: SimObserver): void {
    this.#observers.push(o)
    if (o.onRole) this.#watchRoles = true
  }

  /**
   * Drops every message for which `keep` returns false, before the network sees it (scenarios use it to
   * steer individual messages). null removes the filter.
   */
  setFilter(keep: ((m: Message) => boolean) | null): void {
    this.#filter = keep
  }

  // ---------------------------------------------------------------- nodes

  /** Every node ever created, in creation order. */
  nodeIds(): readonly NodeId[] {
    return this.#ids
  }

  /** Nodes not removed from the cluster, in creation order. */
  memberIds(): readonly NodeId[] {
    return this.#memberIds
  }

  /**
   * The configuration in force by the highest configuration entry some node applied (so committed), or the
   * initial voters before any.
   */
  committedConf(): CommittedConf {
    return this.#committedConf
  }

  /** @throws Error for an unknown id. */
  node(id: NodeId): SimNode {
    const n = this.#nodes.get(id)
    if (n === undefined) throw new Error(`sim: no node ${id}`)
    return n
  }

  isUp(id: NodeId): boolean {
    return this.#nodes.get(id)?.up ?? false
  }

  /** The running node that leads with the highest term, or null. */
  leader(): NodeId | null {
    let best: NodeId | null = null
    let bestTerm = -1
    for (const id of this.#ids) {
      const n = this.#nodes.get(id) as SimNode
      if (!n.up) continue
      const s = n.raw.status()
      if (s.role === 'leader' && s.term > bestTerm) {
        best = id
        bestTerm = s.term
      }
    }
    return best
  }

  /** Stops a node: it loses its memory and any Ready not yet on disk. No-op when it is down. */
  crash(id: NodeId): void {
    const n = this.node(id)
    if (!n.up) return
    n.up = false
    n.inc++
    if (n.inflight !== null) {
      this.stats.readiesLost++
      n.inflight = null
    }
    n.role = 'follower'
    this.stats.crashes++
    this.#trace.int(500 + n.num)
    this.workload.onCrash(id)
    for (const o of this.#observers) o.onCrash?.(id)
  }

  /** Starts a crashed node again from its disk. No-op when it is up. */
  restart(id: NodeId): void {
    const n = this.node(id)
    if (n.up || n.removed) return
    this.stats.restarts++
    this.#trace.int(600 + n.num)
    const d = n.disk
    const persisted: PersistedState = { hardState: { ...d.hardState }, entries: d.entries.slice() }
    if (d.snapshot !== undefined) persisted.snapshot = d.snapshot
    this.#boot(n, persisted)
  }

  /** Lets a node's election timer fire now. */
  campaign(id: NodeId): boolean {
    const n = this.#upNode(id)
    const ok = n.raw.campaign() !== false
    this.#touched1(n)
    return ok
  }

  /** Proposes raw command data at a node (leader only; throws NotLeaderError otherwise). */
  propose(id: NodeId, data: string): { index: number; term: number } {
    const n = this.#upNode(id)
    try {
      return n.raw.propose(data)
    } finally {
      this.#touched1(n)
    }
  }

  /** Asks the leader `from` to hand leadership to `to`. */
  transferLeadership(from: NodeId, to: NodeId): void {
    const n = this.#upNode(from)
    try {
      n.raw.transferLeadership(to)
    } finally {
      this.#touched1(n)
    }
  }

  /** Proposes a membership change at the current leader. @throws Error when there is no leader. */
  changeMembership(c: ConfChange): { index: number; term: number } {
    const leader = this.leader()
    if (leader === null) throw new Error(`sim: no leader to propose ${c.type} ${c.node}`)
    const n = this.node(leader)
    try {
      return n.raw.proposeConfChange(c)
    } finally {
      this.#touched1(n)
    }
  }

  /**
   * Creates node `id` (empty, joining with no peers) and proposes adding it at the current leader.
   * @throws Error when the id exists or there is no leader.
   */
  addNode(id: NodeId, as: 'voter' | 'learner' = 'voter'): { index: number; term: number } {
    if (this.#nodes.has(id)) throw new Error(`sim: node ${id} exists`)
    const leader = this.leader()
    if (leader === null) throw new Error(`sim: no leader to add ${id} through`)
    this.#create(id, [])
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

  // ---------------------------------------------------------------- network and faults

  /** Splits the nodes into groups that cannot reach each other (see Network.partition). */
  partition(groups: NodeId[][]): void {
    this.network.partition(groups)
    this.stats.partitions++
    this.#trace.str(`partition ${JSON.stringify(groups)}`)
  }

  /** Cuts a node off from everyone. */
  isolate(id: NodeId): void {
    this.network.isolate(id)
    this.stats.partitions++
    this.#trace.str(`isolate ${id}`)
  }

  /** Cuts the directed link from -> to. */
  cut(from: NodeId, to: NodeId): void {
    this.network.cut(from, to)
    this.stats.partitions++
    this.#trace.str(`cut ${from} ${to}`)
  }

  /** Removes every partition, cut and isolation. */
  heal(): void {
    this.network.heal()
    this.#trace.str('heal')
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
    for (const id of this.#ids) if (!this.#nodes.get(id)?.up) this.restart(id)
    this.#trace.str('stop faults')
  }

  // ---------------------------------------------------------------- clients

  /**
   * Issues one client request (a scenario's own client, `s1` unless named) and returns its history op,
   * updated in place when it completes. Runs as part of the current time.
   */
  request(spec: RequestSpec, client?: string, target?: NodeId): HistoryOp {
    const op = this.workload.request(spec, client, target)
    this.#settleOutside()
    return op
  }

  // ---------------------------------------------------------------- internals

  #create(id: NodeId, peers: NodeId[]): SimNode {
    const n: SimNode = {
      id,
      num: this.#ids.length + 1,
      raw: undefined as unknown as RaftNode,
      kv: new KvStore(),
      disk: { hardState: { term: 0, vote: null, commit: 0 }, entries: [], snapshot: undefined },
      up: false,
      removed: false,
      inc: 0,
      peers,
      inflight: null,
      role: 'follower',
      term: 0,
      mark: 0,
    }
    this.#nodes.set(id, n)
    this.#ids = [...this.#ids, id]
    this.#memberIds = [...this.#memberIds, id]
    this.#boot(n, undefined)
    return n
  }

  /** Starts an incarnation of `n` from `persisted` (nothing: a brand-new node). */
  #boot(n: SimNode, persisted: PersistedState | undefined): void {
    const o = this.options
    n.inc++
    const rng = this.#seedRng.fork(`raft/${n.id}/${n.inc}`)
    const config: RaftConfig = {
      id: n.id,
      peers: n.peers,
      electionTick: o.electionTick,
      heartbeatTick: o.heartbeatTick,
      random: () => rng.next(),
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      unsafe: o.unsafe,
      maxEntriesPerMsg: this.#slowReplication ? 1 : o.maxEntriesPerMsg,
      maxInflightMsgs: this.#slowReplication ? 1 : o.maxInflightMsgs,
      snapshotChunkSize: o.snapshotChunkSize,
    }
    n.raw = this.#factory(config, persisted)
    n.kv = new KvStore()
    const snap = persisted?.snapshot
    if (snap !== undefined) n.kv.restore(snap.data)
    n.up = true
    n.inflight = null
    n.role = 'follower'
    n.term = persisted?.hardState.term ?? 0
    for (const ob of this.#observers) ob.onRestart?.(n.id, n.disk)
    if (this.#watchRoles) {
      for (const ob of this.#observers) ob.onRole?.(n.id, 'follower', n.term, n.raw)
    }
    // A random phase per incarnation, so that nodes do not tick in lockstep.
    const first = this.#now + 1 + this.#tickRng.int(o.tickMs)
    this.#queue.push({ type: 'tick', time: 0, seq: 0, node: n.id, inc: n.inc }, first)
    this.#touched1(n)
  }

  #upNode(id: NodeId): SimNode {
    const n = this.node(id)
    if (!n.up) throw new Error(`sim: node ${id} is down`)
    return n
  }

  #touch(n: SimNode): void {
    if (n.mark === this.#eventNo) return
    n.mark = this.#eventNo
    this.#touched[this.#touchedCount++] = n
  }

  /** Marks `n` touched; outside an event (a scenario calling in between steps), settles it at once. */
  #touched1(n: SimNode): void {
    this.#touch(n)
    this.#settleOutside()
  }

  #settleOutside(): void {
    if (this.#inEvent) return
    this.#settle()
    this.#eventNo++ // a fresh mark for the next batch of calls
  }

  /** Takes and handles the Readies of every touched node, then reports role changes. */
  #settle(): void {
    const t = this.#touched
    const count = this.#touchedCount
    // Handling one node's Ready touches no other node, so the list does not grow while we walk it.
    for (let i = 0; i < count; i++) this.#pump(t[i])
    if (this.#watchRoles) {
      for (let i = 0; i < count; i++) {
        const n = t[i]
        if (!n.up) continue
        const s = n.raw.status()
        if (s.role !== n.role || s.term !== n.term) {
          if (n.removed && s.role !== 'follower') this.stats.lingerCampaigns++
          n.role = s.role
          n.term = s.term
          for (const o of this.#observers) o.onRole?.(n.id, s.role, s.term, n.raw)
        }
      }
    }
    this.#touchedCount = 0
  }

  #pump(n: SimNode): void {
    const o = this.options
    while (n.up && n.inflight === null && n.raw.hasReady()) {
      const rd = n.raw.ready()
      this.stats.readies++
      if (rd.softState !== undefined && rd.softState.role === 'leader') this.stats.elections++
      const needsDisk = rd.hardState !== undefined || rd.entries.length > 0 || rd.snapshot !== undefined
      if (needsDisk && o.diskMaxMs > 0) {
        n.inflight = rd
        const delay = o.diskMinMs + this.#diskRng.int(o.diskMaxMs - o.diskMinMs + 1)
        this.#queue.push({ type: 'persisted', time: 0, seq: 0, node: n.id, inc: n.inc, ready: rd }, this.#now + delay)
        return
      }
      this.#complete(n, rd)
    }
  }

  /** The Ready is on disk: record it, send its messages, apply its entries, acknowledge it. */
  #complete(n: SimNode, rd: Ready): void {
    if (rd.hardState !== undefined || rd.entries.length > 0 || rd.snapshot !== undefined) this.#write(n, rd)
    if (rd.messages.length > 0) for (const o of this.#observers) o.onSend?.(n.id, rd.messages)
    for (let i = 0; i < rd.messages.length; i++) this.#send(rd.messages[i])
    if (rd.snapshot !== undefined) {
      this.stats.snapshotsInstalled++
      if (n.peers.length === 0 && n.kv.appliedIndex === 0) this.stats.joinedBySnapshot++
      n.kv.restore(rd.snapshot.data)
      this.workload.onRestore(n.id, rd.snapshot.index)
      for (const o of this.#observers) o.onRestore?.(n.id, rd.snapshot)
    }
    const ce = rd.committedEntries
    for (let i = 0; i < ce.length; i++) {
      const e = ce[i]
      // An entry at or below what the store holds is a core bug; the checkers name it (ApplyOrder).
      const result = e.index > n.kv.appliedIndex ? n.kv.apply(e) : null
      if (e.index > this.stats.committed) {
        this.stats.committed = e.index
        if (e.kind === 'command') this.stats.committedCommands++
      }
      for (const o of this.#observers) o.onApply?.(n.id, e, result)
      this.workload.onApply(n.id, e, result)
      if (e.kind === 'config') {
        this.#onConfig(e)
        if (!n.up) return // it applied its own removal and shut down
      }
    }
    if (rd.readStates !== undefined) for (const rs of rd.readStates) this.workload.onReadState(n.id, rs)
    if (rd.readFailures !== undefined) for (const f of rd.readFailures) this.workload.onReadFailed(n.id, f)
    this.workload.afterApply(n.id)
    n.raw.advance()
    const every = this.options.snapshotEvery
    if (every > 0) {
      const base = n.disk.snapshot?.index ?? 0
      const applied = n.kv.appliedIndex
      // The core may hold a newer snapshot than the disk (received, its Ready not taken yet): then there is
      // nothing to compact.
      if (applied - base >= every && applied > n.raw.firstIndex() - 1) {
        const snap = n.raw.compact(applied, n.kv.snapshot())
        // Entries up to `applied` are on disk: they were committed, and commit never passes the stored log.
        const d = n.disk
        d.entries = d.entries.slice(Math.min(snap.index - base, d.entries.length))
        d.snapshot = snap
        this.stats.snapshots++
      }
    }
  }

  /** Writes a Ready to the node's disk, checking that the stored log stays contiguous. */
  #write(n: SimNode, rd: Ready): void {
    const d = n.disk
    if (rd.snapshot !== undefined) {
      // Installing a snapshot replaces the stored log (the core only installs one that its log does not match).
      d.snapshot = rd.snapshot
      d.entries = []
    }
    const base = d.snapshot?.index ?? 0
    const lastBefore = base + d.entries.length
    let prevTerm: number | undefined
    const ents = rd.entries
    if (ents.length > 0) {
      const first = ents[0].index
      if (first <= base || first > lastBefore + 1) {
        throw new Error(`sim: ${n.id} persisted entries from ${first}, but its stored log holds ${base + 1}..${lastBefore}`)
      }
      prevTerm = first - 1 === base ? (d.snapshot?.term ?? 0) : d.entries[first - 2 - base].term
      const keep = first - 1 - base
      if (d.entries.length > keep) d.entries.length = keep // a suffix is replaced; rare
      for (let i = 0; i < ents.length; i++) d.entries.push(ents[i])
    }
    if (rd.hardState !== undefined) d.hardState = rd.hardState
    for (const o of this.#observers) o.onPersist?.(n.id, rd, prevTerm, lastBefore)
  }

  #send(m: Message): void {
    if (this.#filter !== null && !this.#filter(m)) {
      this.stats.dropped++
      this.#trace.int(700)
      return
    }
    const times = this.#sendTimes
    const reason = this.network.decideInto(times, m.from, m.to, this.#now, this.#netRng)
    if (reason !== null) {
      this.stats.dropped++
      return
    }
    for (let i = 0; i < times.length; i++) {
      const ev = this.#freeDeliveries.pop()
      if (ev === undefined) this.#queue.push({ type: 'deliver', time: 0, seq: 0, msg: m }, times[i])
      else {
        ev.msg = m
        this.#queue.push(ev, times[i])
      }
    }
    if (times.length > 1) this.stats.duplicated++
  }

  /** A config entry was applied: it is committed. */
  #onConfig(e: Entry): void {
    const conf = parseConfEntry(e.data)
    if (conf === null) return
    if (e.index > this.#committedConf.index) {
      const prev = this.#committedConf
      const next: CommittedConf = { index: e.index, term: e.term, voters: [...conf.voters].sort(), learners: [...conf.learners].sort() }
      if (conf.type !== undefined) next.type = conf.type
      if (conf.node !== undefined) next.node = conf.node
      this.#committedConf = next
      this.stats.confChanges++
      this.#trace.int(900 + e.index)
      this.operator.onCommitted(prev, next)
    }
    if (conf.type !== 'removeNode' || conf.node === undefined) return
    const gone = this.#nodes.get(conf.node)
    if (gone === undefined || gone.removed) return
    // The removal is committed (someone applied it): the removed node shuts down for good, at once or after
    // lingering a while, as a host that watches the committed configuration would stop it. Waiting for it to
    // apply its own removal would not do: the leader stops replicating to it once the removal commits, and it
    // may miss that last append.
    gone.removed = true
    this.#memberIds = this.#memberIds.filter((id) => id !== gone.id)
    for (const o of this.#observers) o.onRemoved?.(gone.id)
    const linger = this.options.lingerMs > 0 && gone.up ? this.#lingerRng.int(this.options.lingerMs + 1) : 0
    if (linger === 0) this.crash(gone.id)
    else this.at(this.#now + linger, `stop ${gone.id}`, () => this.crash(gone.id))
  }

  #injectFault(): void {
    const o = this.options
    const r = this.#faultRng
    const live: NodeId[] = []
    const down: NodeId[] = []
    for (const id of this.#ids) {
      const n = this.#nodes.get(id) as SimNode
      if (n.removed) continue
      if (n.up) live.push(id)
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
        return self.#now
      },
      upVoters: () => this.#committedConf.voters.filter((id) => this.isUp(id) && !(this.#nodes.get(id) as SimNode).removed),
      leader: () => this.leader(),
      status: (id) => this.#upNode(id).raw.status(),
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
        for (const id of this.#ids) {
          const n = this.#nodes.get(id) as SimNode
          if (n.up) n.raw.setParams?.(p)
        }
        this.#trace.int(on ? 1001 : 1002)
      },
    }
  }

  #operatorHost(): OperatorHost {
    const self = this
    return {
      get now() {
        return self.#now
      },
      leader: () => this.leader(),
      status: (id) => this.#upNode(id).raw.status(),
      isUp: (id) => this.isUp(id),
      reachable: (from, to) => this.network.blocked(from, to) === null,
      committedConf: () => this.#committedConf,
      spawn: () => {
        if (this.#ids.length >= MAX_NODES) return null
        let k = this.#ids.length + 1
        while (this.#nodes.has(`n${k}`)) k++
        const id = `n${k}`
        this.#create(id, [])
        return id
      },
      proposeConfChange: (at, c) => {
        const n = this.#upNode(at)
        this.#touch(n)
        return n.raw.proposeConfChange(c)
      },
      transferLeadership: (from, to) => {
        const n = this.#upNode(from)
        this.#touch(n)
        n.raw.transferLeadership(to)
      },
    }
  }

  #workloadHost(): WorkloadHost {
    const self = this
    return {
      get now() {
        return self.#now
      },
      nodeIds: () => this.#memberIds,
      isUp: (id) => this.isUp(id),
      propose: (id, data) => {
        const n = this.#upNode(id)
        this.#touch(n)
        return n.raw.propose(data)
      },
      readIndex: (id, ctx) => {
        const n = this.#upNode(id)
        this.#touch(n)
        n.raw.readIndex(ctx)
      },
      appliedIndex: (id) => this.node(id).kv.appliedIndex,
      read: (id, key) => this.node(id).kv.read(key),
      scheduleClient: (time, client, token, replaces) => {
        this.#queue.push({ type: 'client', time: 0, seq: 0, client, token }, time)
        if (replaces && ++this.#staleClientEvents > 256 && this.#staleClientEvents * 2 > this.#queue.size) {
          // Abandoned retry timers would otherwise pile up in the heap and slow every push and pop.
          this.#queue.removeWhere((ev) => ev.type === 'client' && !this.workload.isLive(ev.client, ev.token))
          this.#staleClientEvents = 0
        }
      },
    }
  }
}
