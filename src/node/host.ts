/**
 * One Raft node with its key/value state machine: the Ready loop of the design card, free of IO.
 *
 * This is the only module (outside tests) that drives a RawNode. The simulator runs it in-process with a memory
 * disk; the browser runs it in a Web Worker with an IndexedDB disk (src/node/shell.ts wires either disk to it). The
 * host never touches a disk itself: `next()` says which write the node needs, the shell makes it durable and calls
 * `done()`. Until then the node keeps taking ticks, messages and client requests, and takes no new Ready.
 *
 * The loop, for each Ready: persist its snapshot, entries and hard state (one write) -> send its messages -> apply
 * its committed entries to the state machine, answering the clients whose writes they are and the reads waiting for
 * them -> advance. When the node is quiet, the snapshot policy may compact the log (a second kind of write).
 */
import { NotLeaderError, RawNode, parseConfEntry } from '../raft/index.ts'
import type { BasicStatus, ConfChange, Entry, HardState, Message, NodeId, PersistedState, RaftConfig, Ready, Role, Snapshot, Status } from '../raft/types.ts'
import { KvCommandError, decodeCommand, encodeCommand, type KvCommand } from '../kv/command.ts'
import { KvStore } from '../kv/store.ts'
import { Prng } from '../world/prng.ts'
import type {
  ClientRequest,
  EntryView,
  HostInit,
  HostInput,
  HostOutput,
  LogDelta,
  NodeObservation,
  NodeSummary,
  RaftParams,
  Recovery,
  Reply,
  StorageMode,
} from './protocol.ts'

/** What the host needs of a Raft node: the RawNode API. Tests substitute wrappers (a node that lies about its log). */
export interface RaftNode {
  tick(): void
  step(m: Message): void
  propose(data: string): { index: number; term: number }
  proposeConfChange(c: ConfChange): { index: number; term: number }
  transferLeadership(to: NodeId): void
  readIndex(ctx: string): void
  campaign(): boolean | void
  hasReady(): boolean
  ready(): Ready
  advance(): void
  status(): Status
  compact(index: number, data: string): Snapshot
  firstIndex(): number
  lastIndex(): number
  term(index: number): number | undefined
  entries(lo: number, hi: number): Entry[]
  /** Changes parameters of the running node (RawNode has it; test wrappers may not). */
  setParams?(p: Partial<RaftParams>): void
  /** The cheap part of status() (RawNode has it; test wrappers may not). */
  basicStatus?(): BasicStatus
}

/** Builds a node from its config and (on restart) what it persisted. */
export type NodeFactory = (config: RaftConfig, persisted?: PersistedState) => RaftNode

const defaultFactory: NodeFactory = (config, persisted) => new RawNode(config, persisted)

/** The durable part of one Ready, written at once (the disk's PersistBatch). */
export interface DiskWrite {
  hardState?: HardState
  entries: Entry[]
  snapshot?: Snapshot
}

/** A write the node needs before it can go on. */
export type HostIo = { kind: 'persist'; write: DiskWrite } | { kind: 'compact'; snapshot: Snapshot }

/** What a disk holds at start. */
export type Loaded = PersistedState & { empty: boolean }

/** A command entry's data, decoded (or why it cannot be). */
type Decoded = KvCommand | { error: string }

/** A short, human summary of an entry for the log timelines. `decoded`: its data already decoded, if it was. */
export function entryLabel(e: Entry, decoded?: Decoded): string {
  if (e.kind === 'noop') return 'noop'
  if (e.kind === 'config') {
    const c = parseConfEntry(e.data)
    if (!c) return 'config ?'
    const what = c.type === 'addLearner' ? 'add learner' : c.type === 'addVoter' ? 'add voter' : c.type === 'removeNode' ? 'remove' : 'config'
    return `${what} ${c.node ?? ''}`.trim()
  }
  const c = decoded ?? decodeCommand(e.data ?? '')
  if ('error' in c) return 'bad command'
  switch (c.op) {
    case 'set':
      return `set ${c.key}=${c.value}`
    case 'get':
      return `get ${c.key}`
    case 'delete':
      return `del ${c.key}`
    case 'cas':
      return `cas ${c.key} ${c.expected ?? '∅'}→${c.value}`
  }
}

function view(e: Entry, decoded?: Decoded): EntryView {
  return { index: e.index, term: e.term, kind: e.kind, label: entryLabel(e, decoded) }
}

/** Combine two log changes of one batch: the later one replaces everything from its start. */
function mergeDelta(a: LogDelta | undefined, b: LogDelta): LogDelta {
  if (!a || b.from <= a.from) return b
  return { from: a.from, entries: a.entries.slice(0, b.from - a.from).concat(b.entries) }
}

interface PendingWrite {
  req: ClientRequest
  term: number
}

interface PendingRead {
  req: ClientRequest
  index: number
}

/**
 * The terms of the log as stored on disk (not in memory): what a crash leaves. It gives the checkers the stored
 * term before a write (Log Matching) and checks that the stored log stays contiguous.
 */
class StoredLog {
  snapIndex = 0
  snapTerm = 0
  /** terms[i] is the term of index snapIndex + 1 + i. */
  terms: number[] = []

  get last(): number {
    return this.snapIndex + this.terms.length
  }

  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm
    return this.terms[i - this.snapIndex - 1]
  }

  /** Applies a write; returns the stored term before its first entry and the last stored index before it. */
  write(id: NodeId, w: DiskWrite): { prevTerm: number | undefined; lastIndexBefore: number } {
    if (w.snapshot) {
      const s = w.snapshot
      // As the disks do (storage/rules.ts): entries after the snapshot survive only if the log matches it there.
      const keep = this.term(s.index) === s.term ? this.terms.slice(Math.max(0, s.index - this.snapIndex)) : []
      this.snapIndex = s.index
      this.snapTerm = s.term
      this.terms = keep
    }
    const lastIndexBefore = this.last
    let prevTerm: number | undefined
    const ents = w.entries
    if (ents.length > 0) {
      const first = ents[0].index
      if (first <= this.snapIndex || first > lastIndexBefore + 1) {
        throw new Error(`${id} persisted entries from ${first}, but its stored log holds ${this.snapIndex + 1}..${lastIndexBefore}`)
      }
      prevTerm = this.term(first - 1)
      this.terms.length = first - 1 - this.snapIndex
      for (const e of ents) this.terms.push(e.term)
    }
    return { prevTerm, lastIndexBefore }
  }

  compact(s: Snapshot): void {
    this.terms = this.terms.slice(Math.max(0, Math.min(this.terms.length, s.index - this.snapIndex)))
    this.snapIndex = s.index
    this.snapTerm = s.term
  }
}

export interface HostOptions {
  /** Builds the Raft node (tests wrap RawNode to break it on purpose). */
  nodeFactory?: NodeFactory
  /** Report log changes as EntryViews and the whole Status (the UI's views); the simulator does without. */
  views?: boolean
  /**
   * A deliberate bug of the host, for the tests that prove the fuzz exercises this code: treat every hard-state
   * change as lazy (written only along with entries), so a term or vote can be sent before it is on disk.
   */
  unsafeLazyHardState?: boolean
}

export class NodeHost {
  readonly id: NodeId
  readonly storage: StorageMode
  #raw: RaftNode
  #kv = new KvStore()
  #init: HostInit
  readonly #observe: boolean
  readonly #views: boolean
  readonly #lazyAll: boolean
  #writes = new Map<number, PendingWrite>()
  #reads = new Map<string, PendingRead>()
  #readyReads: PendingRead[] = []
  readonly #stored = new StoredLog()
  /** The Ready whose write is being made durable, or the snapshot being stored; at most one. */
  #pending: { kind: 'persist'; rd: Ready; write: DiskWrite | null } | { kind: 'compact'; snapshot: Snapshot } | null = null
  /** A manual snapshot was asked for (request id `compactReq`); taken once the Ready loop is quiet. */
  #compactPending = false
  #compactReq = 0
  /** The hard state last written to disk. */
  #writtenHardState: HardState | undefined
  /**
   * A newer hard state that differs from the written one only in `commit`, not yet written. As etcd's MustSync
   * says, a commit index need not be durable before the node goes on: it is volatile state in the paper, and a
   * restarted node learns it again from the leader. So it rides along with the next write that must be made
   * (entries, a snapshot, a new term or vote) instead of costing a write of its own at every commit advance.
   * A restarted node may recover a lower commit.
   */
  #lazyHardState: HardState | undefined
  #out: HostOutput
  /** With views: each command entry's data as decoded for its label when written, for the store to apply it. */
  readonly #decoded = new WeakMap<Entry, Decoded>()
  #role: Role = 'follower'
  #term = 0

  private constructor(init: HostInit, loaded: Loaded, opts: HostOptions) {
    this.id = init.id
    this.storage = init.storage
    this.#init = init
    this.#observe = !!init.observe
    this.#views = opts.views ?? true
    this.#lazyAll = opts.unsafeLazyHardState === true
    this.#out = this.#fresh()
    if (!loaded.empty) this.#writtenHardState = loaded.hardState
    const persisted: PersistedState | undefined = loaded.empty ? undefined : loaded
    if (persisted?.snapshot) {
      this.#kv.restore(persisted.snapshot.data)
      this.#stored.snapIndex = persisted.snapshot.index
      this.#stored.snapTerm = persisted.snapshot.term
    }
    for (const e of persisted?.entries ?? []) this.#stored.terms.push(e.term)
    this.#raw = (opts.nodeFactory ?? defaultFactory)(this.#config(init.params), persisted)
    this.#term = loaded.hardState.term
  }

  /**
   * Starts a node from what its disk holds (`loaded`). The first Readies replay the committed entries into the
   * state machine; run the host (see shell.ts) before taking its first output.
   */
  static boot(init: HostInit, loaded: Loaded, opts: HostOptions = {}): { host: NodeHost; recovery: Recovery } {
    const h = new NodeHost(init, loaded, opts)
    const entries = loaded.entries ?? []
    const recovery: Recovery = {
      empty: loaded.empty,
      term: loaded.hardState.term,
      vote: loaded.hardState.vote,
      commit: loaded.hardState.commit,
      logLength: entries.length,
      firstIndex: h.#raw.firstIndex(),
      lastIndex: h.#raw.lastIndex(),
      snapshotIndex: loaded.snapshot?.index ?? 0,
      snapshotTerm: loaded.snapshot?.term ?? 0,
    }
    if (h.#views) {
      const raw = h.#raw
      const all = raw.lastIndex() >= raw.firstIndex() ? raw.entries(raw.firstIndex(), raw.lastIndex() + 1) : []
      // Each recovered command is decoded once: for its label here, and the replay of the committed ones applies
      // that same decoding (a reload of 10,000 entries used to parse every command twice).
      h.#out.log = { from: raw.firstIndex(), entries: all.map((e) => h.#viewWritten(e)) }
      if (loaded.snapshot) h.#out.snapshot = { index: loaded.snapshot.index, term: loaded.snapshot.term }
    }
    return { host: h, recovery }
  }

  #config(p: RaftParams): RaftConfig {
    const g = new Prng(this.#init.seed)
    return {
      id: this.#init.id,
      peers: this.#init.peers,
      electionTick: p.electionTick,
      heartbeatTick: p.heartbeatTick,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
      unsafe: p.unsafe,
      maxEntriesPerMsg: p.maxEntriesPerMsg,
      maxInflightMsgs: p.maxInflightMsgs,
      snapshotChunkSize: p.snapshotChunkSize,
      // The node's only source of randomness (its election timeouts); the cluster loop draws the seed.
      random: () => g.next(),
    }
  }

  #fresh(): HostOutput {
    const o: HostOutput = { messages: [], replies: [], events: [], brief: undefined as unknown as BasicStatus }
    if (this.#observe) o.observations = []
    return o
  }

  /** The Raft node itself, for in-process callers (the simulator's scenarios and tests). Read it; drive it only
   * through inputs, or call `input`-like methods on it and then run the host. */
  get raw(): RaftNode {
    return this.#raw
  }

  /** The key/value state machine (read only). */
  get kv(): KvStore {
    return this.#kv
  }

  /** Whether a write is staged or being made durable. */
  get busy(): boolean {
    return this.#pending !== null
  }

  // ---------------------------------------------------------------- inputs

  /** Takes one input. Replies that are known at once (refusals) go to the output. */
  input(i: HostInput): void {
    const out = this.#out
    switch (i.type) {
      case 'tick':
        this.#raw.tick()
        return
      case 'message':
        this.#raw.step(i.msg)
        return
      case 'campaign':
        this.#raw.campaign()
        return
      case 'client':
        this.#client(i.req)
        return
      case 'transfer':
        try {
          this.#raw.transferLeadership(i.to)
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'ok' })
        } catch (e) {
          out.replies.push(this.#failure(i.reqId, e))
        }
        return
      case 'confChange':
        try {
          const r = this.#raw.proposeConfChange(i.change)
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'ok', index: r.index })
        } catch (e) {
          out.replies.push(this.#failure(i.reqId, e))
        }
        return
      case 'compact': {
        const st = this.#raw.status()
        if (st.applied <= st.snapshotIndex) {
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'fail', code: 'rejected', error: 'nothing new to snapshot' })
          return
        }
        this.#compactPending = true
        this.#compactReq = i.reqId
        return
      }
      case 'setParams': {
        // Applied live, and kept for this incarnation's view of its parameters. The snapshot policy lives here.
        this.#init = { ...this.#init, params: { ...this.#init.params, ...i.params } }
        try {
          this.#raw.setParams?.(i.params)
        } catch (e) {
          out.events.push({ type: 'error', message: `parameters not applied: ${e instanceof Error ? e.message : String(e)}` })
        }
        if (i.snapshotEvery !== undefined) this.#init = { ...this.#init, snapshotEvery: i.snapshotEvery }
        return
      }
      case 'durable':
        // Shells handle it (they own the disk); reaching here means nothing was staged.
        return
    }
  }

  #failure(id: number, e: unknown): Reply {
    if (e instanceof NotLeaderError) return { id, node: this.id, outcome: 'redirect', leader: e.leader, error: e.message }
    return { id, node: this.id, outcome: 'fail', code: 'retry', error: e instanceof Error ? e.message : String(e) }
  }

  #client(req: ClientRequest): void {
    const out = this.#out
    try {
      if (req.cmd.op === 'get' && req.read === 'readIndex') {
        const ctx = `${this.id}:${req.id}`
        this.#reads.set(ctx, { req, index: -1 })
        try {
          this.#raw.readIndex(ctx)
        } catch (e) {
          this.#reads.delete(ctx)
          throw e
        }
        return
      }
      const data = encodeCommand(req.cmd)
      const r = this.#raw.propose(data)
      this.#writes.set(r.index, { req, term: r.term })
    } catch (e) {
      if (e instanceof KvCommandError) out.replies.push({ id: req.id, node: this.id, outcome: 'fail', code: 'rejected', error: e.message })
      else out.replies.push(this.#failure(req.id, e))
    }
  }

  // ---------------------------------------------------------------- the Ready loop

  /**
   * The next write the node needs before it can go on, or null when it is quiet or waiting for a write. A Ready
   * that needs no write is handled at once (its messages sent, its entries applied).
   */
  next(): HostIo | null {
    if (this.#pending !== null) return null
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.#raw.hasReady()) {
        if (this.#compactPending || this.#shouldSnapshot()) {
          const manual = this.#compactPending
          this.#compactPending = false
          const applied = this.#kv.appliedIndex
          if (applied <= this.#raw.firstIndex() - 1) {
            if (manual) this.#out.replies.push({ id: this.#compactReq, node: this.id, outcome: 'fail', code: 'rejected', error: 'nothing new to snapshot' })
            return null
          }
          // A snapshot records the configuration in force at its index. A node that joined later and does not know
          // it yet (no configuration entry in its log, none from a snapshot: it learned the configuration from a
          // leader's message, which is not on its disk) has nothing true to record: it does not compact until it does.
          if (this.#raw.status().voters.length === 0) {
            if (manual) this.#out.replies.push({ id: this.#compactReq, node: this.id, outcome: 'fail', code: 'retry', error: `${this.id} does not know the configuration yet` })
            return null
          }
          const snapshot = this.#raw.compact(applied, this.#kv.snapshot())
          if (manual) this.#out.replies.push({ id: this.#compactReq, node: this.id, outcome: 'ok', index: snapshot.index })
          this.#pending = { kind: 'compact', snapshot }
          return { kind: 'compact', snapshot }
        }
        return null
      }
      const rd = this.#raw.ready()
      const write = this.#planWrite(rd)
      this.#pending = { kind: 'persist', rd, write }
      if (write !== null) return { kind: 'persist', write }
      this.done()
    }
    throw new Error(`${this.id}: the Ready loop did not settle`)
  }

  /** What of a Ready must reach the disk; null when nothing must (a commit index alone rides along later). */
  #planWrite(rd: Ready): DiskWrite | null {
    const must = rd.entries.length > 0 || !!rd.snapshot
    let hs = rd.hardState
    const w = this.#writtenHardState
    if (hs && !must && (this.#lazyAll || (w && hs.term === w.term && hs.vote === w.vote))) {
      this.#lazyHardState = hs
      return null
    }
    if (!hs && must) hs = this.#lazyHardState
    if (!hs && !must) return null
    const write: DiskWrite = { entries: rd.entries }
    if (hs) write.hardState = hs
    if (rd.snapshot) write.snapshot = rd.snapshot
    return write
  }

  /** The write `next()` asked for is durable: the node goes on (sends, applies, advances). */
  done(): void {
    const p = this.#pending
    if (p === null) return
    this.#pending = null
    const out = this.#out
    if (p.kind === 'compact') {
      this.#stored.compact(p.snapshot)
      out.snapshot = { index: p.snapshot.index, term: p.snapshot.term }
      out.events.push({ type: 'snapshotTaken', index: p.snapshot.index, term: p.snapshot.term, bytes: p.snapshot.data.length })
      return
    }
    const { rd, write } = p
    if (write !== null) this.#written(rd, write)
    if (rd.messages.length > 0) {
      if (out.observations) {
        for (const m of rd.messages) {
          if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' || m.type === 'MsgTimeoutNow') {
            out.observations.push({ type: 'send', term: m.term })
            break
          }
        }
      }
      for (const m of rd.messages) out.messages.push(m)
    }
    this.#apply(rd)
    this.#raw.advance()
  }

  #written(rd: Ready, w: DiskWrite): void {
    const out = this.#out
    const { prevTerm, lastIndexBefore } = this.#stored.write(this.id, w)
    if (w.hardState) {
      this.#writtenHardState = w.hardState
      this.#lazyHardState = undefined
    }
    let views: EntryView[] | null = null
    if (this.#views && w.entries.length > 0) views = w.entries.map((e) => this.#viewWritten(e))
    if (out.observations) {
      const o: NodeObservation = { type: 'persist', entries: w.entries, prevTerm, lastIndexBefore }
      if (w.hardState !== undefined) o.hardState = w.hardState
      if (w.snapshot !== undefined) o.snapshot = { index: w.snapshot.index, term: w.snapshot.term }
      if (rd.softState !== undefined) o.role = rd.softState.role
      out.observations.push(o)
    }
    out.events.push({ type: 'persisted', entries: w.entries.length, hardState: !!w.hardState, snapshot: !!w.snapshot })
    if (w.snapshot) {
      const s = w.snapshot
      this.#kv = new KvStore()
      this.#kv.restore(s.data)
      out.snapshot = { index: s.index, term: s.term }
      out.events.push({ type: 'snapshotInstalled', index: s.index, term: s.term, bytes: s.data.length })
      out.observations?.push({ type: 'restore', index: s.index, term: s.term })
      // Writes pending at or below the snapshot were decided elsewhere: their clients retry (same session and
      // sequence number, so a write that did commit applies once).
      for (const [i, pw] of [...this.#writes]) {
        if (i > s.index) continue
        this.#writes.delete(i)
        out.replies.push({ id: pw.req.id, node: this.id, outcome: 'fail', code: 'retry', error: `entry ${i} arrived in a snapshot`, index: i })
      }
      if (this.#views) out.log = { from: s.index + 1, entries: [] }
    }
    if (views !== null) out.log = mergeDelta(out.log, { from: w.entries[0].index, entries: views })
  }

  /** The view of an entry on this node's disk (written now, or recovered): its command decoded once, kept for the store's apply. */
  #viewWritten(e: Entry): EntryView {
    let c: Decoded | undefined
    if (e.kind === 'command' && e.data !== undefined) {
      c = decodeCommand(e.data)
      this.#decoded.set(e, c)
    }
    return view(e, c)
  }

  #apply(rd: Ready): void {
    const out = this.#out
    const ce = rd.committedEntries
    for (const e of ce) {
      // An entry at or below what the store holds is a core bug; the checkers name it (ApplyOrder).
      const result = e.index > this.#kv.appliedIndex ? this.#kv.apply(e, this.#decoded.get(e)) : null
      out.observations?.push({ type: 'apply', entry: e })
      if (e.kind === 'config') {
        const c = parseConfEntry(e.data)
        if (c) {
          const ev: Extract<HostOutput['events'][number], { type: 'config' }> = { type: 'config', index: e.index, term: e.term, voters: [...c.voters], learners: [...c.learners] }
          if (c.type !== undefined) ev.change = c.type as ConfChange['type']
          if (c.node !== undefined) ev.node = c.node
          out.events.push(ev)
        }
      }
      const w = this.#writes.get(e.index)
      if (w) {
        this.#writes.delete(e.index)
        if (w.term === e.term && result) {
          out.replies.push({ id: w.req.id, node: this.id, outcome: 'ok', result, index: e.index })
        } else {
          // Another entry won this index: ours was overwritten and can never commit there.
          out.replies.push({ id: w.req.id, node: this.id, outcome: 'fail', code: 'retry', error: `entry ${e.index} was overwritten by a newer leader`, index: e.index })
        }
      }
    }
    if (ce.length > 0) out.events.push({ type: 'applied', from: ce[0].index, to: ce[ce.length - 1].index })
    for (const f of rd.readFailures ?? []) {
      // This node stopped leading before it could confirm the read: "not leader", so the client retries at once.
      const r = this.#reads.get(f.ctx)
      if (!r) continue
      this.#reads.delete(f.ctx)
      out.replies.push({ id: r.req.id, node: this.id, outcome: 'redirect', leader: f.leader, error: `${this.id} is no longer the leader; it could not confirm the read` })
    }
    for (const rs of rd.readStates ?? []) {
      const r = this.#reads.get(rs.ctx)
      if (!r) continue
      this.#reads.delete(rs.ctx)
      r.index = rs.index
      this.#readyReads.push(r)
    }
    if (this.#readyReads.length > 0) {
      const applied = this.#kv.appliedIndex
      const still: PendingRead[] = []
      for (const r of this.#readyReads) {
        if (applied >= r.index) {
          out.replies.push({ id: r.req.id, node: this.id, outcome: 'ok', result: { ok: true, value: this.#kv.read(r.req.cmd.key) }, index: r.index })
          out.events.push({ type: 'readServed', ctx: `${this.id}:${r.req.id}`, index: r.index })
        } else still.push(r)
      }
      this.#readyReads = still
    }
  }

  #shouldSnapshot(): boolean {
    const every = this.#init.snapshotEvery
    if (!(every > 0)) return false
    // The log starts right after the snapshot.
    return this.#kv.appliedIndex - (this.#raw.firstIndex() - 1) >= every
  }

  /** Everything since the last call: messages to send, replies, events, and the node's state now. */
  /** What the node did since the last take. `summary: false` leaves the UI's summary out (a window's inner batches). */
  take(summary = true): HostOutput {
    const out = this.#out
    this.#out = this.#fresh()
    const raw = this.#raw
    const b: BasicStatus = raw.basicStatus ? raw.basicStatus() : this.#basic(raw.status())
    out.brief = b
    if (this.#views && summary) out.summary = this.summary()
    if (out.observations && (b.role !== this.#role || b.term !== this.#term)) {
      this.#role = b.role
      this.#term = b.term
      out.observations.push({ type: 'role', role: this.#role, term: this.#term })
    }
    return out
  }

  #basic(s: Status): BasicStatus {
    return { role: s.role, term: s.term, leader: s.leader, commit: s.commit, lastIndex: s.lastIndex, applied: s.applied }
  }

  summary(): NodeSummary {
    return {
      ...this.#raw.status(),
      storage: this.storage,
      kvSize: this.#kv.size,
      persistedIndex: this.#stored.last,
      persistedCommit: this.#writtenHardState?.commit ?? 0,
    }
  }

  /** The key/value contents, for the inspector. */
  kvEntries(): [string, string][] {
    return this.#kv.entries()
  }

  /** Entries [lo, hi) as views, for the inspector and timelines. */
  logView(lo: number, hi: number): EntryView[] {
    const first = this.#raw.firstIndex()
    const last = this.#raw.lastIndex()
    lo = Math.max(lo, first)
    hi = Math.min(hi, last + 1)
    return lo < hi ? this.#raw.entries(lo, hi).map((e) => view(e)) : []
  }
}
