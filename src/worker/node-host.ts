import { NotLeaderError, RawNode, parseConfEntry } from '../raft/index.ts'
import type { Entry, HardState, NodeId, PersistedState, Ready } from '../raft/index.ts'
import { KvCommandError, decodeCommand, encodeCommand } from '../kv/command.ts'
import { KvStore } from '../kv/store.ts'
import { Prng } from '../sim/prng.ts'
import type { NodeDisk } from '../storage/types.ts'
import type {
  ClientRequest,
  EntryView,
  HostInit,
  HostInput,
  HostObservation,
  HostOutput,
  LogDelta,
  NodeSummary,
  RaftParams,
  Recovery,
  Reply,
} from './protocol.ts'

/** The node's only source of randomness (its election timeouts); the scheduler draws the seed. */
function seededRandom(seed: number): () => number {
  const g = new Prng(seed)
  return () => g.next()
}

/** A short, human summary of an entry for the log timelines. */
export function entryLabel(e: Entry): string {
  if (e.kind === 'noop') return 'noop'
  if (e.kind === 'config') {
    const c = parseConfEntry(e.data)
    if (!c) return 'config ?'
    const what = c.type === 'addLearner' ? 'add learner' : c.type === 'addVoter' ? 'add voter' : c.type === 'removeNode' ? 'remove' : 'config'
    return `${what} ${c.node ?? ''}`.trim()
  }
  const c = decodeCommand(e.data ?? '')
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

/** Combine two log changes of one batch: the later one replaces everything from its start. */
function mergeDelta(a: LogDelta | undefined, b: LogDelta): LogDelta {
  if (!a || b.from <= a.from) return b
  return { from: a.from, entries: a.entries.slice(0, b.from - a.from).concat(b.entries) }
}

function view(e: Entry): EntryView {
  return { index: e.index, term: e.term, kind: e.kind, label: entryLabel(e) }
}

function observe(out: HostOutput, o: HostObservation): void {
  ;(out.observations ??= []).push(o)
}

interface PendingWrite {
  req: ClientRequest
  index: number
  term: number
}

interface PendingRead {
  req: ClientRequest
  index: number
}

/**
 * One Raft node with its key/value state machine and its disk: the Ready loop of the design card.
 * Inputs come in batches; each batch is processed to the end (persist -> send -> apply -> advance) before its
 * output is returned, so the caller sees a node that is always consistent with its disk.
 * The same class runs inside a Web Worker (browser) and in-process (Node tests), so both give the same run.
 */
export class NodeHost {
  readonly id: NodeId
  private raw!: RawNode
  private kv = new KvStore()
  private readonly disk: NodeDisk
  private init: HostInit
  private writes = new Map<number, PendingWrite>()
  private reads = new Map<string, PendingRead>()
  private readyReads: PendingRead[] = []
  private persistedIndex = 0
  /** A manual snapshot was asked for (request id `compactReq`); taken once the Ready loop is quiet. */
  private compactPending = false
  private compactReq = 0
  /** The hard state last written to disk. */
  private writtenHardState: HardState | undefined
  /**
   * A newer hard state that differs from the written one only in `commit`, not yet written. As etcd's MustSync
   * says, a commit index need not be durable before the node goes on: it is volatile state in the paper, and a
   * restarted node learns it again from the leader. So it rides along with the next write that must be made
   * (entries, a snapshot, a new term or vote) instead of costing a transaction of its own at every commit
   * advance, which at full speed was a third of all transactions. A restarted node may recover a lower commit.
   */
  private lazyHardState: HardState | undefined

  private constructor(init: HostInit, disk: NodeDisk) {
    this.id = init.id
    this.init = init
    this.disk = disk
  }

  /**
   * Start a node from its disk. Throws StorageCorruptError (from the disk) when the data cannot be trusted; the
   * caller shows that node as "disk corrupted" and keeps the rest of the cluster running.
   */
  static async start(init: HostInit, disk: NodeDisk): Promise<{ host: NodeHost; recovery: Recovery; output: HostOutput }> {
    const h = new NodeHost(init, disk)
    const loaded = await disk.load()
    if (!loaded.empty) h.writtenHardState = loaded.hardState
    const persisted: PersistedState | undefined = loaded.empty ? undefined : loaded
    if (persisted?.snapshot) h.kv.restore(persisted.snapshot.data)
    h.raw = new RawNode(h.config(init.params), persisted)
    const entries = persisted?.entries ?? []
    h.persistedIndex = entries.length > 0 ? entries[entries.length - 1].index : (persisted?.snapshot?.index ?? 0)
    const recovery: Recovery = {
      empty: loaded.empty,
      term: loaded.hardState.term,
      vote: loaded.hardState.vote,
      commit: loaded.hardState.commit,
      logLength: entries.length,
      firstIndex: h.raw.firstIndex(),
      lastIndex: h.raw.lastIndex(),
      snapshotIndex: persisted?.snapshot?.index ?? 0,
    }
    // Replay: the first Readies re-apply the committed entries to the state machine.
    const out = await h.handle([])
    // The checkers see the new incarnation before the entries it re-applies (as the simulator's onRestart).
    const restart: HostObservation = { type: 'restart', node: h.id, index: persisted?.snapshot?.index ?? 0, term: persisted?.snapshot?.term ?? 0 }
    if (loaded.empty) restart.lostDisk = true // a new node, or one whose disk is gone (volatile, wiped)
    out.observations = [restart, ...(out.observations ?? [])]
    const all = h.raw.lastIndex() >= h.raw.firstIndex() ? h.raw.entries(h.raw.firstIndex(), h.raw.lastIndex() + 1) : []
    out.log = { from: h.raw.firstIndex(), entries: all.map(view) }
    const s = h.raw.snapshot()
    if (s) out.snapshot = { index: s.index, term: s.term }
    return { host: h, recovery, output: out }
  }

  private config(p: RaftParams) {
    return {
      id: this.init.id,
      peers: this.init.peers,
      electionTick: p.electionTick,
      heartbeatTick: p.heartbeatTick,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
      unsafe: p.unsafe,
      maxEntriesPerMsg: p.maxEntriesPerMsg,
      maxInflightMsgs: p.maxInflightMsgs,
      snapshotChunkSize: p.snapshotChunkSize,
      random: seededRandom(this.init.seed),
    }
  }

  /** Process a batch of inputs in order, then run the Ready loop until the node is quiet. */
  async handle(inputs: HostInput[]): Promise<HostOutput> {
    const out: HostOutput = { messages: [], replies: [], events: [], summary: undefined as unknown as NodeSummary }
    for (const input of inputs) this.input(input, out)
    await this.drain(out)
    out.summary = this.summary()
    return out
  }

  private input(i: HostInput, out: HostOutput): void {
    switch (i.type) {
      case 'tick':
        this.raw.tick()
        return
      case 'message':
        this.raw.step(i.msg)
        return
      case 'campaign':
        this.raw.campaign()
        return
      case 'client':
        this.client(i.req, out)
        return
      case 'transfer':
        try {
          this.raw.transferLeadership(i.to)
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'ok' })
        } catch (e) {
          out.replies.push(this.failure(i.reqId, e))
        }
        return
      case 'confChange':
        try {
          const r = this.raw.proposeConfChange(i.change)
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'ok', index: r.index })
        } catch (e) {
          out.replies.push(this.failure(i.reqId, e))
        }
        return
      case 'compact': {
        const st = this.raw.status()
        if (st.applied <= st.snapshotIndex) {
          out.replies.push({ id: i.reqId, node: this.id, outcome: 'fail', error: 'nothing new to snapshot' })
          return
        }
        this.compactPending = true
        this.compactReq = i.reqId
        return
      }
      case 'setParams': {
        // Applied live, and kept for this incarnation's view of its parameters. The snapshot policy lives here.
        this.init = { ...this.init, params: { ...this.init.params, ...i.params } }
        try {
          this.raw.setParams(i.params)
        } catch (e) {
          out.events.push({ type: 'error', message: `parameters not applied: ${e instanceof Error ? e.message : String(e)}` })
        }
        if (i.snapshotEvery !== undefined) this.init = { ...this.init, snapshotEvery: i.snapshotEvery }
        return
      }
    }
  }

  private failure(id: number, e: unknown): Reply {
    if (e instanceof NotLeaderError) return { id, node: this.id, outcome: 'redirect', leader: e.leader, error: e.message }
    return { id, node: this.id, outcome: 'fail', code: 'retry', error: e instanceof Error ? e.message : String(e) }
  }

  private client(req: ClientRequest, out: HostOutput): void {
    try {
      if (req.cmd.op === 'get' && req.read === 'readIndex') {
        const ctx = `${this.id}:${req.id}`
        this.reads.set(ctx, { req, index: -1 })
        try {
          this.raw.readIndex(ctx)
        } catch (e) {
          this.reads.delete(ctx)
          throw e
        }
        return
      }
      const data = encodeCommand(req.cmd)
      const r = this.raw.propose(data)
      this.writes.set(r.index, { req, index: r.index, term: r.term })
    } catch (e) {
      if (e instanceof KvCommandError) out.replies.push({ id: req.id, node: this.id, outcome: 'fail', code: 'rejected', error: e.message })
      else out.replies.push(this.failure(req.id, e))
    }
  }

  private async drain(out: HostOutput): Promise<void> {
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.raw.hasReady()) {
        if (this.compactPending || this.shouldSnapshot()) {
          await this.takeSnapshot(out)
          continue
        }
        return
      }
      const rd = this.raw.ready()
      await this.persist(rd, out)
      for (const m of rd.messages) out.messages.push(m)
      const lead = rd.messages.find((m) => m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' || m.type === 'MsgTimeoutNow')
      if (lead) observe(out, { type: 'send', node: this.id, term: lead.term })
      if (rd.snapshot) observe(out, { type: 'restore', node: this.id, index: rd.snapshot.index, term: rd.snapshot.term })
      this.apply(rd, out)
      this.raw.advance()
    }
    throw new Error(`${this.id}: the Ready loop did not settle`)
  }

  private async persist(rd: Ready, out: HostOutput): Promise<void> {
    const must = rd.entries.length > 0 || !!rd.snapshot
    let hs = rd.hardState
    const w = this.writtenHardState
    if (hs && !must && w && hs.term === w.term && hs.vote === w.vote) {
      this.lazyHardState = hs
      return
    }
    if (!hs && must) hs = this.lazyHardState
    if (!hs && !must) return
    // For the checkers: the stored term before the first entry written, and the last stored index, before the write.
    const first = rd.entries.length > 0 ? rd.entries[0].index : 0
    const prevTerm = first > 0 ? (rd.snapshot && first - 1 === rd.snapshot.index ? rd.snapshot.term : this.raw.term(first - 1)) : undefined
    const lastIndexBefore = rd.snapshot ? rd.snapshot.index : this.persistedIndex
    await this.disk.persist({ hardState: hs, entries: rd.entries, snapshot: rd.snapshot })
    const o: HostObservation = { type: 'persist', node: this.id, entries: rd.entries, prevTerm, lastIndexBefore }
    if (hs) o.hardState = hs
    if (rd.snapshot) o.snapshot = { index: rd.snapshot.index, term: rd.snapshot.term }
    if (rd.softState) o.role = rd.softState.role
    observe(out, o)
    if (hs) {
      this.writtenHardState = hs
      this.lazyHardState = undefined
    }
    out.events.push({ type: 'persisted', entries: rd.entries.length, hardState: !!hs, snapshot: !!rd.snapshot })
    if (rd.snapshot) {
      this.persistedIndex = Math.max(this.persistedIndex, rd.snapshot.index)
      this.kv = new KvStore()
      this.kv.restore(rd.snapshot.data)
      out.snapshot = { index: rd.snapshot.index, term: rd.snapshot.term }
      out.events.push({ type: 'snapshotInstalled', index: rd.snapshot.index, term: rd.snapshot.term, bytes: rd.snapshot.data.length })
      // Writes pending at or below the snapshot were decided elsewhere: their outcome stays unknown to the client.
      for (const i of [...this.writes.keys()]) if (i <= rd.snapshot.index) this.writes.delete(i)
      out.log = { from: rd.snapshot.index + 1, entries: [] }
    }
    if (rd.entries.length > 0) {
      this.persistedIndex = rd.entries[rd.entries.length - 1].index
      out.log = mergeDelta(out.log, { from: rd.entries[0].index, entries: rd.entries.map(view) })
    }
  }

  private apply(rd: Ready, out: HostOutput): void {
    const ce = rd.committedEntries
    for (const e of ce) {
      observe(out, { type: 'apply', node: this.id, entry: e })
      const result = this.kv.apply(e)
      const w = this.writes.get(e.index)
      if (w) {
        this.writes.delete(e.index)
        if (w.term === e.term && result) {
          out.replies.push({ id: w.req.id, node: this.id, outcome: 'ok', result, index: e.index })
        } else {
          // Another entry won this index: ours was overwritten and can never commit.
          out.replies.push({ id: w.req.id, node: this.id, outcome: 'fail', code: 'retry', error: `entry ${e.index} was overwritten by a newer leader`, index: e.index })
        }
      }
    }
    if (ce.length > 0) out.events.push({ type: 'applied', from: ce[0].index, to: ce[ce.length - 1].index })
    for (const f of rd.readFailures ?? []) {
      // This node stopped leading before it could confirm the read: "not leader", so the client retries at once.
      const r = this.reads.get(f.ctx)
      if (!r) continue
      this.reads.delete(f.ctx)
      out.replies.push({ id: r.req.id, node: this.id, outcome: 'redirect', leader: f.leader, error: `${this.id} is no longer the leader; it could not confirm the read` })
    }
    for (const rs of rd.readStates ?? []) {
      const r = this.reads.get(rs.ctx)
      if (!r) continue
      this.reads.delete(rs.ctx)
      r.index = rs.index
      this.readyReads.push(r)
    }
    if (this.readyReads.length > 0) {
      const applied = this.kv.appliedIndex
      const still: PendingRead[] = []
      for (const r of this.readyReads) {
        if (applied >= r.index) {
          out.replies.push({ id: r.req.id, node: this.id, outcome: 'ok', result: { ok: true, value: this.kv.read(r.req.cmd.key) }, index: r.index })
          out.events.push({ type: 'readServed', ctx: `${this.id}:${r.req.id}`, index: r.index })
        } else still.push(r)
      }
      this.readyReads = still
    }
  }

  private shouldSnapshot(): boolean {
    const every = this.init.snapshotEvery
    if (!(every > 0)) return false
    const st = this.raw.status()
    return st.applied - st.snapshotIndex >= every
  }

  private async takeSnapshot(out: HostOutput): Promise<void> {
    const manual = this.compactPending
    this.compactPending = false
    const applied = this.kv.appliedIndex
    if (applied <= this.raw.status().snapshotIndex) return
    const snap = this.raw.compact(applied, this.kv.snapshot())
    await this.disk.compact(snap)
    out.snapshot = { index: snap.index, term: snap.term }
    out.events.push({ type: 'snapshotTaken', index: snap.index, term: snap.term, bytes: snap.data.length })
    if (manual) out.replies.push({ id: this.compactReq, node: this.id, outcome: 'ok', index: snap.index })
  }

  summary(): NodeSummary {
    return { ...this.raw.status(), storage: this.disk.kind, kvSize: this.kv.size, persistedIndex: this.persistedIndex, persistedCommit: this.writtenHardState?.commit ?? 0 }
  }

  /** The key/value contents, for the inspector. */
  kvEntries(): [string, string][] {
    return this.kv.entries()
  }

  /** Entries [lo, hi) as views, for the inspector and timelines. */
  logView(lo: number, hi: number): EntryView[] {
    const first = this.raw.firstIndex()
    const last = this.raw.lastIndex()
    lo = Math.max(lo, first)
    hi = Math.min(hi, last + 1)
    return lo < hi ? this.raw.entries(lo, hi).map(view) : []
  }

  close(): void {
    this.disk.close()
  }
}
