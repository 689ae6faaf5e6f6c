import { NotLeaderError } from '../raft/errors.ts'
import type { Entry, NodeId, ReadFailure, ReadState } from '../raft/types.ts'
import { encodeCommand, type KvCommand, type KvOp } from '../kv/command.ts'
import type { History, HistoryOp } from '../kv/history.ts'
import type { KvResult } from '../kv/store.ts'
import type { Prng } from './prng.ts'
import type { ReadMode } from './types.ts'

/**
 * Clients of the simulated cluster. Each client runs one request at a time against the node it believes leads:
 * it follows NotLeaderError hints, re-sends the same (client, seq) when an attempt stalls or its log slot is
 * taken by another entry (the store's sessions make re-sends harmless), and gives up after a timeout, which
 * leaves the outcome unknown. Every request is recorded in `history` for the linearizability checker.
 *
 * An answer is the result the proposing node's KvStore returned when it applied the request's entry at the
 * index `propose` returned (or, for ReadIndex reads, the value once that node has applied the read index).
 */

/** What the workload needs from the simulator. Calls that touch a node let the simulator process its Ready. */
export interface WorkloadHost {
  readonly now: number
  /** Nodes a client may contact, in a fixed order. */
  nodeIds(): readonly NodeId[]
  isUp(id: NodeId): boolean
  propose(id: NodeId, data: string): { index: number; term: number }
  readIndex(id: NodeId, ctx: string): void
  appliedIndex(id: NodeId): number
  read(id: NodeId, key: string): string | null
  /**
   * Schedule a client event at `time` that calls `onEvent(client, token)`. `replaces`: the client had a live
   * event, which is now void (the host may drop it early).
   */
  scheduleClient(time: number, client: number, token: number, replaces: boolean): void
}

export interface WorkloadOptions {
  /** Random clients (c1..cN); scenario requests use their own clients. */
  clients: number
  keys: number
  thinkMs: number
  requestTimeoutMs: number
  retryMs: number
  readMode: ReadMode
}

/** A request the caller spells out (scenarios); the workload adds client, seq and the timing. */
export type RequestSpec = Pick<KvCommand, 'op' | 'key' | 'value' | 'expected'>

interface Client {
  readonly name: string
  readonly index: number
  /** Random clients pick their next request when idle; scenario clients wait for `request`. */
  readonly random: boolean
  seq: number
  op: HistoryOp | null
  /** The encoded command of `op`. */
  data: string
  /** Whether `op` is served by a ReadIndex round instead of the log. */
  viaReadIndex: boolean
  target: NodeId
  deadline: number
  /** Only the client event carrying the latest token is live. */
  token: number
  /** Consecutive NotLeaderError hints followed without an accepted attempt. */
  hops: number
  attempt: number
  /** The last attempt was accepted by a node that called itself leader. */
  accepted: boolean
  /** A live client event is in the queue. */
  armed: boolean
}

interface Attempt {
  client: Client
  seq: number
}

interface WaitingRead extends Attempt {
  node: NodeId
  index: number
}

/** The built-in client workload; owned and driven by the simulator. */
export class Workload {
  /** Every request so far; ops are updated in place when they complete. */
  readonly history: History = []
  /** Requests answered, and requests given up on. */
  completed = 0
  timedOut = 0
  /** Reads answered through a ReadIndex round, and through the log. */
  readIndexReads = 0
  logReads = 0

  readonly #host: WorkloadHost
  readonly #opts: WorkloadOptions
  readonly #rng: Prng
  readonly #clients: Client[] = []
  readonly #byName = new Map<string, Client>()
  /** Accepted proposals by node, then log index. Cleared for a node when it crashes. */
  readonly #pending = new Map<NodeId, Map<number, Attempt>>()
  /** ReadIndex rounds by context, and answers waiting for their node to apply the read index. */
  readonly #reads = new Map<string, Attempt & { node: NodeId }>()
  #waiting: WaitingRead[] = []
  /** The last value each key was seen to have, to give cas a fair chance of succeeding. */
  readonly #seen = new Map<string, string | null>()
  #stopped = false
  #nextId = 0

  constructor(host: WorkloadHost, options: WorkloadOptions, rng: Prng) {
    this.#host = host
    this.#opts = options
    this.#rng = rng
  }

  /** Starts the random clients: each begins after a random pause. */
  start(): void {
    for (let i = 1; i <= this.#opts.clients; i++) {
      const c = this.#client(`c${i}`, true)
      this.#schedule(c, this.#host.now + this.#rng.between(0, this.#opts.thinkMs))
    }
  }

  /** No new random requests from now on; those in progress run to their end. */
  stop(): void {
    this.#stopped = true
  }

  /** Requests in progress. */
  get inProgress(): number {
    let n = 0
    for (const c of this.#clients) if (c.op !== null) n++
    return n
  }

  /**
   * Issues one request from the scenario client `client` (created on first use) and returns its history op,
   * which is updated in place when it completes or times out.
   * @throws Error when that client still has a request in progress.
   */
  request(spec: RequestSpec, client = 's1', target?: NodeId): HistoryOp {
    const c = this.#byName.get(client) ?? this.#client(client, false)
    if (c.random) throw new Error(`workload: ${client} is a random client`)
    if (c.op !== null) throw new Error(`workload: ${client} already has request ${c.op.id} in progress`)
    if (target !== undefined) c.target = target
    const op = this.#begin(c, spec)
    this.#submit(c)
    return op
  }

  /** Whether a client event with this token would still do something. */
  isLive(index: number, token: number): boolean {
    return this.#clients[index]?.token === token
  }

  /** A client event fired. */
  onEvent(index: number, token: number): void {
    const c = this.#clients[index]
    if (c === undefined || c.token !== token) return
    c.armed = false
    if (c.op === null) {
      if (!c.random || this.#stopped) return
      this.#begin(c, this.#randomSpec(c))
      this.#submit(c)
      return
    }
    if (this.#host.now >= c.deadline) {
      this.#giveUp(c)
      return
    }
    // An accepted attempt that stalls may be stuck at a deposed leader that does not know it yet (no
    // CheckQuorum): like a real client with several endpoints, sometimes try another node.
    if (c.accepted && this.#rng.chance(0.5)) c.target = this.#otherNode(c.target)
    this.#submit(c)
  }

  /** `node` applied `entry` with `result`: answers the request proposed there at that index, if any. */
  onApply(node: NodeId, entry: Entry, result: KvResult | null): void {
    const byIndex = this.#pending.get(node)
    if (byIndex === undefined) return
    const a = byIndex.get(entry.index)
    if (a === undefined) return
    byIndex.delete(entry.index)
    const c = a.client
    if (c.op === null || c.seq !== a.seq) return
    if (entry.kind === 'command' && entry.data === c.data && result !== null) {
      this.#finish(c, result)
    } else {
      // Another entry took the slot: this attempt is lost. Try again now, probably at a new leader.
      this.#schedule(c, this.#host.now + 1)
    }
  }

  /** `node` answered a ReadIndex round. */
  onReadState(node: NodeId, rs: ReadState): void {
    const r = this.#reads.get(rs.ctx)
    if (r === undefined || r.node !== node) return
    this.#reads.delete(rs.ctx)
    if (r.client.op === null || r.client.seq !== r.seq) return
    this.#waiting.push({ client: r.client, seq: r.seq, node, index: rs.index })
  }

  /**
   * `node` stopped leading before it could confirm a ReadIndex round: the answer is "not leader", so the client
   * retries at once, at the leader `node` names (as after a NotLeaderError), instead of waiting for its timer.
   */
  onReadFailed(node: NodeId, f: ReadFailure): void {
    const r = this.#reads.get(f.ctx)
    if (r === undefined || r.node !== node) return
    this.#reads.delete(f.ctx)
    const c = r.client
    // Only the client's latest attempt counts: an older one it has already given up on changes nothing.
    if (c.op === null || c.seq !== r.seq || f.ctx !== `${c.name}/${c.seq}/${c.attempt}`) return
    c.accepted = false
    c.target = f.leader !== null && f.leader !== node ? f.leader : this.#otherNode(node)
    this.#schedule(c, this.#host.now + 1)
  }

  /** `node` applied entries: answers the reads waiting for it. */
  afterApply(node: NodeId): void {
    if (this.#waiting.length === 0) return
    const applied = this.#host.appliedIndex(node)
    const still: WaitingRead[] = []
    for (const w of this.#waiting) {
      if (w.node !== node || applied < w.index) {
        still.push(w)
        continue
      }
      const c = w.client
      if (c.op === null || c.seq !== w.seq) continue
      this.#finish(c, { ok: true, value: this.#host.read(node, c.op.key) })
    }
    this.#waiting = still
  }

  /** `node` installed a snapshot at `index`: proposals there at or below it will never be applied one by one. */
  onRestore(node: NodeId, index: number): void {
    const byIndex = this.#pending.get(node)
    if (byIndex === undefined) return
    for (const [i, a] of byIndex) {
      if (i > index) continue
      byIndex.delete(i)
      if (a.client.op !== null && a.client.seq === a.seq) this.#schedule(a.client, this.#host.now + 1)
    }
  }

  /** `node` crashed: everything in flight there is lost; the clients' retry timers take over. */
  onCrash(node: NodeId): void {
    this.#pending.delete(node)
    for (const [ctx, r] of this.#reads) if (r.node === node) this.#reads.delete(ctx)
    if (this.#waiting.length > 0) this.#waiting = this.#waiting.filter((w) => w.node !== node)
  }

  #client(name: string, random: boolean): Client {
    const ids = this.#host.nodeIds()
    const c: Client = {
      name,
      index: this.#clients.length,
      random,
      seq: 0,
      op: null,
      data: '',
      viaReadIndex: false,
      target: ids[this.#rng.int(ids.length)],
      deadline: 0,
      token: 0,
      hops: 0,
      attempt: 0,
      accepted: false,
      armed: false,
    }
    this.#clients.push(c)
    this.#byName.set(name, c)
    return c
  }

  #randomSpec(c: Client): RequestSpec {
    const r = this.#rng
    const key = `k${1 + r.int(this.#opts.keys)}`
    const value = `${c.name}.${c.seq + 1}`
    const p = r.next()
    if (p < 0.35) return { op: 'set', key, value }
    if (p < 0.65) return { op: 'get', key }
    if (p < 0.9) {
      const seen = this.#seen.get(key)
      return { op: 'cas', key, value, expected: seen !== undefined && r.chance(0.7) ? seen : null }
    }
    return { op: 'delete', key }
  }

  #begin(c: Client, spec: RequestSpec): HistoryOp {
    c.seq++
    c.attempt = 0
    c.hops = 0
    const cmd: KvCommand = { op: spec.op, key: spec.key, client: c.name, seq: c.seq }
    if (spec.value !== undefined) cmd.value = spec.value
    if (spec.expected !== undefined) cmd.expected = spec.expected
    c.data = encodeCommand(cmd)
    const mode = this.#opts.readMode
    c.viaReadIndex = spec.op === 'get' && (mode === 'readIndex' || (mode === 'mixed' && this.#rng.chance(0.5)))
    const op: HistoryOp = {
      id: ++this.#nextId,
      client: c.name,
      op: spec.op as KvOp,
      key: spec.key,
      invoke: this.#host.now,
      complete: null,
      outcome: 'unknown',
    }
    if (spec.value !== undefined) op.value = spec.value
    if (spec.expected !== undefined) op.expected = spec.expected
    this.history.push(op)
    c.op = op
    c.deadline = this.#host.now + this.#opts.requestTimeoutMs
    return op
  }

  /** Sends the current request to the believed leader and arms the retry timer. */
  #submit(c: Client): void {
    const host = this.#host
    const now = host.now
    const backoff = Math.max(1, Math.floor(this.#opts.retryMs / 8))
    if (!host.isUp(c.target)) {
      c.target = this.#otherNode(c.target)
      this.#schedule(c, now + backoff)
      return
    }
    c.attempt++
    c.accepted = false
    try {
      if (c.viaReadIndex) {
        const ctx = `${c.name}/${c.seq}/${c.attempt}`
        host.readIndex(c.target, ctx)
        this.#reads.set(ctx, { client: c, seq: c.seq, node: c.target })
      } else {
        const { index } = host.propose(c.target, c.data)
        let byIndex = this.#pending.get(c.target)
        if (byIndex === undefined) this.#pending.set(c.target, (byIndex = new Map()))
        byIndex.set(index, { client: c, seq: c.seq })
      }
      c.hops = 0
      c.accepted = true
      this.#schedule(c, now + this.#opts.retryMs)
    } catch (e) {
      if (e instanceof NotLeaderError && e.leader !== null && e.leader !== c.target && c.hops < 3) {
        // Follow the hint at once, but not forever: stale hints can point in a circle during an election.
        c.hops++
        c.target = e.leader
        this.#schedule(c, now + 1)
      } else {
        c.hops = 0
        if (e instanceof NotLeaderError) c.target = e.leader !== null && e.leader !== c.target ? e.leader : this.#otherNode(c.target)
        else if (!(e instanceof Error)) throw e
        // Any other Error (a leadership transfer in progress) means: not now.
        this.#schedule(c, now + backoff)
      }
    }
  }

  #finish(c: Client, result: KvResult): void {
    const op = c.op as HistoryOp
    op.complete = this.#host.now
    op.outcome = 'ok'
    op.result = result
    if (op.op === 'get') {
      if (c.viaReadIndex) this.readIndexReads++
      else this.logReads++
    }
    if (result.ok || op.op === 'cas') this.#seen.set(op.key, result.value)
    c.op = null
    this.completed++
    this.#next(c)
  }

  #giveUp(c: Client): void {
    c.op = null
    this.timedOut++
    this.#next(c)
  }

  #next(c: Client): void {
    if (c.random && !this.#stopped) this.#schedule(c, this.#host.now + this.#rng.between(0, this.#opts.thinkMs))
    else {
      c.token++ // disarm
      c.armed = false
    }
  }

  #schedule(c: Client, time: number): void {
    c.token++
    this.#host.scheduleClient(time, c.index, c.token, c.armed)
    c.armed = true
  }

  #otherNode(not: NodeId): NodeId {
    const ids = this.#host.nodeIds()
    if (ids.length <= 1) return ids[0] ?? not
    let i = this.#rng.int(ids.length - 1)
    if (ids[i] === not) i = ids.length - 1
    return ids[i]
  }
}
