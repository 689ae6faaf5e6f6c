import { Raft } from './raft.ts'
import type {
  ConfChange,
  Entry,
  HardState,
  Message,
  NodeId,
  PersistedState,
  ProgressStatus,
  RaftConfig,
  RaftParams,
  Ready,
  Snapshot,
  SoftState,
  Status,
  BasicStatus,
} from './types.ts'

/** What the last ready() handed out, so that advance() acknowledges exactly that. */
interface InFlight {
  lastIndex: number
  lastTerm: number
  snapIndex: number
  applyTo: number
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

/**
 * The synchronous face of the Raft core (etcd's RawNode). The caller drives it with tick(), step() and the
 * client operations, then takes a Ready, persists it, sends its messages, applies its committed entries, and
 * calls advance(). Nothing here does IO or reads a clock: the same inputs always give the same outputs.
 *
 * step/tick/propose may be called between ready() and advance() (the caller's disk write is asynchronous);
 * ready() may not be called twice without advance() in between.
 */
export class RawNode {
  private readonly r: Raft
  private prevSoft: SoftState
  private prevHard: HardState
  private inFlight: InFlight | null = null

  constructor(config: RaftConfig, persisted?: PersistedState) {
    this.r = new Raft(config)
    this.prevSoft = { role: 'follower', leader: null }
    this.prevHard = { term: 0, vote: null, commit: 0 }
    if (persisted) this.restore(config, persisted)
  }

  /** Rebuild from what was on disk. The state machine is rebuilt through the following Readies. */
  private restore(config: RaftConfig, p: PersistedState): void {
    const r = this.r
    const log = r.log
    const hs = p.hardState ?? { term: 0, vote: null, commit: 0 }
    const s = p.snapshot
    if (s) {
      log.snapIndex = s.index
      log.snapTerm = s.term
      log.snapshot = s
    }
    const ents = (p.entries ?? []).filter((e) => e.index > log.snapIndex)
    let expect = log.snapIndex + 1
    let prevTerm = log.snapTerm
    for (const e of ents) {
      if (e.index !== expect) throw new Error(`persisted log of ${config.id} is not contiguous: expected index ${expect}, found ${e.index}`)
      if (e.term < prevTerm) throw new Error(`persisted log of ${config.id} goes back in term at index ${e.index}`)
      expect++
      prevTerm = e.term
    }
    log.entries = ents.slice()
    log.stable = log.lastIndex()
    const commit = Math.max(hs.commit, log.snapIndex)
    if (commit > log.lastIndex()) throw new Error(`persisted commit ${commit} of ${config.id} is beyond its last index ${log.lastIndex()}`)
    log.committed = commit
    log.applied = log.snapIndex
    r.term = hs.term
    r.vote = config.unsafe?.forgetVoteOnRestart ? null : hs.vote
    r.recomputeConf()
    r.becomeFollower(hs.term, null)
    this.prevHard = { term: hs.term, vote: hs.vote, commit: hs.commit }
  }

  /** One unit of logical time: election timeouts and heartbeats are counted in ticks. */
  tick(): void {
    this.r.tick()
  }

  /** Process a message from the network. Never throws on stale, duplicated, reordered, misaddressed or unknown messages. */
  step(m: Message): void {
    this.r.step(m)
  }

  /** Leader only: append a command. Throws NotLeaderError elsewhere, and an Error during a leadership transfer. */
  propose(data: string): { index: number; term: number } {
    return this.r.propose(data)
  }

  /** Leader only: a single-server membership change (thesis section 4.1); one at a time. */
  proposeConfChange(c: ConfChange): { index: number; term: number } {
    return this.r.proposeConfChange(c)
  }

  /** Leader only: hand leadership to the voter `to` (thesis section 3.10). */
  transferLeadership(to: NodeId): void {
    this.r.transferLeadership(to)
  }

  /**
   * Leader only: a linearizable read point (thesis section 6.4), answered in Ready.readStates, or reported in
   * Ready.readFailures should this node stop leading before it can confirm the read.
   */
  readIndex(ctx: string): void {
    this.r.readIndex(ctx)
  }

  /** Change election/heartbeat timing, pre-vote, check-quorum, unsafe switches or batching on a running node. */
  setParams(p: RaftParams): void {
    this.r.setParams(p)
  }

  /** Let this node's election timer fire now (a manual action). False when it cannot campaign (leader, learner, removed). */
  campaign(): boolean {
    if (this.r.role === 'leader' || !this.r.promotable()) return false
    this.r.electionElapsed = 0
    this.r.campaign(false)
    return true
  }

  /**
   * Snapshot the state machine at an applied index: the log up to `index` is dropped and the returned snapshot
   * (with the configuration in force at `index`) is what the caller persists. Not surfaced in Ready.
   */
  compact(index: number, data: string): Snapshot {
    const log = this.r.log
    if (!Number.isSafeInteger(index)) throw new Error(`compact index must be an integer, got ${index}`)
    if (index > log.applied) throw new Error(`cannot compact to ${index}: only ${log.applied} is applied`)
    if (index <= log.snapIndex) throw new Error(`cannot compact to ${index}: the log is already compacted to ${log.snapIndex}`)
    const term = log.term(index)!
    const conf = this.r.conf.at(index)
    const s: Snapshot = { index, term, voters: [...conf.voters], learners: [...conf.learners], data }
    log.compact(s)
    return s
  }

  hasReady(): boolean {
    if (this.inFlight) return false
    const r = this.r
    const log = r.log
    if (r.pendingBcast && r.role === 'leader') return true
    if (r.msgs.length > 0 || r.reads.hasOutput()) return true
    if (log.lastIndex() > log.stable || log.unstableSnapshot) return true
    if (log.committed > log.applied) return true
    if (r.role !== this.prevSoft.role || r.lead !== this.prevSoft.leader) return true
    return !sameHard(this.hardState(), this.prevHard)
  }

  /** The work to do now. Must be followed by advance() before the next ready(). */
  ready(): Ready {
    if (this.inFlight) throw new Error('ready() called again before advance() acknowledged the previous Ready')
    const r = this.r
    const log = r.log
    if (r.pendingBcast) {
      r.pendingBcast = false
      if (r.role === 'leader') r.bcastAppend()
    }
    const last = log.lastIndex()
    const entries: Entry[] = last > log.stable ? log.slice(log.stable + 1, last + 1) : []
    const committedEntries: Entry[] = log.committed > log.applied ? log.slice(log.applied + 1, log.committed + 1) : []
    const rd: Ready = { entries, committedEntries, messages: r.msgs }
    r.msgs = []
    if (r.role !== this.prevSoft.role || r.lead !== this.prevSoft.leader) {
      this.prevSoft = { role: r.role, leader: r.lead }
      rd.softState = { ...this.prevSoft }
    }
    const hs = this.hardState()
    if (!sameHard(hs, this.prevHard)) {
      this.prevHard = hs
      rd.hardState = { ...hs }
    }
    if (log.unstableSnapshot) rd.snapshot = log.unstableSnapshot
    const readStates = r.reads.takeStates()
    if (readStates.length > 0) rd.readStates = readStates
    const failed = r.reads.takeFailed()
    if (failed.length > 0) rd.readFailures = failed.map((ctx) => ({ ctx, leader: r.lead }))
    const lastEntry = entries.length > 0 ? entries[entries.length - 1] : null
    this.inFlight = {
      lastIndex: lastEntry ? lastEntry.index : 0,
      lastTerm: lastEntry ? lastEntry.term : 0,
      snapIndex: rd.snapshot ? rd.snapshot.index : 0,
      applyTo: committedEntries.length > 0 ? committedEntries[committedEntries.length - 1].index : 0,
    }
    return rd
  }

  /** Acknowledge the last ready(): its snapshot, entries and hard state are persisted, its messages sent, its entries applied. */
  advance(): void {
    const f = this.inFlight
    if (!f) throw new Error('advance() called without a ready() to acknowledge')
    this.inFlight = null
    const log = this.r.log
    if (f.snapIndex > 0 && log.unstableSnapshot && log.unstableSnapshot.index === f.snapIndex) log.unstableSnapshot = null
    if (f.lastIndex > 0) log.stableTo(f.lastIndex, f.lastTerm)
    if (f.applyTo > 0) log.appliedTo(f.applyTo)
    this.r.onPersisted()
  }

  private hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.committed }
  }

  status(): Status {
    const r = this.r
    const log = r.log
    const st: Status = {
      id: r.id,
      role: r.role,
      term: r.term,
      leader: r.lead,
      commit: log.committed,
      lastIndex: log.lastIndex(),
      voters: [...r.conf.voters],
      learners: [...r.conf.learners],
      vote: r.vote,
      applied: log.applied,
      firstIndex: log.firstIndex(),
      snapshotIndex: log.snapIndex,
      snapshotTerm: log.snapTerm,
      electionElapsed: r.electionElapsed,
      electionTimeout: r.role === 'leader' ? r.electionTick : r.randomizedElectionTimeout,
      votesGranted: 0,
      votesRejected: 0,
      leadTransferee: r.leadTransferee,
    }
    if (r.role === 'candidate' || r.role === 'precandidate') {
      const v = r.tracker.voteCounts()
      st.votesGranted = v.granted
      st.votesRejected = v.rejected
    }
    if (r.role === 'leader') {
      const progress: Record<NodeId, ProgressStatus> = {}
      for (const [id, pr] of r.tracker.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state }
      st.progress = progress
    }
    return st
  }

  // ---------------------------------------------------------------- log inspection (no copies of the whole log)

  firstIndex(): number {
    return this.r.log.firstIndex()
  }

  lastIndex(): number {
    return this.r.log.lastIndex()
  }

  /** The term at `index`: undefined when compacted away or beyond the last index; term(snapshotIndex) works. */
  term(index: number): number | undefined {
    return this.r.log.term(index)
  }

  /** Entries [lo, hi); lo must be >= firstIndex(). */
  entries(lo: number, hi: number): Entry[] {
    return this.r.log.slice(lo, hi)
  }

  /** The latest snapshot this node holds (taken or installed), if any. */
  /** The few fields a host reports after every batch, without building a whole Status. */
  basicStatus(): BasicStatus {
    const r = this.r
    return { role: r.role, term: r.term, leader: r.lead, commit: r.log.committed, lastIndex: r.log.lastIndex(), applied: r.log.applied }
  }

  snapshot(): Snapshot | null {
    return this.r.log.snapshot
  }
}
