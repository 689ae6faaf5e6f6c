import type { ConfChange, Message, NodeId, Role } from '../raft/types.ts'
import type { LogView, Observation } from '../check/safety.ts'
import type { KvCommand, KvOp } from '../kv/command.ts'
import type { KvResult } from '../kv/store.ts'
import type { History, HistoryOp } from '../kv/history.ts'
import { EventQueue } from '../sim/queue.ts'
import { Network, cloneNetworkConfig, type DropReason, type NetworkConfig } from '../sim/network.ts'
import { Prng } from '../sim/prng.ts'
import { TraceHash } from '../sim/trace.ts'
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
  StorageMode,
} from '../worker/protocol.ts'

/** One node's host as the scheduler sees it: a Web Worker in the browser, an object in Node tests. */
export interface HostHandle {
  handle(inputs: HostInput[]): Promise<HostOutput>
  /** Crash: stop at once; nothing but what is on the node's disk survives. */
  close(): void
  /** The key/value contents, for the inspector (does not change the run). */
  kv(): Promise<[string, string][]>
}

/** Starts a node from its disk. Rejects with the disk's error (e.g. corruption) when it cannot start. */
export type HostFactory = (init: HostInit) => Promise<{ host: HostHandle; recovery: Recovery; output: HostOutput }>

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
}

export type NodeState = 'starting' | 'up' | 'paused' | 'crashed' | 'corrupt' | 'removed'

/** Everything the UI learns from the scheduler. */
export type ClusterEvent =
  | { type: 'sent'; at: number; id: number; msg: Message; deliverAt: number[]; dropped?: DropReason; duplicateOf?: number }
  | { type: 'delivered'; at: number; id: number; msg: Message }
  /** `dropped`: taken off the wire by the user (`dropInFlight`). */
  | { type: 'lost'; at: number; id: number; msg: Message; reason: 'down' | 'removed' | 'dropped' }
  | { type: 'held'; at: number; id: number; msg: Message }
  | { type: 'summary'; at: number; node: NodeId; summary: NodeSummary }
  | { type: 'nodeState'; at: number; node: NodeId; state: NodeState; error?: string }
  | { type: 'nodeEvent'; at: number; node: NodeId; event: NodeEvent }
  | { type: 'recovered'; at: number; node: NodeId; recovery: Recovery }
  | { type: 'client'; at: number; op: ClientOp }
  | { type: 'admin'; at: number; what: string; node: NodeId; ok: boolean; error?: string }
  | { type: 'tick'; at: number }
  /**
   * What the checkers read (src/check/safety.ts), in the scheduler's processing order: each host's own
   * observations, then its role change (with a view of its log as last reported), plus crashes and removals.
   * `obs: null` ends a step (every output of the instant is in): the checkers' afterEvent.
   */
  | { type: 'observation'; at: number; obs: Observation | null }

export interface ClientOp {
  id: number
  client: string
  seq: number
  op: KvOp
  key: string
  value?: string
  expected?: string | null
  read: 'log' | 'readIndex'
  invoke: number
  complete: number | null
  status: 'pending' | 'ok' | 'fail' | 'unknown'
  result?: KvResult
  index?: number
  /** The node that answered. */
  node?: NodeId
  attempts: number
  error?: string
}

interface NodeSlot {
  id: NodeId
  state: NodeState
  host: HostHandle | null
  summary: NodeSummary | null
  /** Messages that arrived while paused; delivered on resume (a frozen process's socket buffer). */
  inbox: Message[]
  error?: string
  log: EntryView[]
  logFrom: number
  snapshot: { index: number; term: number }
  recovery?: Recovery
  /** Initial peers this node was created with ([] for a node that joined later). */
  peers: NodeId[]
  /** Role and term last reported to the checkers in this incarnation (null: none yet). */
  seen?: { role: Role; term: number } | null
}

type SchedEvent = { time: number; seq: number } & (
  | { kind: 'tick' }
  | { kind: 'deliver'; id: number; msg: Message }
  | { kind: 'clientSend'; op: number; to: NodeId }
  | { kind: 'clientTimeout'; op: number; attempt: number }
  | { kind: 'input'; node: NodeId; input: HostInput }
)

/** A host that started (or the reason it could not). */
type Launched = { ok: true; r: Awaited<ReturnType<HostFactory>> } | { ok: false; e: unknown }

interface Waiter {
  resolve: (r: Reply) => void
}

/**
 * The main thread's half of the cluster: owns virtual time and one seeded event queue, routes every message
 * through the network model, and drives the node hosts. All events at one virtual instant are handed to their
 * nodes as one batch each, in parallel; since the network never delivers in the same millisecond it sends, no
 * batch can affect another, and the outputs are processed in node-id order: the same seed, spec and actions give
 * the same run, whatever the hosts (workers or in-process) and however long their disks take.
 */
export class Scheduler {
  readonly spec: ClusterSpec
  now = 0
  readonly network: Network
  readonly trace = new TraceHash()
  private readonly queue = new EventQueue<SchedEvent>()
  private readonly netRng: Prng
  private readonly seedRng: Prng
  private readonly clientRng: Prng
  private readonly slots = new Map<NodeId, NodeSlot>()
  private readonly factory: HostFactory
  private listeners = new Set<(e: ClusterEvent) => void>()
  private msgSeq = 0
  private reqSeq = 0
  private readonly ops = new Map<number, ClientOp>()
  private readonly history: HistoryOp[] = []
  private readonly waiters = new Map<number, Waiter>()
  private busy: Promise<unknown> = Promise.resolve()
  private tickScheduled = false
  /** Counters for metrics and benchmarks. */
  readonly stats = { delivered: 0, sent: 0, dropped: 0, committed: 0, elections: 0, steps: 0, opsOk: 0 }
  private leaderTerms = new Set<number>()
  private clientSeqs = new Map<string, number>()
  private clientBusy = new Map<string, number>()

  private readonly joined: NodeId[]
  private readonly retired: NodeId[]
  /**
   * Suffix of the client ids sent to the nodes. The key/value sessions live in the replicated state and outlive
   * this scheduler, while its sequence numbers start at 1: a recovered cluster would take the new requests of a
   * client for retries of its old ones. A scheduler over a recovered cluster gets a new session ("" when fresh).
   */
  private readonly session: string
  private conditions: { pred: () => boolean; deadline: number; resolve: () => void; reject: (e: Error) => void; sleep: boolean }[] = []

  /**
   * `membership.joined`: nodes that joined after the start (they boot with no peers and learn the configuration
   * from the leader); `membership.retired`: nodes removed for good (never started again); `membership.session`:
   * a name unique to this incarnation of a recovered cluster (see `session`).
   */
  constructor(spec: ClusterSpec, factory: HostFactory, membership: { joined?: NodeId[]; retired?: NodeId[]; session?: string } = {}) {
    this.spec = { ...spec, nodes: [...spec.nodes], params: { ...spec.params }, network: cloneNetworkConfig(spec.network) }
    this.joined = [...(membership.joined ?? [])]
    this.retired = [...(membership.retired ?? [])]
    this.session = membership.session ?? ''
    this.factory = factory
    this.network = new Network(spec.network)
    const root = new Prng(spec.seed)
    this.netRng = root.fork('network')
    this.seedRng = root.fork('node-seeds')
    this.clientRng = root.fork('clients')
  }

  on(f: (e: ClusterEvent) => void): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  private emit(e: ClusterEvent): void {
    for (const f of this.listeners) f(e)
  }

  /** Run `f` when no step or action is in progress (actions and steps never interleave). */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const p = this.busy.then(f, f)
    this.busy = p.catch(() => undefined)
    return p
  }

  // ---------------------------------------------------------------- nodes

  /** Start every node of the spec from its disk (a fresh disk starts empty). */
  start(): Promise<void> {
    return this.exclusive(async () => {
      for (const id of this.spec.nodes) this.slots.set(id, this.newSlot(id, [...this.spec.nodes]))
      for (const id of this.joined) if (!this.slots.has(id)) this.slots.set(id, this.newSlot(id, []))
      for (const id of this.retired) {
        const slot = this.slots.get(id) ?? this.newSlot(id, [])
        slot.state = 'removed'
        this.slots.set(id, slot)
      }
      const boot = [...this.slots.values()].filter((s) => s.state !== 'removed').map((s) => s.id)
      // Hosts start in parallel, but their first outputs are taken in in a fixed order: which worker opens its
      // database first must not change the run (message ids, network draws and the trace follow this order).
      const launched = await Promise.all(boot.map((id) => this.launch(id)))
      boot.forEach((id, k) => this.land(id, launched[k]))
      if (!this.tickScheduled) {
        this.tickScheduled = true
        this.queue.push({ kind: 'tick', time: 0, seq: 0 }, this.now + this.spec.tickMs)
      }
    })
  }

  private newSlot(id: NodeId, peers: NodeId[]): NodeSlot {
    return { id, state: 'starting', host: null, summary: null, inbox: [], log: [], logFrom: 1, snapshot: { index: 0, term: 0 }, peers }
  }

  private async boot(id: NodeId): Promise<void> {
    this.land(id, await this.launch(id))
  }

  /** Start a node's host from its disk; `land` takes the result in. */
  private async launch(id: NodeId): Promise<Launched> {
    const slot = this.slots.get(id)!
    slot.state = 'starting'
    slot.error = undefined
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'starting' })
    const init: HostInit = {
      cluster: this.spec.name,
      id,
      peers: slot.peers,
      params: this.spec.params,
      seed: Math.floor(this.seedRng.next() * 2 ** 32),
      storage: this.spec.storage,
      snapshotEvery: this.spec.snapshotEvery,
    }
    try {
      return { ok: true, r: await this.factory(init) }
    } catch (e) {
      return { ok: false, e }
    }
  }

  private land(id: NodeId, res: Launched): void {
    const slot = this.slots.get(id)!
    if (res.ok) {
      const { host, recovery, output } = res.r
      slot.host = host
      slot.state = 'up'
      slot.recovery = recovery
      slot.log = []
      slot.logFrom = 1
      slot.seen = null
      this.emit({ type: 'recovered', at: this.now, node: id, recovery })
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'up' })
      this.absorb(id, output)
      this.emit({ type: 'observation', at: this.now, obs: null })
    } else {
      const e = res.e
      slot.host = null
      slot.state = isCorruption(e) ? 'corrupt' : 'crashed'
      slot.error = e instanceof Error ? e.message : String(e)
      this.emit({ type: 'nodeState', at: this.now, node: id, state: slot.state, error: slot.error })
    }
  }

  /** Crash a node: its worker stops, its memory is gone; its disk stays (durable) or is gone (volatile). */
  crash(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(id)
      if (slot.state !== 'up' && slot.state !== 'paused') return
      slot.host?.close()
      slot.host = null
      slot.inbox = []
      slot.state = 'crashed'
      this.emit({ type: 'observation', at: this.now, obs: { type: 'crash', node: id } })
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'crashed' })
    })
  }

  /** Restart a crashed node from its disk. */
  restart(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(id)
      if (slot.state === 'up' || slot.state === 'paused' || slot.state === 'removed') return
      await this.boot(id)
    })
  }

  /** Freeze a node: it receives nothing (messages wait) and its clock stops, until resumed. */
  pause(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(id)
      if (slot.state !== 'up') return
      slot.state = 'paused'
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'paused' })
    })
  }

  resume(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(id)
      if (slot.state !== 'paused') return
      slot.state = 'up'
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'up' })
      for (const msg of slot.inbox) this.queue.push({ kind: 'input', node: id, input: { type: 'message', msg }, time: 0, seq: 0 }, this.now + 1)
      slot.inbox = []
    })
  }

  /** Mark a node whose disk is unusable; used by the runtime when it wipes or finds corruption. */
  setCorrupt(id: NodeId, error: string): void {
    const slot = this.slot(id)
    if (slot.host) this.emit({ type: 'observation', at: this.now, obs: { type: 'crash', node: id } })
    slot.host?.close()
    slot.host = null
    slot.state = 'corrupt'
    slot.error = error
    this.emit({ type: 'nodeState', at: this.now, node: id, state: 'corrupt', error })
  }

  /** Let a node's election timer fire now. */
  campaign(id: NodeId): Promise<void> {
    return this.input(id, { type: 'campaign' })
  }

  /** Queue an input for a node at the next millisecond. */
  input(id: NodeId, input: HostInput): Promise<void> {
    return this.exclusive(async () => {
      this.queue.push({ kind: 'input', node: id, input, time: 0, seq: 0 }, this.now + 1)
    })
  }

  /** An admin request to a node, answered when the node has processed it. */
  private admin(id: NodeId, make: (reqId: number) => HostInput, what: string): Promise<Reply> {
    const reqId = ++this.reqSeq
    const p = new Promise<Reply>((resolve) => this.waiters.set(reqId, { resolve }))
    void this.input(id, make(reqId))
    return p.then((r) => {
      this.emit({ type: 'admin', at: this.now, what, node: id, ok: r.outcome === 'ok', error: r.error })
      return r
    })
  }

  transferLeadership(from: NodeId, to: NodeId): Promise<Reply> {
    return this.admin(from, (reqId) => ({ type: 'transfer', to, reqId }), `transfer leadership to ${to}`)
  }

  compact(id: NodeId): Promise<Reply> {
    return this.admin(id, (reqId) => ({ type: 'compact', reqId }), 'take a snapshot')
  }

  /** Propose a membership change through the leader. */
  confChange(leader: NodeId, change: ConfChange): Promise<Reply> {
    return this.admin(leader, (reqId) => ({ type: 'confChange', change, reqId }), `${change.type} ${change.node}`)
  }

  /** Create a new, empty node that can join the cluster (it knows no peers until the leader adds it). */
  addNode(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      if (this.slots.has(id) && this.slots.get(id)!.state !== 'removed') throw new Error(`node ${id} exists already`)
      this.slots.set(id, this.newSlot(id, []))
      if (!this.joined.includes(id)) this.joined.push(id)
      await this.boot(id)
    })
  }

  /** Stop a node for good after its removal from the configuration. */
  retire(id: NodeId): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(id)
      this.emit({ type: 'observation', at: this.now, obs: { type: 'removed', node: id } })
      if (slot.host) this.emit({ type: 'observation', at: this.now, obs: { type: 'crash', node: id } })
      slot.host?.close()
      slot.host = null
      slot.state = 'removed'
      this.emit({ type: 'nodeState', at: this.now, node: id, state: 'removed' })
    })
  }

  private slot(id: NodeId): NodeSlot {
    const s = this.slots.get(id)
    if (!s) throw new Error(`unknown node ${id}`)
    return s
  }

  /** Change Raft parameters on every running node (and for every later start). */
  setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> {
    return this.exclusive(async () => {
      this.spec.params = { ...this.spec.params, ...p }
      if (snapshotEvery !== undefined) this.spec.snapshotEvery = snapshotEvery
      for (const s of this.slots.values()) {
        if (s.state === 'up' || s.state === 'paused') {
          this.queue.push({ kind: 'input', node: s.id, input: { type: 'setParams', params: p, snapshotEvery }, time: 0, seq: 0 }, this.now + 1)
        }
      }
    })
  }

  /**
   * Resolve once `pred()` holds after some step; reject after `timeoutMs` of virtual time. Waiting does not drive
   * the run: it progresses only while the cluster runs.
   */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
    if (pred()) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.conditions.push({ pred, deadline: this.now + timeoutMs, resolve, reject, sleep: false })
    })
  }

  /** Resolve after `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.conditions.push({ pred: () => false, deadline: this.now + ms, resolve, reject, sleep: true })
    })
  }

  private checkConditions(): void {
    if (this.conditions.length === 0) return
    const keep: typeof this.conditions = []
    for (const c of this.conditions) {
      if (c.pred()) c.resolve()
      else if (this.now >= c.deadline) {
        if (c.sleep) c.resolve()
        else c.reject(new Error(`timed out after ${Math.round(c.deadline)} ms of virtual time`))
      } else keep.push(c)
    }
    this.conditions = keep
  }

  /** Index of the last configuration entry in a node's reported log (0 when it is inside the snapshot). */
  lastConfIndex(id: NodeId): number {
    const s = this.slot(id)
    for (let i = s.log.length - 1; i >= 0; i--) if (s.log[i].kind === 'config') return s.log[i].index
    return 0
  }

  // ---------------------------------------------------------------- messages on the wire

  /** Every pending delivery, earliest first (a duplicated message appears once per copy). */
  inFlight(): { id: number; msg: Message; deliverAt: number }[] {
    const out: { id: number; msg: Message; deliverAt: number; seq: number }[] = []
    for (const e of this.queue.items()) if (e.kind === 'deliver') out.push({ id: e.id, msg: e.msg, deliverAt: e.time, seq: e.seq })
    out.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq)
    return out.map(({ id, msg, deliverAt }) => ({ id, msg, deliverAt }))
  }

  /**
   * Take message `id` off the wire (every copy still pending), as if the network lost it now: emits `lost` with
   * reason `dropped`. Resolves false when nothing of it is in flight any more.
   */
  dropInFlight(id: number): Promise<boolean> {
    return this.exclusive(async () => {
      const found: { msg: Message | null } = { msg: null }
      this.queue.removeWhere((e) => {
        if (e.kind !== 'deliver' || e.id !== id) return false
        found.msg = e.msg
        return true
      })
      const msg = found.msg
      if (!msg) return false
      this.stats.dropped++
      this.trace.str('drop')
      this.trace.int(id)
      this.emit({ type: 'lost', at: this.now, id, msg, reason: 'dropped' })
      return true
    })
  }

  /**
   * Deliver message `id` twice: a copy with a new id arrives 1 ms after the first pending copy, and a `sent` event
   * with `duplicateOf: id` announces it. Resolves with the copy's id, or null when nothing of it is in flight.
   */
  duplicateInFlight(id: number): Promise<number | null> {
    return this.exclusive(async () => {
      let first: Extract<SchedEvent, { kind: 'deliver' }> | null = null
      for (const e of this.queue.items()) {
        if (e.kind === 'deliver' && e.id === id && (!first || e.time < first.time || (e.time === first.time && e.seq < first.seq))) first = e
      }
      if (!first) return null
      const copy = ++this.msgSeq
      const at = first.time + 1
      this.stats.sent++
      this.trace.str('dup')
      this.trace.int(id)
      this.trace.int(copy)
      this.queue.push({ kind: 'deliver', id: copy, msg: first.msg, time: 0, seq: 0 }, at)
      this.emit({ type: 'sent', at: this.now, id: copy, msg: first.msg, deliverAt: [at], duplicateOf: id })
      return copy
    })
  }

  // ---------------------------------------------------------------- the run

  /** The time of the next event, or Infinity. */
  nextTime(): number {
    return this.queue.peek()?.time ?? Infinity
  }

  /** Process every event of the next virtual instant. */
  step(): Promise<boolean> {
    return this.exclusive(() => this.stepNow())
  }

  /** Run until virtual time `t` (events at exactly `t` included). */
  runUntil(t: number): Promise<void> {
    return this.exclusive(async () => {
      while (this.nextTime() <= t) await this.stepNow()
      if (this.now < t) this.now = t
    })
  }

  private async stepNow(): Promise<boolean> {
    const first = this.queue.peek()
    if (!first) return false
    const t = first.time
    this.now = t
    this.stats.steps++
    const batches = new Map<NodeId, HostInput[]>()
    const add = (id: NodeId, input: HostInput) => {
      let b = batches.get(id)
      if (!b) batches.set(id, (b = []))
      b.push(input)
    }
    while (this.queue.peek()?.time === t) {
      const e = this.queue.pop()!
      switch (e.kind) {
        case 'tick':
          for (const s of this.slots.values()) if (s.state === 'up') add(s.id, { type: 'tick' })
          this.queue.push(e, t + this.spec.tickMs)
          break
        case 'deliver': {
          const s = this.slots.get(e.msg.to)
          if (!s || s.state === 'removed' || s.state === 'crashed' || s.state === 'corrupt' || s.state === 'starting') {
            this.emit({ type: 'lost', at: t, id: e.id, msg: e.msg, reason: s?.state === 'removed' ? 'removed' : 'down' })
          } else if (s.state === 'paused') {
            s.inbox.push(e.msg)
            this.emit({ type: 'held', at: t, id: e.id, msg: e.msg })
          } else {
            this.stats.delivered++
            this.emit({ type: 'delivered', at: t, id: e.id, msg: e.msg })
            add(s.id, { type: 'message', msg: e.msg })
          }
          break
        }
        case 'input': {
          const s = this.slots.get(e.node)
          if (s?.state === 'up') add(e.node, e.input)
          else if (e.input.type === 'client') this.onReply({ id: e.input.req.id, node: e.node, outcome: 'redirect', leader: null, error: `${e.node} is down` })
          else if ('reqId' in e.input) this.onReply({ id: e.input.reqId, node: e.node, outcome: 'fail', error: `${e.node} is ${s?.state ?? 'unknown'}` })
          break
        }
        case 'clientSend':
          this.clientSend(e.op, e.to, add)
          break
        case 'clientTimeout':
          this.clientTimeout(e.op, e.attempt)
          break
      }
    }
    this.trace.int(t)
    const ids = [...batches.keys()].sort()
    const outs = await Promise.all(
      ids.map((id) => {
        const s = this.slots.get(id)!
        const h = s.host!
        return h.handle(batches.get(id)!).then(
          (o) => ({ ok: true as const, o }),
          (err: unknown) => ({ ok: false as const, err }),
        )
      }),
    )
    ids.forEach((id, k) => {
      const r = outs[k]
      const s = this.slots.get(id)!
      if (s.state !== 'up') return // crashed meanwhile
      if (r.ok) this.absorb(id, r.o)
      else {
        // A host that throws is marked crashed with its error; the rest of the cluster goes on.
        this.emit({ type: 'observation', at: t, obs: { type: 'crash', node: id } })
        s.host?.close()
        s.host = null
        s.state = isCorruption(r.err) ? 'corrupt' : 'crashed'
        s.error = r.err instanceof Error ? r.err.message : String(r.err)
        this.emit({ type: 'nodeState', at: t, node: id, state: s.state, error: s.error })
      }
    })
    if (ids.length > 0) this.emit({ type: 'observation', at: t, obs: null })
    this.checkConditions()
    return true
  }

  /** Take in a host's output: route its messages, record its state, answer its clients. */
  private absorb(id: NodeId, out: HostOutput): void {
    const s = this.slots.get(id)!
    const prev = s.summary
    s.summary = out.summary
    const sum = out.summary
    this.trace.str(id)
    this.trace.int(sum.term)
    this.trace.int(sum.commit)
    this.trace.int(sum.lastIndex)
    this.trace.str(sum.role)
    if (sum.role === 'leader' && (!prev || prev.role !== 'leader' || prev.term !== sum.term) && !this.leaderTerms.has(sum.term)) {
      this.leaderTerms.add(sum.term)
      this.stats.elections++
    }
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
    if (out.observations) for (const obs of out.observations) this.emit({ type: 'observation', at: this.now, obs })
    if (!s.seen || s.seen.role !== sum.role || s.seen.term !== sum.term) {
      s.seen = { role: sum.role, term: sum.term }
      this.emit({ type: 'observation', at: this.now, obs: { type: 'role', node: id, role: sum.role, term: sum.term, log: mirrorView(s) } })
    }
    this.emit({ type: 'summary', at: this.now, node: id, summary: sum })
    for (const ev of out.events) {
      if (ev.type === 'applied' && sum.role === 'leader') this.stats.committed += ev.to - ev.from + 1
      this.emit({ type: 'nodeEvent', at: this.now, node: id, event: ev })
    }
    const when: number[] = []
    for (const m of out.messages) {
      const mid = ++this.msgSeq
      this.stats.sent++
      const dropped = this.network.decideInto(when, m.from, m.to, this.now, this.netRng)
      this.trace.int(mid)
      this.trace.str(m.type)
      this.trace.str(m.to)
      for (const w of when) {
        this.trace.int(w)
        this.queue.push({ kind: 'deliver', id: mid, msg: m, time: 0, seq: 0 }, w)
      }
      if (dropped) this.stats.dropped++
      this.emit(dropped ? { type: 'sent', at: this.now, id: mid, msg: m, deliverAt: [], dropped } : { type: 'sent', at: this.now, id: mid, msg: m, deliverAt: when.slice() })
    }
    for (const r of out.replies) this.onReply(r)
  }

  // ---------------------------------------------------------------- clients

  /** The node clients should try first: the leader with the highest term that is up, or any up node. */
  likelyLeader(): NodeId | null {
    let best: NodeSlot | null = null
    for (const s of this.slots.values()) {
      if (s.state !== 'up' || !s.summary) continue
      if (s.summary.role === 'leader' && (!best || s.summary.term > best.summary!.term)) best = s
    }
    if (best) return best.id
    for (const s of this.slots.values()) if (s.state === 'up' && s.summary?.leader) return s.summary.leader
    for (const s of this.slots.values()) if (s.state === 'up') return s.id
    return null
  }

  /**
   * Submit a key/value operation as client `client`. Resolves when it completes: ok, fail (certainly not applied)
   * or unknown (timed out: it may or may not have taken effect). Requests follow redirects and retry through
   * elections with the same (client, seq), so a retried write applies once.
   */
  submit(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: 'log' | 'readIndex' = 'readIndex'): Promise<ClientOp> {
    return new Promise<ClientOp>((resolve, reject) => {
      this.exclusive(async () => {
        const op = this.submitNow(client, cmd, read)
        this.opDone.set(op.id, resolve)
      }).catch(reject)
    })
  }

  private opDone = new Map<number, (op: ClientOp) => void>()

  private submitNow(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: 'log' | 'readIndex'): ClientOp {
    const seq = (this.clientSeqs.get(client) ?? 0) + 1
    this.clientSeqs.set(client, seq)
    const op: ClientOp = {
      id: ++this.reqSeq,
      client,
      seq,
      op: cmd.op,
      key: cmd.key,
      value: cmd.value,
      expected: cmd.expected,
      read: cmd.op === 'get' ? read : 'log',
      invoke: this.now,
      complete: null,
      status: 'pending',
      attempts: 0,
    }
    this.ops.set(op.id, op)
    this.clientBusy.set(client, op.id)
    const target = this.likelyLeader() ?? this.spec.nodes[0]
    this.queue.push({ kind: 'clientSend', op: op.id, to: target, time: 0, seq: 0 }, this.now + 1)
    this.queue.push({ kind: 'clientTimeout', op: op.id, attempt: 0, time: 0, seq: 0 }, this.now + this.spec.clientTimeoutMs)
    this.emit({ type: 'client', at: this.now, op: { ...op } })
    return op
  }

  private clientSend(opId: number, to: NodeId, add: (id: NodeId, i: HostInput) => void): void {
    const op = this.ops.get(opId)
    if (!op || op.status !== 'pending') return
    op.attempts++
    const s = this.slots.get(to)
    const cmd: KvCommand = { op: op.op, key: op.key, client: this.session ? `${op.client}#${this.session}` : op.client, seq: op.seq }
    if (op.value !== undefined) cmd.value = op.value
    if (op.op === 'cas') cmd.expected = op.expected ?? null
    if (!s || s.state !== 'up') {
      // Unreachable: try another node a little later.
      this.retry(op, null)
      return
    }
    add(to, { type: 'client', req: { id: op.id, cmd, read: op.read } })
  }

  private retry(op: ClientOp, hint: NodeId | null | undefined): void {
    let to = hint ?? null
    if (!to || this.slots.get(to)?.state !== 'up') {
      const up = [...this.slots.values()].filter((s) => s.state === 'up').map((s) => s.id).sort()
      to = this.likelyLeader() ?? (up.length > 0 ? this.clientRng.pick(up) : this.spec.nodes[0])
    }
    // Back off a little so that a retry does not spin while an election runs.
    this.queue.push({ kind: 'clientSend', op: op.id, to: to!, time: 0, seq: 0 }, this.now + Math.max(1, this.spec.tickMs))
  }

  private clientTimeout(opId: number, _attempt: number): void {
    const op = this.ops.get(opId)
    if (!op || op.status !== 'pending') return
    this.finish(op, 'unknown', undefined, 'timed out: the outcome is unknown')
  }

  private onReply(r: Reply): void {
    const w = this.waiters.get(r.id)
    if (w) {
      this.waiters.delete(r.id)
      w.resolve(r)
      return
    }
    const op = this.ops.get(r.id)
    if (!op || op.status !== 'pending') return
    op.node = r.node
    if (r.outcome === 'ok') {
      op.index = r.index
      this.finish(op, 'ok', r.result)
    } else if (r.outcome === 'redirect') {
      this.retry(op, r.leader)
    } else if (r.code === 'rejected') {
      // A command the cluster will never accept: certainly not applied.
      this.finish(op, 'fail', undefined, r.error)
    } else {
      // Overwritten by a newer leader, or refused during a transfer: retry with the same sequence number.
      op.error = r.error
      this.retry(op, null)
    }
  }

  private finish(op: ClientOp, status: 'ok' | 'fail' | 'unknown', result?: KvResult, error?: string): void {
    op.status = status
    op.result = result
    op.error = error
    op.complete = status === 'unknown' ? null : this.now
    if (status === 'ok') this.stats.opsOk++
    if (this.clientBusy.get(op.client) === op.id) this.clientBusy.delete(op.client)
    const h: HistoryOp = {
      id: op.id,
      client: op.client,
      op: op.op,
      key: op.key,
      invoke: op.invoke,
      complete: op.complete,
      outcome: status,
    }
    if (op.value !== undefined) h.value = op.value
    if (op.op === 'cas') h.expected = op.expected ?? null
    if (result) h.result = result
    this.history.push(h)
    this.emit({ type: 'client', at: this.now, op: { ...op } })
    const done = this.opDone.get(op.id)
    if (done) {
      this.opDone.delete(op.id)
      done({ ...op })
    }
  }

  /** Is this client waiting for an answer? (Clients issue one operation at a time.) */
  clientIdle(client: string): boolean {
    return !this.clientBusy.has(client)
  }

  // ---------------------------------------------------------------- views

  /** The completed client operations, for the linearizability checker. */
  getHistory(): History {
    return this.history.slice()
  }

  nodeIds(): NodeId[] {
    return [...this.slots.keys()]
  }

  nodeState(id: NodeId): NodeState {
    return this.slot(id).state
  }

  nodeError(id: NodeId): string | undefined {
    return this.slot(id).error
  }

  summary(id: NodeId): NodeSummary | null {
    return this.slot(id).summary
  }

  recovery(id: NodeId): Recovery | undefined {
    return this.slot(id).recovery
  }

  /** The node's log as last reported (index of log[0] is logFrom), and its snapshot boundary. */
  log(id: NodeId): { from: number; entries: EntryView[]; snapshot: { index: number; term: number } } {
    const s = this.slot(id)
    return { from: s.logFrom, entries: s.log, snapshot: s.snapshot }
  }

  async kv(id: NodeId): Promise<[string, string][]> {
    const h = this.slot(id).host
    return h ? h.kv() : []
  }

  /** Stop every host (page unload, "new cluster", take-over by another tab). */
  shutdown(): Promise<void> {
    return this.exclusive(async () => {
      for (const s of this.slots.values()) {
        s.host?.close()
        s.host = null
        if (s.state !== 'removed') s.state = 'crashed'
      }
      this.queue.removeWhere(() => true)
    })
  }
}

/** A node's log as last reported (entries and snapshot boundary), read by the checkers as the node's log. */
function mirrorView(s: NodeSlot): LogView {
  return {
    firstIndex: () => s.logFrom,
    lastIndex: () => s.logFrom + s.log.length - 1,
    term: (i) => {
      if (i >= s.logFrom && i < s.logFrom + s.log.length) return s.log[i - s.logFrom].term
      if (i === s.logFrom - 1) return i === 0 ? 0 : s.snapshot.index === i ? s.snapshot.term : undefined
      return undefined
    },
  }
}

function isCorruption(e: unknown): boolean {
  return e instanceof Error && (e.name === 'StorageCorruptError' || /corrupt|checksum/i.test(e.message))
}
