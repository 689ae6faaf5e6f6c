/**
 * The client protocol, one for the simulator and the browser: each client runs one request at a time against the
 * node it believes leads. It follows "not leader" hints (a few hops at once; stale hints can point in a circle
 * during an election), re-sends the same (client, seq) when an accepted attempt stalls or its log slot was taken by
 * another entry (the store's sessions make re-sends harmless), and gives up after a timeout, which leaves the
 * outcome unknown. Every request is recorded as a history op for the linearizability checker, updated in place when
 * it completes; with `keepFinished` only the newest finished ones are kept (and every one in progress).
 */
import type { NodeId } from '../raft/types.ts'
import type { KvCommand, KvOp } from '../kv/command.ts'
import type { HistoryOp } from '../kv/history.ts'
import type { KvResult } from '../kv/store.ts'
import type { Prng } from '../world/prng.ts'
import type { ClientRequest, Reply } from '../node/protocol.ts'

export type ReadChoice = 'log' | 'readIndex'

/** A client operation as the UI shows it. */
export interface ClientOp {
  id: number
  client: string
  seq: number
  op: KvOp
  key: string
  value?: string
  expected?: string | null
  read: ReadChoice
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

/** What the protocol needs of the cluster loop. */
export interface ClientHost {
  now(): number
  /** Send a request to a node (it arrives at the next millisecond). */
  send(to: NodeId, req: ClientRequest): void
  /** Call `onTimer(op, token)` at `time`. */
  timer(time: number, op: number, token: number): void
  isUp(id: NodeId): boolean
  /** Nodes a client may contact, in a fixed order. */
  members(): NodeId[]
  /** The op changed (submitted or finished): a copy for listeners. */
  emit(op: ClientOp): void
  finished(op: ClientOp): void
}

export interface ClientOptions {
  /** A request not answered by then has an unknown outcome. */
  timeoutMs: number
  /** An accepted attempt not answered by then is sent again (same client and seq). */
  retryMs: number
  /** The pause before trying again after a refusal or an unreachable node. */
  backoffMs: number
  /** Suffix of the session names sent to the nodes (a recovered browser cluster gets a new one). */
  session: string
  /**
   * Keep only the newest `keepFinished` finished operations in `ops` (operations in progress are always kept). Unset:
   * keep every operation (the simulator's fuzz checks the whole history at the end). The browser sets it, so that a
   * cluster running for hours does not grow without limit.
   */
  keepFinished?: number
}

interface Live {
  op: ClientOp
  h: HistoryOp
  target: NodeId
  deadline: number
  token: number
  /** The request id of the latest attempt: only its refusals count. */
  req: number
  hops: number
  /** The latest attempt reached a node (no refusal yet). */
  accepted: boolean
}

export class ClientProtocol {
  /**
   * Every request so far in the order they were made, updated in place when they complete; with `keepFinished`,
   * the oldest finished ones are dropped in batches (`history()` returns exactly the window).
   */
  readonly ops: HistoryOp[] = []
  /** Finished operations dropped from `ops` (by `keepFinished`). */
  dropped = 0
  completed = 0
  timedOut = 0
  readIndexReads = 0
  logReads = 0

  readonly #host: ClientHost
  readonly #opts: ClientOptions
  readonly #rng: Prng
  readonly #live = new Map<number, Live>()
  /** Request id -> op id. */
  readonly #reqs = new Map<number, number>()
  readonly #seqs = new Map<string, number>()
  readonly #busy = new Map<string, number>()
  readonly #done = new Map<number, (op: ClientOp) => void>()
  readonly #listeners = new Set<(op: ClientOp) => void>()
  /** The node each client last talked to. */
  readonly #target = new Map<string, NodeId>()
  #nextOp = 0
  #nextReq = 0

  constructor(host: ClientHost, opts: ClientOptions, rng: Prng) {
    this.#host = host
    this.#opts = opts
    this.#rng = rng
  }

  /** Listen to finished operations (called inside the step that finished them). */
  onFinish(f: (op: ClientOp) => void): () => void {
    this.#listeners.add(f)
    return () => this.#listeners.delete(f)
  }

  /** Call `f` once when operation `id` finishes. */
  whenDone(id: number, f: (op: ClientOp) => void): void {
    this.#done.set(id, f)
  }

  /** Is this client waiting for an answer? (Clients issue one operation at a time.) */
  idle(client: string): boolean {
    return !this.#busy.has(client)
  }

  /** Requests in progress. */
  get inProgress(): number {
    return this.#live.size
  }

  /**
   * A copy of the history, in the order the operations were made: every operation, or with `keepFinished` the newest
   * `keepFinished` finished ones and every one in progress. A checker reading a window must not take a key as absent
   * before it: a read in the window may see a write that was dropped.
   */
  history(): HistoryOp[] {
    const keep = this.#opts.keepFinished
    const extra = keep === undefined ? 0 : this.ops.length - this.#live.size - keep
    if (extra <= 0) return this.ops.slice()
    const out: HistoryOp[] = []
    let skip = extra
    for (const h of this.ops) {
      if (skip > 0 && !this.#live.has(h.id)) skip--
      else out.push(h)
    }
    return out
  }

  /** Drop the oldest finished operations beyond `keepFinished`, in batches (an eighth of the window) for speed. */
  #trim(): void {
    const keep = this.#opts.keepFinished
    if (keep === undefined) return
    const finished = this.ops.length - this.#live.size
    if (finished <= keep + Math.max(16, keep >> 3)) return
    let skip = finished - keep
    let w = 0
    for (let r = 0; r < this.ops.length; r++) {
      const h = this.ops[r]
      if (skip > 0 && !this.#live.has(h.id)) {
        skip--
        this.dropped++
        continue
      }
      this.ops[w++] = h
    }
    this.ops.length = w
  }

  historyOp(id: number): HistoryOp | undefined {
    return this.#live.get(id)?.h ?? this.ops.find((h) => h.id === id)
  }

  /**
   * Start an operation of `client` at `target`. Gets go through ReadIndex or the log as `read` says. Completes ok,
   * fail (certainly not applied) or unknown (timed out: it may or may not have taken effect).
   * A client should wait for one operation before the next (see `idle`); the UI's single client may not.
   */
  submit(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: ReadChoice, target?: NodeId): ClientOp {
    const now = this.#host.now()
    const seq = (this.#seqs.get(client) ?? 0) + 1
    this.#seqs.set(client, seq)
    const op: ClientOp = {
      id: ++this.#nextOp,
      client,
      seq,
      op: cmd.op,
      key: cmd.key,
      read: cmd.op === 'get' ? read : 'log',
      invoke: now,
      complete: null,
      status: 'pending',
      attempts: 0,
    }
    if (cmd.value !== undefined) op.value = cmd.value
    if (cmd.op === 'cas') op.expected = cmd.expected ?? null
    const h: HistoryOp = { id: op.id, client, op: cmd.op, key: cmd.key, invoke: now, complete: null, outcome: 'unknown' }
    if (cmd.value !== undefined) h.value = cmd.value
    if (cmd.op === 'cas') h.expected = cmd.expected ?? null
    this.ops.push(h)
    // Without a target, a client goes on with the node that last answered it (or a random member at first).
    const to = target ?? this.#target.get(client) ?? this.#other('')
    const l: Live = { op, h, target: to, deadline: now + this.#opts.timeoutMs, token: 0, req: 0, hops: 0, accepted: false }
    this.#live.set(op.id, l)
    this.#busy.set(client, op.id)
    this.#host.emit({ ...op })
    this.#attempt(l)
    return op
  }

  #attempt(l: Live): void {
    const host = this.#host
    const now = host.now()
    if (!host.isUp(l.target)) {
      l.target = this.#other(l.target)
      l.accepted = false
      this.#arm(l, now + this.#opts.backoffMs)
      return
    }
    const op = l.op
    op.attempts++
    const s = this.#opts.session
    const cmd: KvCommand = { op: op.op, key: op.key, client: s ? `${op.client}#${s}` : op.client, seq: op.seq }
    if (op.value !== undefined) cmd.value = op.value
    if (op.op === 'cas') cmd.expected = op.expected ?? null
    const req = ++this.#nextReq
    this.#reqs.set(req, op.id)
    if (l.req !== 0) this.#reqs.delete(l.req)
    l.req = req
    l.accepted = true
    host.send(l.target, { id: req, cmd, read: op.read })
    this.#arm(l, now + 1 + this.#opts.retryMs)
  }

  #arm(l: Live, time: number): void {
    l.token++
    this.#host.timer(Math.min(time, l.deadline), l.op.id, l.token)
  }

  /** A client timer fired. */
  onTimer(opId: number, token: number): void {
    const l = this.#live.get(opId)
    if (!l || l.token !== token) return
    if (this.#host.now() >= l.deadline) {
      this.#finish(l, 'unknown', undefined, 'timed out: the outcome is unknown')
      return
    }
    // An accepted attempt that stalls may be stuck at a deposed leader that does not know it yet (no
    // CheckQuorum): like a real client with several endpoints, sometimes try another node.
    if (l.accepted && this.#rng.chance(0.5)) l.target = this.#other(l.target)
    this.#attempt(l)
  }

  onReply(r: Reply): void {
    const opId = this.#reqs.get(r.id)
    if (opId === undefined) return
    const l = this.#live.get(opId)
    if (!l) {
      this.#reqs.delete(r.id)
      return
    }
    if (r.outcome === 'ok') {
      // Any attempt's success is the operation's: a re-sent write applies once (sessions), a read is linearizable.
      l.op.node = r.node
      if (r.index !== undefined) l.op.index = r.index
      this.#finish(l, 'ok', r.result)
      return
    }
    if (r.id !== l.req) return // a refusal of an older attempt changes nothing
    l.op.node = r.node
    const now = this.#host.now()
    if (r.outcome === 'redirect') {
      l.accepted = false
      const hint = r.leader ?? null
      if (hint !== null && hint !== l.target && l.hops < 3) {
        l.hops++
        l.target = hint
        this.#arm(l, now + 1)
      } else {
        l.hops = 0
        l.target = hint !== null && hint !== l.target ? hint : this.#other(l.target)
        this.#arm(l, now + this.#opts.backoffMs)
      }
    } else if (r.code === 'rejected') {
      // A command the cluster will never accept: certainly not applied.
      this.#finish(l, 'fail', undefined, r.error)
    } else {
      // Overwritten by a newer leader, or refused during a transfer: retry with the same sequence number.
      l.op.error = r.error
      l.accepted = false
      l.hops = 0
      this.#arm(l, now + this.#opts.backoffMs)
    }
  }

  /** Give up on every operation in progress (their outcome stays unknown). */
  abandonAll(): void {
    for (const l of [...this.#live.values()]) this.#finish(l, 'unknown', undefined, 'the cluster stopped')
  }

  #finish(l: Live, status: 'ok' | 'fail' | 'unknown', result?: KvResult, error?: string): void {
    const op = l.op
    const now = this.#host.now()
    this.#live.delete(op.id)
    this.#reqs.delete(l.req)
    l.token++
    op.status = status
    op.result = result
    op.error = error
    op.complete = status === 'unknown' ? null : now
    if (this.#busy.get(op.client) === op.id) this.#busy.delete(op.client)
    this.#target.set(op.client, l.target)
    const h = l.h
    h.complete = op.complete
    h.outcome = status
    if (result) h.result = result
    if (status === 'unknown') this.timedOut++
    else this.completed++
    if (status === 'ok' && op.op === 'get') {
      if (op.read === 'readIndex') this.readIndexReads++
      else this.logReads++
    }
    const copy = { ...op }
    this.#host.finished(copy)
    this.#host.emit(copy)
    const done = this.#done.get(op.id)
    if (done) {
      this.#done.delete(op.id)
      done(copy)
    }
    for (const f of this.#listeners) f(copy)
    this.#trim()
  }

  /** Another node to try: a client knows the members, not who leads. */
  #other(not: NodeId): NodeId {
    const ids = this.#host.members().filter((id) => id !== not)
    if (ids.length === 0) return not
    return ids[this.#rng.int(ids.length)]
  }
}
