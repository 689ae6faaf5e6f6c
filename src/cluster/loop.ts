/**
 * The cluster loop: one event queue in virtual time, the network model every message goes through, the nodes'
 * clocks and disks' latency, the client protocol, and the nodes' hosts behind ports. The simulator and the browser
 * both run this loop; they differ only in their ports (in-process shells with memory disks, or Web Workers with
 * IndexedDB disks) and in what drives them (fault scheduling and checkers, or a speed driver and the UI).
 *
 * All events of one virtual millisecond are handed to their nodes as one batch each, in parallel; the network never
 * delivers in the millisecond it sends, so no batch can affect another, and the outputs are taken in node order. So
 * the same seed, spec and actions give the same run (the same trace hash), whatever the ports and however long
 * their disks take. With ports that answer at once (in-process), a step runs synchronously.
 */
import type { BasicStatus, Message, NodeId, Role } from '../raft/types.ts'
import type { LogView, Observation } from '../check/safety.ts'
import type { KvCommand } from '../kv/command.ts'
import type { HistoryOp } from '../kv/history.ts'
import { EventQueue } from '../world/queue.ts'
import { Network, cloneNetworkConfig, type DropReason, type NetworkConfig } from '../world/network.ts'
import { Prng } from '../world/prng.ts'
import { TraceHash } from '../world/trace.ts'
import type { NodeShell } from '../node/shell.ts'
import { codeOf, errorFields, failureOf, isPromise } from '../node/failure.ts'
import type {
  EntryView,
  HostInit,
  HostInput,
  HostOutput,
  NodeEvent,
  NodeSummary,
  RaftParams,
  Recovery,
  Reply,
  StartFailure,
  StartFailureCode,
  StorageMode,
  WindowOutput,
} from '../node/protocol.ts'
import { ClientProtocol, type ClientOp, type ReadChoice } from './clients.ts'

export type { ClientOp } from './clients.ts'

/** One node's host as the loop sees it: a Web Worker in the browser, an in-process shell in the simulator. */
export interface NodePort {
  handle(inputs: HostInput[]): HostOutput | Promise<HostOutput>
  /**
   * Several batches at once, one per virtual instant of a scheduling window (NodeShell.handleWindow: one round
   * trip and one disk write for the window). Ports without it get the batches one `handle` call at a time.
   */
  handleWindow?(batches: HostInput[][]): WindowOutput | Promise<WindowOutput>
  /** Crash: stop at once; nothing but what is on the node's disk survives. */
  close(): void
  /** The key/value contents, for the inspector (does not change the run). */
  kv(): [string, string][] | Promise<[string, string][]>
  /** In-process ports only: the shell itself (the simulator's scenarios and tests reach into the node). */
  readonly shell?: NodeShell
}

export type Started = { ok: true; port: NodePort; recovery: Recovery; output: HostOutput } | { ok: false; failure: StartFailure }

/** Starts a node from its disk; a failure (e.g. a corrupt disk) comes back as a code and a sentence. */
export type PortFactory = (init: HostInit) => Started | Promise<Started>

/** The whole setup of a cluster: what a URL preset and the settings database hold. */
export interface ClusterSpec {
  /** The database namespace of the cluster. */
  name: string
  seed: number
  /** The initial voters. */
  nodes: NodeId[]
  params: RaftParams
  /** Virtual milliseconds per Raft tick. */
  tickMs: number
  network: NetworkConfig
  storage: StorageMode
  snapshotEvery: number
  /** A client gives up on a request after this many virtual milliseconds (outcome unknown). */
  clientTimeoutMs: number
  /**
   * A client re-sends a request (same session and sequence number) that a node accepted but did not answer within
   * this many milliseconds, sometimes to another node. Default: never (the request waits where it is until
   * `clientTimeoutMs`, as the teaching app shows it); the simulator's clients re-send.
   */
  clientRetryMs?: number
  /** Writing a Ready takes a uniform [diskMinMs, diskMaxMs] virtual ms (default 0: within the batch). */
  diskMinMs?: number
  diskMaxMs?: number
}

export type NodeState = 'starting' | 'up' | 'paused' | 'crashed' | 'corrupt' | 'removed'

/** Everything the UI learns from the loop. */
export type ClusterEvent =
  | { type: 'sent'; at: number; id: number; msg: Message; deliverAt: number[]; dropped?: DropReason; duplicateOf?: number }
  | { type: 'delivered'; at: number; id: number; msg: Message }
  /** `dropped`: taken off the wire by the user (`dropInFlight`) or by a filter. */
  | { type: 'lost'; at: number; id: number; msg: Message; reason: 'down' | 'removed' | 'dropped' }
  | { type: 'held'; at: number; id: number; msg: Message }
  | { type: 'summary'; at: number; node: NodeId; summary: NodeSummary }
  | { type: 'nodeState'; at: number; node: NodeId; state: NodeState; error?: string; code?: StartFailureCode }
  | { type: 'nodeEvent'; at: number; node: NodeId; event: NodeEvent }
  | { type: 'recovered'; at: number; node: NodeId; recovery: Recovery }
  | { type: 'client'; at: number; op: ClientOp }
  | { type: 'admin'; at: number; what: string; node: NodeId; ok: boolean; error?: string }
  | { type: 'tick'; at: number }
  /**
   * What the checkers read (src/check/safety.ts), in the loop's processing order, for shells that check in the UI
   * (see Scheduler); `obs: null` ends a step (every output of the instant is in): the checkers' afterEvent.
   */
  | { type: 'observation'; at: number; obs: Observation | null }

/** The configuration of the highest configuration entry some node applied (so committed), or the initial voters. */
export interface CommittedConf {
  index: number
  term: number
  voters: readonly NodeId[]
  learners: readonly NodeId[]
  /** The change that led to it (absent for the initial configuration). */
  type?: string
  node?: NodeId
}

/** Hooks for checkers and shells; every one optional. */
export interface LoopObserver {
  /** What the safety checkers see, in the loop's deterministic order. */
  observe?(o: Observation): void
  /** A configuration entry committed for the first time. */
  onCommittedConf?(prev: CommittedConf, next: CommittedConf): void
  /** After every step (all events of one virtual instant), once the loop is consistent again. */
  afterStep?(): void
}

interface NodeSlot {
  id: NodeId
  /** Creation order, from 1. */
  num: number
  state: NodeState
  port: NodePort | null
  /** Incarnation: incremented by every crash and start; events of older incarnations are void. */
  inc: number
  summary: NodeSummary | null
  brief: BasicStatus | null
  /** Messages that arrived while paused; delivered on resume (a frozen process's socket buffer). */
  inbox: Message[]
  error?: string
  code?: StartFailureCode
  log: EntryView[]
  logFrom: number
  snapshot: { index: number; term: number }
  recovery?: Recovery
  /** Initial peers this node was created with ([] for a node that joined later). */
  peers: NodeId[]
  /** Its clock: a tick event of an older clock is void (a resumed node starts a new one). */
  clock: number
  /** It has applied entries or installed a snapshot (a joiner that has not is empty). */
  hadState: boolean
  /** Its last output said a write is staged, waiting for its `durable` event: a crash now loses it. */
  staging: boolean
  role: Role
  term: number
}

type LoopEvent = { time: number; seq: number } & (
  | { kind: 'tick'; node: NodeId; clock: number }
  | { kind: 'deliver'; id: number; msg: Message }
  | { kind: 'durable'; node: NodeId; inc: number }
  | { kind: 'input'; node: NodeId; input: HostInput }
  | { kind: 'client'; op: number; token: number }
  | { kind: 'call'; label: string; fn: () => void }
)

/** Counters for metrics, tests and benchmarks. */
export interface LoopStats {
  /** Instants processed (each counts as a step, whatever the window). */
  steps: number
  /** Scheduling windows: node round trips are per window. */
  windows: number
  /** Node calls (one round trip each: one per node with inputs per window), and those whose answer wrote to the
   * disk (with group commit one transaction each; the benchmark reads the disk's share of the window from them). */
  calls: number
  writingCalls: number
  ticks: number
  sent: number
  delivered: number
  dropped: number
  duplicated: number
  /** Writes made durable, and writes lost to a crash before they were. */
  writes: number
  writesLost: number
  /** Entries applied by leaders (the UI's commit rate). */
  committed: number
  /** The highest index some node applied, and how many client commands up to it. */
  appliedMax: number
  committedCommands: number
  /** Distinct terms that had a leader. */
  elections: number
  crashes: number
  restarts: number
  snapshots: number
  snapshotsInstalled: number
  snapshotChunks: number
  joinedBySnapshot: number
  confChanges: number
  opsOk: number
}

interface Condition {
  pred: () => boolean
  deadline: number
  resolve: () => void
  reject: (e: Error) => void
  sleep: boolean
}

interface Waiter {
  resolve: (r: Reply) => void
}

/** A mirror of a node's log as reported (index and term), as the checkers read a leader's log. */
function mirrorView(s: NodeSlot): LogView {
  return {
    firstIndex: () => s.logFrom,
    lastIndex: () => s.logFrom + s.log.length - 1,
    term: (i) => (i === s.logFrom - 1 ? s.snapshot.term : s.log[i - s.logFrom]?.term),
  }
}

export class ClusterLoop {
  readonly spec: ClusterSpec
  now = 0
  readonly network: Network
  readonly trace = new TraceHash()
  readonly stats: LoopStats = {
    steps: 0,
    windows: 0,
    calls: 0,
    writingCalls: 0,
    ticks: 0,
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    writes: 0,
    writesLost: 0,
    committed: 0,
    appliedMax: 0,
    committedCommands: 0,
    elections: 0,
    crashes: 0,
    restarts: 0,
    snapshots: 0,
    snapshotsInstalled: 0,
    snapshotChunks: 0,
    joinedBySnapshot: 0,
    confChanges: 0,
    opsOk: 0,
  }
  /** The client protocol: requests, redirects, retries, timeouts, and the history. */
  readonly clients: ClientProtocol

  protected readonly queue = new EventQueue<LoopEvent>()
  readonly #netRng: Prng
  readonly #seedRng: Prng
  readonly #diskRng: Prng
  readonly #tickRng: Prng
  protected readonly slots = new Map<NodeId, NodeSlot>()
  /** The slots in creation order (the order outputs are taken in). */
  readonly #slotList: NodeSlot[] = []
  readonly #factory: PortFactory
  readonly #listeners = new Set<(e: ClusterEvent) => void>()
  readonly #observers: LoopObserver[] = []
  #observing = false
  #msgSeq = 0
  #reqSeq = 0
  readonly #waiters = new Map<number, Waiter>()
  readonly #leaderTerms = new Set<number>()
  #committedConf: CommittedConf
  #filter: ((m: Message) => boolean) | null = null
  readonly #when: number[] = []
  /** Node batches of the instant being collected. */
  #batches = new Map<NodeId, { inc: number; inputs: HostInput[] }>()
  /** The window being taken in (see stepUntil): each node's planned inputs per instant, checked as they happen. */
  #plan: Map<NodeId, Planned> | null = null
  /**
   * Scheduling windows (see stepUntil) on or off. Off, every step is one instant; on, the same run (the same trace)
   * in fewer round trips. Tests switch it off to compare.
   */
  windows = true
  protected readonly joined: NodeId[]
  protected readonly retired: NodeId[]
  #conditions: Condition[] = []

  /**
   * `membership.joined`: nodes that joined after the start (they boot with no peers and learn the configuration
   * from the leader); `membership.retired`: nodes removed for good (never started again); `membership.session`:
   * a name unique to this incarnation of a recovered cluster (the clients' sessions live in the replicated state
   * and outlive the loop, so a recovered cluster's clients get a new session).
   * `options.keepFinished`: the client history keeps only that many finished operations (see ClientOptions); unset
   * keeps all of them.
   */
  constructor(
    spec: ClusterSpec,
    factory: PortFactory,
    membership: { joined?: NodeId[]; retired?: NodeId[]; session?: string } = {},
    options: { keepFinished?: number } = {},
  ) {
    this.spec = { ...spec, nodes: [...spec.nodes], params: { ...spec.params }, network: cloneNetworkConfig(spec.network) }
    this.joined = [...(membership.joined ?? [])]
    this.retired = [...(membership.retired ?? [])]
    this.#factory = factory
    this.network = new Network(spec.network)
    const root = new Prng(spec.seed)
    this.#netRng = root.fork('network')
    this.#seedRng = root.fork('node-seeds')
    this.#diskRng = root.fork('disk')
    this.#tickRng = root.fork('ticks')
    const sorted = [...spec.nodes].sort()
    this.#committedConf = { index: 0, term: 0, voters: sorted, learners: [] }
    this.clients = new ClientProtocol(
      {
        now: () => this.now,
        // A client is on the network too: its request takes the network's least delay to reach a node (which is
        // also what lets a node run a whole scheduling window without waiting for the clients).
        send: (to, req) => this.queueInput(to, { type: 'client', req }, this.now + this.network.minDelay()),
        timer: (time, op, token) => this.queue.push({ kind: 'client', op, token, time: 0, seq: 0 }, Math.max(time, this.now)),
        isUp: (id) => this.slots.get(id)?.state === 'up',
        members: () => this.memberIds(),
        emit: (op) => this.emit({ type: 'client', at: this.now, op }),
        finished: (op) => {
          if (op.status === 'ok') this.stats.opsOk++
        },
      },
      {
        timeoutMs: spec.clientTimeoutMs,
        retryMs: spec.clientRetryMs ?? spec.clientTimeoutMs,
        backoffMs: Math.max(1, spec.tickMs),
        session: membership.session ?? '',
        ...(options.keepFinished !== undefined ? { keepFinished: options.keepFinished } : {}),
      },
      root.fork('clients'),
    )
  }

  // ---------------------------------------------------------------- listeners and observers

  on(f: (e: ClusterEvent) => void): () => void {
    this.#listeners.add(f)
    return () => this.#listeners.delete(f)
  }

  protected emit(e: ClusterEvent): void {
    for (const f of this.#listeners) f(e)
  }

  /** Attach before the first start, so that observers see every node from its first incarnation. */
  addObserver(o: LoopObserver): void {
    this.#observers.push(o)
    if (o.observe) this.#observing = true
  }

  #see(o: Observation): void {
    for (const ob of this.#observers) ob.observe?.(o)
  }

  /** Drops every message for which `keep` returns false, before the network sees it. null removes the filter. */
  setFilter(keep: ((m: Message) => boolean) | null): void {
    this.#filter = keep
  }

  // ---------------------------------------------------------------- nodes

  /** Start every node of the spec from its disk (a fresh disk starts empty). */
  startAll(): void | Promise<void> {
    for (const id of this.spec.nodes) this.#newSlot(id, [...this.spec.nodes])
    for (const id of this.joined) if (!this.slots.has(id)) this.#newSlot(id, [])
    for (const id of this.retired) {
      const slot = this.slots.get(id) ?? this.#newSlot(id, [])
      slot.state = 'removed'
    }
    const boot = [...this.slots.values()].filter((s) => s.state !== 'removed').map((s) => s.id)
    // Hosts start in parallel, but their first outputs are taken in a fixed order: which worker opens its
    // database first must not change the run.
    const launched = boot.map((id) => this.#launch(id))
    if (launched.some(isPromise)) return Promise.all(launched).then((rs) => boot.forEach((id, k) => this.#land(id, rs[k])))
    boot.forEach((id, k) => this.#land(id, launched[k] as Started))
  }

  #newSlot(id: NodeId, peers: NodeId[]): NodeSlot {
    const s: NodeSlot = {
      id,
      num: this.slots.size + 1,
      state: 'starting',
      port: null,
      inc: 0,
      summary: null,
      brief: null,
      inbox: [],
      log: [],
      logFrom: 1,
      snapshot: { index: 0, term: 0 },
      peers,
      clock: 0,
      hadState: false,
      staging: false,
      role: 'follower',
      term: 0,
    }
    this.slots.set(id, s)
    this.#slotList.push(s)
    return s
  }

  /** Start (or restart) a node's host from its disk. */
  protected bootNode(id: NodeId): void | Promise<void> {
    const r = this.#launch(id)
    if (isPromise(r)) return r.then((res) => this.#land(id, res))
    this.#land(id, r)
  }

  #launch(id: NodeId): Started | Promise<Started> {
    const slot = this.slots.get(id)!
    slot.state = 'starting'
    slot.error = undefined
    slot.code = undefined
    slot.inc++
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'starting' })
    const init: HostInit = {
      cluster: this.spec.name,
      id,
      peers: slot.peers,
      params: this.spec.params,
      seed: Math.floor(this.#seedRng.next() * 2 ** 32),
      storage: this.spec.storage,
      snapshotEvery: this.spec.snapshotEvery,
    }
    if (this.#observing) init.observe = true
    if ((this.spec.diskMaxMs ?? 0) > 0) init.staged = true
    try {
      const r = this.#factory(init)
      return isPromise(r) ? r.catch((e: unknown) => failed(e)) : r
    } catch (e) {
      return failed(e)
    }
  }

  #land(id: NodeId, res: Started): void {
    const slot = this.slots.get(id)!
    if (slot.state !== 'starting') {
      // Crashed or removed while starting: the new host is not wanted.
      if (res.ok) res.port.close()
      return
    }
    if (res.ok) {
      const { port, recovery, output } = res
      slot.port = port
      slot.state = 'up'
      slot.recovery = recovery
      slot.log = []
      slot.logFrom = 1
      slot.role = 'follower'
      slot.term = recovery.term
      this.trace.int(600 + slot.num)
      if (slot.inc > 1) this.stats.restarts++
      // A disk that held nothing (a new node, volatile storage, a wiped disk): Durability starts afresh for it.
      this.#see({ type: 'restart', node: id, index: recovery.snapshotIndex, term: recovery.snapshotTerm ?? 0, lostDisk: recovery.empty })
      this.emit({ type: 'recovered', at: this.now, node: id, recovery })
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'up' })
      // A random phase per incarnation, so that nodes do not tick in lockstep.
      const tickMs = this.spec.tickMs
      this.queue.push({ kind: 'tick', node: id, clock: ++slot.clock, time: 0, seq: 0 }, this.now + 1 + this.#tickRng.int(tickMs))
      this.#absorb(slot, output)
    } else {
      slot.port = null
      slot.state = res.failure.code === 'corrupt' ? 'corrupt' : 'crashed'
      slot.error = res.failure.message
      slot.code = res.failure.code
      this.emit({ type: 'nodeState', at: this.now, node: id, state: slot.state, error: slot.error, code: slot.code })
    }
  }

  /** Crash a node: its host stops, its memory and any write not yet durable are gone; its disk stays. */
  protected killNode(id: NodeId, state: 'crashed' | 'removed' = 'crashed'): void {
    const slot = this.#slot(id)
    const wasUp = slot.state === 'up' || slot.state === 'paused'
    if (!wasUp && slot.state !== 'starting' && state === 'crashed') return
    slot.port?.close()
    slot.port = null
    slot.inbox = []
    slot.inc++
    slot.state = state
    slot.role = 'follower'
    if (wasUp && slot.staging) this.stats.writesLost++
    slot.staging = false
    if (wasUp) {
      this.stats.crashes++
      this.trace.int(500 + slot.num)
      this.#see({ type: 'crash', node: id })
    }
    this.#batches.delete(id)
    this.emit({ type: 'nodeState', at: this.now, node: id, state })
  }

  protected pauseNode(id: NodeId): void {
    const slot = this.#slot(id)
    if (slot.state !== 'up') return
    slot.state = 'paused'
    this.trace.int(700 + slot.num)
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'paused' })
  }

  protected resumeNode(id: NodeId): void {
    const slot = this.#slot(id)
    if (slot.state !== 'paused') return
    slot.state = 'up'
    this.trace.int(800 + slot.num)
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'up' })
    for (const msg of slot.inbox) this.queueInput(id, { type: 'message', msg }, this.now + 1)
    slot.inbox = []
    // Its clock starts again.
    this.queue.push({ kind: 'tick', node: id, clock: ++slot.clock, time: 0, seq: 0 }, this.now + 1)
  }

  /** Mark a node whose disk is unusable; used when it is wiped or found corrupt. */
  setCorrupt(id: NodeId, error: string): void {
    const slot = this.#slot(id)
    if (slot.port) this.#see({ type: 'crash', node: id })
    slot.port?.close()
    slot.port = null
    slot.inc++
    slot.state = 'corrupt'
    slot.error = error
    slot.code = 'corrupt'
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'corrupt', error, code: 'corrupt' })
  }

  /** Create a slot for a new, empty node that joins the cluster (it knows no peers until the leader adds it). */
  protected addSlot(id: NodeId): void {
    const old = this.slots.get(id)
    if (old && old.state !== 'removed') throw new Error(`node ${id} exists already`)
    if (old) old.peers = []
    else this.#newSlot(id, [])
    if (!this.joined.includes(id)) this.joined.push(id)
  }

  #slot(id: NodeId): NodeSlot {
    const s = this.slots.get(id)
    if (!s) throw new Error(`unknown node ${id}`)
    return s
  }

  /** Queue an input for a node at `time` (default: the next millisecond). */
  protected queueInput(id: NodeId, input: HostInput, time = this.now + 1): void {
    this.queue.push({ kind: 'input', node: id, input, time: 0, seq: 0 }, time)
  }

  /**
   * Runs `fn` as an action on the cluster: here at once; an async shell runs it between two steps, never inside one.
   */
  act(fn: () => void): void | Promise<void> {
    fn()
  }

  /** Calls `fn` as an event of its own at virtual time `time` (not before now). */
  at(time: number, label: string, fn: () => void): void {
    this.queue.push({ kind: 'call', label, fn, time: 0, seq: 0 }, Math.max(time, this.now))
  }

  /** An admin request to a node, answered when the node has processed it. */
  protected admin(id: NodeId, make: (reqId: number) => HostInput, what: string): Promise<Reply> {
    const reqId = ++this.#reqSeq
    const p = new Promise<Reply>((resolve) => this.#waiters.set(reqId, { resolve }))
    this.queueInput(id, make(reqId), this.now + 1)
    return p.then((r) => {
      this.emit({ type: 'admin', at: this.now, what, node: id, ok: r.outcome === 'ok', error: r.error })
      return r
    })
  }

  /**
   * In-process nodes only: run `f` on the node's Raft node now (a scenario's direct call), then let the node handle
   * what it caused, as part of the current instant.
   * @throws Error when the node is down or not in-process.
   */
  direct<T>(id: NodeId, f: (shell: NodeShell) => T): T {
    const slot = this.#slot(id)
    const shell = slot.port?.shell
    if (slot.state !== 'up' || !shell) throw new Error(`${id} is ${slot.state === 'up' ? 'not in this process' : 'down'}`)
    try {
      return f(shell)
    } finally {
      this.#settle(slot)
    }
  }

  #settle(slot: NodeSlot): void {
    const b = this.#batches.get(slot.id)
    this.#batches.delete(slot.id)
    const out = slot.port!.handle(b && b.inc === slot.inc ? b.inputs : [])
    if (isPromise(out)) throw new Error(`${slot.id}: direct calls need an in-process node`)
    this.#absorb(slot, out)
  }

  // ---------------------------------------------------------------- membership and views

  /** The configuration in force by the highest configuration entry some node applied. */
  committedConf(): CommittedConf {
    return this.#committedConf
  }

  /** Nodes not removed, in creation order: the ones clients may contact. */
  memberIds(): NodeId[] {
    const out: NodeId[] = []
    for (const s of this.slots.values()) if (s.state !== 'removed') out.push(s.id)
    return out
  }

  nodeIds(): NodeId[] {
    return [...this.slots.keys()]
  }

  nodeState(id: NodeId): NodeState {
    return this.#slot(id).state
  }

  nodeError(id: NodeId): string | undefined {
    return this.#slot(id).error
  }

  /** Why the node could not start, as a code (undefined when it did). */
  nodeErrorCode(id: NodeId): StartFailureCode | undefined {
    return this.#slot(id).code
  }

  summary(id: NodeId): NodeSummary | null {
    return this.#slot(id).summary
  }

  recovery(id: NodeId): Recovery | undefined {
    return this.#slot(id).recovery
  }

  /** The node's log as last reported (index of log[0] is logFrom), and its snapshot boundary. */
  log(id: NodeId): { from: number; entries: EntryView[]; snapshot: { index: number; term: number } } {
    const s = this.#slot(id)
    return { from: s.logFrom, entries: s.log, snapshot: s.snapshot }
  }

  /** Index of the last configuration entry in a node's reported log (0 when it is inside the snapshot). */
  lastConfIndex(id: NodeId): number {
    const s = this.#slot(id)
    for (let i = s.log.length - 1; i >= 0; i--) if (s.log[i].kind === 'config') return s.log[i].index
    return 0
  }

  /** The node clients should try first: the leader with the highest term that is up, or any up node. */
  likelyLeader(): NodeId | null {
    let best: NodeSlot | null = null
    for (const s of this.slots.values()) {
      if (s.state !== 'up' || !s.brief) continue
      if (s.brief.role === 'leader' && (!best || s.brief.term > best.brief!.term)) best = s
    }
    if (best) return best.id
    for (const s of this.slots.values()) if (s.state === 'up' && s.brief?.leader) return s.brief.leader
    for (const s of this.slots.values()) if (s.state === 'up') return s.id
    return null
  }

  async kv(id: NodeId): Promise<[string, string][]> {
    const p = this.#slot(id).port
    return p ? p.kv() : []
  }

  /**
   * Submit a key/value operation as client `client` (see ClientProtocol.submit): resolves when it completes, ok,
   * fail (certainly not applied) or unknown (timed out).
   */
  protected submitNow(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: ReadChoice, target?: NodeId): ClientOp {
    return this.clients.submit(client, cmd, read, target ?? this.likelyLeader() ?? this.spec.nodes[0])
  }

  /**
   * The client operations (completed or not), in the order they were made, for the linearizability checker: every
   * one, or with `keepFinished` the newest finished ones and every one in progress.
   */
  getHistory(): HistoryOp[] {
    return this.clients.history()
  }

  // ---------------------------------------------------------------- messages on the wire

  /** Every pending delivery, earliest first (a duplicated message appears once per copy). */
  inFlight(): { id: number; msg: Message; deliverAt: number }[] {
    const out: { id: number; msg: Message; deliverAt: number; seq: number }[] = []
    for (const e of this.queue.items()) if (e.kind === 'deliver') out.push({ id: e.id, msg: e.msg, deliverAt: e.time, seq: e.seq })
    out.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq)
    return out.map(({ id, msg, deliverAt }) => ({ id, msg, deliverAt }))
  }

  protected dropNow(id: number): boolean {
    let msg: Message | null = null
    this.queue.removeWhere((e) => {
      if (e.kind !== 'deliver' || e.id !== id) return false
      msg = e.msg
      return true
    })
    if (!msg) return false
    this.stats.dropped++
    this.trace.str('drop')
    this.trace.int(id)
    this.emit({ type: 'lost', at: this.now, id, msg, reason: 'dropped' })
    return true
  }

  protected duplicateNow(id: number): number | null {
    let first: Extract<LoopEvent, { kind: 'deliver' }> | null = null
    for (const e of this.queue.items()) {
      if (e.kind === 'deliver' && e.id === id && (!first || e.time < first.time || (e.time === first.time && e.seq < first.seq))) first = e
    }
    if (!first) return null
    const copy = ++this.#msgSeq
    const at = first.time + 1
    this.stats.sent++
    this.stats.duplicated++
    this.trace.str('dup')
    this.trace.int(id)
    this.trace.int(copy)
    this.queue.push({ kind: 'deliver', id: copy, msg: first.msg, time: 0, seq: 0 }, at)
    this.emit({ type: 'sent', at: this.now, id: copy, msg: first.msg, deliverAt: [at], duplicateOf: id })
    return copy
  }

  // ---------------------------------------------------------------- the run

  /** The time of the next event, or Infinity. */
  nextTime(): number {
    return this.queue.peek()?.time ?? Infinity
  }

  /** Events scheduled and not processed yet. */
  get pending(): number {
    return this.queue.size
  }

  /**
   * Process every event of the next virtual instant. Synchronous when every port answers at once; false when
   * nothing is scheduled.
   */
  protected stepOnce(): boolean | Promise<boolean> {
    return this.stepUntil(this.nextTime())
  }

  /**
   * The lookahead: nothing a node does at time t can reach another node (or come back to itself) before
   * t + lookahead(). Messages take at least the network's least delay; a staged disk write at least diskMinMs; a
   * client's request the network's least delay. 1 means one instant at a time.
   */
  lookahead(): number {
    if (!this.windows) return 1
    // A cluster with a deliberate bug switched on runs one instant per step: the checkers then stop it on the very
    // event that broke a rule (a window would run on to its end first). The run is the same either way.
    const unsafe = this.spec.params.unsafe
    if (unsafe && Object.values(unsafe).some((on) => on === true)) return 1
    let l = this.network.minDelay()
    if ((this.spec.diskMaxMs ?? 0) > 0) l = Math.min(l, this.spec.diskMinMs ?? 0)
    return Math.max(1, Math.floor(l))
  }

  /**
   * Process one scheduling window: the events of the next instant t and of every later instant before
   * min(t + lookahead, limit + 1, the next scheduled action). Each node gets all of its batches of the window in one
   * call (one round trip, one disk write); the outputs are then taken in instant by instant, in node order, as if
   * every instant had been a step of its own: the events of an instant are dispatched (what they do is checked
   * against what was planned), then the node outputs of that instant are taken in. No output can change an input
   * of the same window (the lookahead), so the run is the same run as one instant per step, with the same trace.
   * False when nothing is scheduled.
   */
  protected stepUntil(limit: number): boolean | Promise<boolean> {
    const first = this.queue.peek()
    if (!first) return false
    const t = first.time
    this.now = t
    this.stats.steps++
    this.stats.windows++
    this.#batches.clear()
    while (this.queue.peek()?.time === t) this.#dispatch(this.queue.pop()!)
    this.trace.int(t)
    let end = Math.min(t + this.lookahead(), Math.floor(limit) + 1)
    // The events of the later instants, taken off the queue now; an action (a `call`) ends the window before it.
    const later: LoopEvent[] = []
    for (let e = this.queue.peek(); e !== undefined && e.time < end; e = this.queue.peek()) {
      if (e.kind === 'call') {
        end = e.time
        // Events of the action's instant taken already go back: that instant is the next window's.
        while (later.length > 0 && later[later.length - 1].time >= end) this.queue.restore(later.pop()!)
        break
      }
      later.push(this.queue.pop()!)
    }
    const plan = this.#planWindow(t, later, end)
    this.#batches.clear()
    const slots: NodeSlot[] = []
    const results: (WindowOutput | Promise<WindowOutput> | { err: unknown })[] = []
    for (const p of plan.values()) {
      const s = p.slot
      slots.push(s)
      try {
        results.push(runWindow(s.port!, p.batches.map((b) => b.inputs)))
      } catch (err) {
        results.push({ err })
      }
    }
    const finish = (rs: (WindowOutput | { err: unknown })[]): boolean => {
      slots.forEach((s, k) => {
        const r = rs[k]
        const p = plan.get(s.id)!
        this.stats.calls++
        if ('err' in r) p.failure = { at: 0, err: r.err }
        else {
          if (r.outputs.some((o) => o.events.some((e) => e.type === 'persisted'))) this.stats.writingCalls++
          p.outputs = r.outputs
          if (r.failure) p.failure = { at: r.failure.at, err: Object.assign(new Error(r.failure.message), { name: r.failure.name }) }
        }
      })
      this.#takeWindow(t, later, end, plan)
      return true
    }
    if (results.some(isPromise)) {
      return Promise.all(results.map((o) => (isPromise(o) ? o.catch((err: unknown) => ({ err })) : o))).then(finish)
    }
    return finish(results as (WindowOutput | { err: unknown })[])
  }

  /**
   * What each node up now will be given at each instant of [t, end): the batches of instant t (dispatched already)
   * and, from the later events, the inputs their dispatch will add, ticks included (a tick schedules the next one).
   */
  #planWindow(t: number, later: LoopEvent[], end: number): Map<NodeId, Planned> {
    const plan = new Map<NodeId, Planned>()
    const at = (s: NodeSlot, time: number): HostInput[] => {
      let p = plan.get(s.id)
      if (!p) plan.set(s.id, (p = { slot: s, inc: s.inc, batches: [], outputs: null, failure: null, taken: 0 }))
      let b = p.batches[p.batches.length - 1]
      if (!b || b.time !== time) {
        // Instants come in order per node, except ticks planned ahead: keep the list sorted.
        let k = p.batches.length
        while (k > 0 && p.batches[k - 1].time > time) k--
        if (k > 0 && p.batches[k - 1].time === time) return p.batches[k - 1].inputs
        b = { time, inputs: [], used: 0 }
        p.batches.splice(k, 0, b)
      }
      return b.inputs
    }
    // Instant t, in slot order (the order outputs are taken in).
    for (const s of this.#slotList) {
      const b = this.#batches.get(s.id)
      if (!b || b.inc !== s.inc || s.state !== 'up' || !s.port) continue
      const inputs = at(s, t)
      for (const i of b.inputs) inputs.push(i)
      plan.get(s.id)!.batches[0].used = inputs.length
    }
    const chained: { s: NodeSlot; time: number }[] = []
    for (const e of later) {
      const id = e.kind === 'tick' || e.kind === 'durable' || e.kind === 'input' ? e.node : e.kind === 'deliver' ? e.msg.to : null
      if (id === null) continue
      const s = this.slots.get(id)
      if (!s || s.state !== 'up' || !s.port) continue
      switch (e.kind) {
        case 'tick':
          if (s.clock !== e.clock) break
          at(s, e.time).push(TICK)
          // Its dispatch schedules the next tick, which comes after every event already scheduled then.
          for (let time = e.time + this.spec.tickMs; time < end; time += this.spec.tickMs) chained.push({ s, time })
          break
        case 'deliver':
          at(s, e.time).push({ type: 'message', msg: e.msg })
          break
        case 'durable':
          if (s.inc === e.inc) at(s, e.time).push(DURABLE)
          break
        case 'input':
          at(s, e.time).push(e.input)
          break
      }
    }
    for (const c of chained) at(c.s, c.time).push(TICK)
    return plan
  }

  /**
   * Takes in a window's outputs instant by instant: dispatch the instant's events (each node's inputs must be the
   * planned ones), then each node's output of that instant in slot order, then the observers. A node that failed
   * or went down meanwhile gets the rest of its events as a node that is down would.
   */
  #takeWindow(t: number, later: LoopEvent[], end: number, plan: Map<NodeId, Planned>): void {
    this.#takeInstant(t, plan)
    let k = 0
    for (;;) {
      const q = this.queue.peek()
      // An event scheduled meanwhile for an instant already taken in (a write that takes 0 ms: the lookahead is 1
      // then) starts a step of its own at the same time; when nothing planned is left, that is the next call's.
      if (k >= later.length && q !== undefined && q.time <= this.now && !planLeft(plan)) break
      const next = Math.min(k < later.length ? later[k].time : Infinity, q !== undefined && q.time < end ? q.time : Infinity)
      if (next === Infinity) break
      this.now = next
      this.stats.steps++
      this.#plan = plan
      try {
        while (k < later.length && later[k].time === next) this.#dispatch(later[k++])
        // Events scheduled inside the window: client timers, and actions scheduled by what happened in it (a
        // client's think time, a removed node's lingering); an input one of them gives a node inside the window
        // is caught by #add.
        while (this.queue.peek()?.time === next) this.#dispatch(this.queue.pop()!)
      } finally {
        this.#plan = null
      }
      this.trace.int(next)
      this.#takeInstant(next, plan)
    }
    for (const p of plan.values()) {
      const s = p.slot
      if (s.state !== 'up' || s.inc !== p.inc) continue
      if (p.taken !== p.batches.length) throw new Error(`cluster loop: ${s.id} was planned ${p.batches.length} instants in a window and got ${p.taken}`)
    }
  }

  /** The node outputs of one instant of a window, in slot order, then the observers. */
  #takeInstant(time: number, plan: Map<NodeId, Planned>): void {
    for (const s0 of this.#slotList) {
      const p = plan.get(s0.id)
      if (!p || p.slot !== s0) continue
      const b = p.batches[p.taken]
      if (!b || b.time !== time) continue
      const s = p.slot
      const k = p.taken++
      if (s.state !== 'up' || s.inc !== p.inc) continue // went down meanwhile
      if (b.used !== b.inputs.length) throw new Error(`cluster loop: ${s.id} got ${b.used} of the ${b.inputs.length} inputs planned at ${time} ms`)
      if (p.failure && p.failure.at <= k) {
        if (p.failure.at === k) this.#failed(s, p.failure.err)
        continue
      }
      this.#absorb(s, p.outputs![k])
    }
    this.#afterStep()
  }
  #afterStep(): void {
    for (const o of this.#observers) o.afterStep?.()
    if (this.#conditions.length > 0) this.#checkConditions()
  }

  #add(s: NodeSlot, input: HostInput): void {
    if (this.#plan !== null) {
      // Inside a window: the node has this input already; check it is the one planned.
      const p = this.#plan.get(s.id)
      const b = p && p.inc === s.inc ? p.batches[p.taken] : undefined
      const want = b && b.time === this.now ? b.inputs[b.used] : undefined
      if (want === undefined || !sameInput(want, input)) {
        throw new Error(`cluster loop: ${s.id} got an unplanned ${input.type} input at ${this.now} ms inside a window`)
      }
      b!.used++
      return
    }
    let b = this.#batches.get(s.id)
    if (!b || b.inc !== s.inc) this.#batches.set(s.id, (b = { inc: s.inc, inputs: [] }))
    b.inputs.push(input)
  }

  #dispatch(e: LoopEvent): void {
    const t = e.time
    switch (e.kind) {
      case 'tick': {
        const s = this.slots.get(e.node)
        if (!s || s.clock !== e.clock || s.state !== 'up') return // a paused node's clock restarts on resume
        this.stats.ticks++
        this.#add(s, TICK)
        this.queue.push(e, t + this.spec.tickMs)
        return
      }
      case 'deliver': {
        const m = e.msg
        const s = this.slots.get(m.to)
        if (!s || s.state === 'removed' || s.state === 'crashed' || s.state === 'corrupt' || s.state === 'starting') {
          this.stats.dropped++
          this.emit({ type: 'lost', at: t, id: e.id, msg: m, reason: s?.state === 'removed' ? 'removed' : 'down' })
        } else if (s.state === 'paused') {
          s.inbox.push(m)
          this.emit({ type: 'held', at: t, id: e.id, msg: m })
        } else {
          this.stats.delivered++
          if (m.type === 'MsgSnap' && m.offset !== undefined && m.offset > 0) this.stats.snapshotChunks++
          this.emit({ type: 'delivered', at: t, id: e.id, msg: m })
          this.#add(s, { type: 'message', msg: m })
        }
        return
      }
      case 'durable': {
        const s = this.slots.get(e.node)
        if (!s || s.inc !== e.inc || (s.state !== 'up' && s.state !== 'paused')) return
        // A paused node's disk still finishes its write; the node sees it when it runs again.
        if (s.state === 'paused') {
          this.queue.push(e, t + 1)
          return
        }
        this.#add(s, DURABLE)
        return
      }
      case 'input': {
        const s = this.slots.get(e.node)
        if (s?.state === 'up') this.#add(s, e.input)
        else if (e.input.type === 'client') this.#reply({ id: e.input.req.id, node: e.node, outcome: 'redirect', leader: null, error: `${e.node} is down` })
        else if ('reqId' in e.input) this.#reply({ id: e.input.reqId, node: e.node, outcome: 'fail', error: `${e.node} is ${s?.state ?? 'unknown'}` })
        return
      }
      case 'client':
        this.clients.onTimer(e.op, e.token)
        return
      case 'call':
        this.trace.str(e.label)
        e.fn()
        return
    }
  }

  #failed(s: NodeSlot, err: unknown): void {
    // A host that throws is marked crashed with its error (corrupt when its disk says so); the rest goes on.
    const code = codeOf(err)
    this.killNode(s.id)
    s.state = code === 'corrupt' ? 'corrupt' : 'crashed'
    s.error = err instanceof Error ? err.message : String(err)
    s.code = code
    this.emit({ type: 'nodeState', at: this.now, node: s.id, state: s.state, error: s.error, code })
  }

  /** Take in a host's output: route its messages, record its state, answer its clients. */
  #absorb(s: NodeSlot, out: HostOutput): void {
    const id = s.id
    const sum = out.brief
    if (out.summary) s.summary = out.summary
    const tr = this.trace
    tr.int(s.num)
    tr.int(sum.term)
    tr.int(sum.commit)
    tr.int(sum.lastIndex)
    tr.str(sum.role)
    if (sum.role === 'leader' && !this.#leaderTerms.has(sum.term)) {
      this.#leaderTerms.add(sum.term)
      this.stats.elections++
    }
    s.brief = sum
    if (out.snapshot) {
      s.snapshot = { ...out.snapshot }
      if (s.logFrom <= out.snapshot.index) {
        s.log = s.log.slice(Math.min(s.log.length, out.snapshot.index + 1 - s.logFrom))
        s.logFrom = out.snapshot.index + 1
      }
    }
    if (out.log) {
      const d = out.log
      if (d.from < s.logFrom || d.from > s.logFrom + s.log.length) {
        s.log = d.entries.slice()
        s.logFrom = d.from
      } else {
        s.log.length = d.from - s.logFrom
        for (const e of d.entries) s.log.push(e)
      }
    }
    if (out.observations) this.#observeOutput(s, out)
    const listening = this.#listeners.size > 0
    if (listening && out.summary) this.emit({ type: 'summary', at: this.now, node: id, summary: out.summary })
    let removed: NodeId[] | null = null
    for (const ev of out.events) {
      switch (ev.type) {
        case 'applied':
          s.hadState = true
          if (sum.role === 'leader') this.stats.committed += ev.to - ev.from + 1
          if (ev.to > this.stats.appliedMax) this.stats.appliedMax = ev.to
          break
        case 'persisted':
          this.stats.writes++
          break
        case 'snapshotTaken':
          this.stats.snapshots++
          break
        case 'snapshotInstalled':
          this.stats.snapshotsInstalled++
          if (s.peers.length === 0 && !s.hadState) this.stats.joinedBySnapshot++
          s.hadState = true
          break
        case 'config': {
          const gone = this.#onConfig(ev)
          if (gone) (removed ??= []).push(gone)
          break
        }
      }
      if (listening) this.emit({ type: 'nodeEvent', at: this.now, node: id, event: ev })
    }
    const when = this.#when
    for (const m of out.messages) {
      const mid = ++this.#msgSeq
      this.stats.sent++
      let dropped: DropReason | null = null
      if (this.#filter !== null && !this.#filter(m)) {
        dropped = 'loss'
        when.length = 0
        tr.int(700)
      } else dropped = this.network.decideInto(when, m.from, m.to, this.now, this.#netRng)
      tr.int(mid)
      tr.str(m.type)
      tr.str(m.to)
      for (const w of when) {
        tr.int(w)
        this.queue.push({ kind: 'deliver', id: mid, msg: m, time: 0, seq: 0 }, w)
      }
      if (dropped) this.stats.dropped++
      if (when.length > 1) this.stats.duplicated++
      if (listening) this.emit(dropped ? { type: 'sent', at: this.now, id: mid, msg: m, deliverAt: [], dropped } : { type: 'sent', at: this.now, id: mid, msg: m, deliverAt: when.slice() })
    }
    s.staging = out.diskPending === true
    if (out.diskPending) {
      const lo = this.spec.diskMinMs ?? 0
      const hi = Math.max(lo, this.spec.diskMaxMs ?? 0)
      const delay = lo + this.#diskRng.int(hi - lo + 1)
      this.queue.push({ kind: 'durable', node: id, inc: s.inc, time: 0, seq: 0 }, this.now + delay)
    }
    for (const r of out.replies) this.#reply(r)
    if (removed) for (const gone of removed) this.onRemovalCommitted(gone)
  }

  #observeOutput(s: NodeSlot, out: HostOutput): void {
    const node = s.id
    for (const o of out.observations!) {
      switch (o.type) {
        case 'role':
          s.role = o.role
          s.term = o.term
          this.#see({ type: 'role', node, role: o.role, term: o.term, log: s.port?.shell?.host.raw ?? mirrorView(s) })
          break
        case 'persist': {
          const ob: Observation = { type: 'persist', node, entries: o.entries, prevTerm: o.prevTerm, lastIndexBefore: o.lastIndexBefore }
          if (o.hardState) ob.hardState = o.hardState
          if (o.snapshot) ob.snapshot = o.snapshot
          if (o.role) ob.role = o.role
          this.#see(ob)
          break
        }
        case 'apply':
          if (o.entry.kind === 'command' && o.entry.index > this.stats.appliedMax) this.stats.committedCommands++
          this.#see({ type: 'apply', node, entry: o.entry })
          break
        case 'send':
          this.#see({ type: 'send', node, term: o.term })
          break
        case 'restore':
          this.#see({ type: 'restore', node, index: o.index, term: o.term })
          break
      }
    }
  }

  /** A configuration entry was applied somewhere: it is committed. Returns a node whose removal just committed. */
  #onConfig(ev: Extract<NodeEvent, { type: 'config' }>): NodeId | null {
    if (ev.index <= this.#committedConf.index) return null
    const prev = this.#committedConf
    const next: CommittedConf = { index: ev.index, term: ev.term, voters: [...ev.voters].sort(), learners: [...ev.learners].sort() }
    if (ev.change !== undefined) next.type = ev.change
    if (ev.node !== undefined) next.node = ev.node
    this.#committedConf = next
    this.stats.confChanges++
    this.trace.int(900 + ev.index)
    for (const o of this.#observers) o.onCommittedConf?.(prev, next)
    if (ev.change !== 'removeNode' || ev.node === undefined) return null
    const gone = this.slots.get(ev.node)
    if (!gone || gone.state === 'removed') return null
    this.#see({ type: 'removed', node: ev.node })
    return ev.node
  }

  /**
   * A node's removal committed. The default stops it for good at once, as a host watching the committed
   * configuration would (waiting for it to apply its own removal would not do: the leader stops replicating to it).
   * Shells may let it linger.
   */
  protected onRemovalCommitted(id: NodeId): void {
    this.killNode(id, 'removed')
  }

  #reply(r: Reply): void {
    const w = this.#waiters.get(r.id)
    if (w) {
      this.#waiters.delete(r.id)
      w.resolve(r)
      return
    }
    this.clients.onReply(r)
  }

  // ---------------------------------------------------------------- waiting (for async shells)

  /**
   * Resolve once `pred()` holds after some step; reject after `timeoutMs` of virtual time. Waiting does not drive
   * the run: it progresses only while the cluster runs.
   */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
    if (pred()) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#conditions.push({ pred, deadline: this.now + timeoutMs, resolve, reject, sleep: false })
    })
  }

  /** Resolve after `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#conditions.push({ pred: () => false, deadline: this.now + ms, resolve, reject, sleep: true })
    })
  }

  #checkConditions(): void {
    const keep: Condition[] = []
    for (const c of this.#conditions) {
      if (c.pred()) c.resolve()
      else if (this.now >= c.deadline) {
        if (c.sleep) c.resolve()
        else c.reject(new Error(`timed out after ${Math.round(c.deadline)} ms of virtual time`))
      } else keep.push(c)
    }
    this.#conditions = keep
  }

  /** Stop every host and forget every event (page unload, "new cluster", take-over by another tab). */
  protected shutdownNow(): void {
    for (const s of this.slots.values()) {
      s.port?.close()
      s.port = null
      s.inc++
      if (s.state !== 'removed') s.state = 'crashed'
    }
    this.queue.removeWhere(() => true)
  }

  /** Change parameters for every later start, and (as inputs) on every running node. */
  protected setParamsNow(p: Partial<RaftParams>, snapshotEvery?: number): void {
    this.spec.params = { ...this.spec.params, ...p }
    if (snapshotEvery !== undefined) this.spec.snapshotEvery = snapshotEvery
    for (const s of this.slots.values()) {
      if (s.state === 'up' || s.state === 'paused') this.queueInput(s.id, { type: 'setParams', params: p, snapshotEvery }, this.now + 1)
    }
  }

}

const TICK: HostInput = { type: 'tick' }
const DURABLE: HostInput = { type: 'durable' }

/** One node's part of a window: its batches per instant, and what it answered. */
interface Planned {
  slot: NodeSlot
  /** The node's incarnation when the window was planned: a crash or removal meanwhile makes the rest void. */
  inc: number
  batches: { time: number; inputs: HostInput[]; used: number }[]
  outputs: HostOutput[] | null
  failure: { at: number; err: unknown } | null
  /** Batches taken in so far. */
  taken: number
}

/** Whether a node still up has planned instants not taken in yet. */
function planLeft(plan: Map<NodeId, Planned>): boolean {
  for (const p of plan.values()) if (p.taken < p.batches.length && p.slot.state === 'up' && p.slot.inc === p.inc) return true
  return false
}

/** The input the dispatch of an event adds is the one planned from it (a message is the same message). */
function sameInput(a: HostInput, b: HostInput): boolean {
  if (a === b) return true
  return a.type === 'message' && b.type === 'message' && a.msg === b.msg
}

/** A window through a port: in one call when the port can, else one `handle` per batch. */
function runWindow(port: NodePort, batches: HostInput[][]): WindowOutput | Promise<WindowOutput> {
  if (port.handleWindow && batches.length > 1) return port.handleWindow(batches)
  const outputs: HostOutput[] = []
  const next = (k: number): WindowOutput | Promise<WindowOutput> => {
    for (; k < batches.length; k++) {
      let r: HostOutput | Promise<HostOutput>
      try {
        r = port.handle(batches[k])
      } catch (e) {
        return { outputs, failure: { at: k, ...errorFields(e) } }
      }
      if (isPromise(r)) {
        const at = k
        return r.then(
          (o) => {
            outputs.push(o)
            return next(at + 1)
          },
          (e: unknown) => ({ outputs, failure: { at, ...errorFields(e) } }),
        )
      }
      outputs.push(r)
    }
    return { outputs }
  }
  return next(0)
}


function failed(e: unknown): Started {
  return { ok: false, failure: failureOf(e) }
}
