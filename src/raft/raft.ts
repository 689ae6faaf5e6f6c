/**
 * The Raft state machine: the roles and their transitions, tick (election and heartbeat timers), step (an
 * admitted message dispatched to its role's handler), elections, replication (appends, snapshot transfer,
 * commit) and the client operations (propose, configuration change, leadership transfer, read). It owns the
 * order of things and delegates each concept to its module: validate.ts (which messages are looked at, term
 * checks), membership.ts (the configuration in force, who votes), tracker.ts (per-peer progress and votes, every
 * count through quorum.ts), readindex.ts (linearizable reads), log.ts (the log).
 */
import { NotLeaderError } from './errors.ts'
import { RaftLog } from './log.ts'
import type { Progress } from './progress.ts'
import { Membership, checkConfChange, confChangeData } from './membership.ts'
import { ReadIndex } from './readindex.ts'
import { ProgressTracker } from './tracker.ts'
import { acceptable, admit, exhaustive, type Receiver } from './validate.ts'
import type {
  ConfChange,
  Entry,
  Message,
  NodeId,
  RaftConfig,
  RaftParams,
  Role,
  Snapshot,
  SnapshotMeta,
  UnsafeSwitches,
} from './types.ts'

interface IncomingSnapshot {
  meta: SnapshotMeta
  chunks: string[]
  received: number
}

/**
 * The Raft state machine (the paper's Figure 2, the thesis's extensions). Pure: no IO, no clock, no randomness but
 * the injected `random`. RawNode wraps it with the Ready/Advance protocol.
 *
 * Membership uses single-server changes (thesis section 4.1): a node uses the latest configuration in its log,
 * committed or not, and a leader proposes a change only when the previous one is committed and it has committed an
 * entry of its own term (the fix for the single-server-change bug found in 2015).
 */
export class Raft implements Receiver {
  readonly id: NodeId
  term = 0
  vote: NodeId | null = null
  lead: NodeId | null = null
  role: Role = 'follower'
  readonly log = new RaftLog()

  /** The configuration in force: who votes, who learns. */
  readonly conf: Membership

  electionTick: number
  heartbeatTick: number
  preVote: boolean
  checkQuorum: boolean
  unsafe: UnsafeSwitches
  maxEntriesPerMsg: number
  maxInflight: number
  snapshotChunkSize: number
  private readonly random: () => number

  electionElapsed = 0
  private heartbeatElapsed = 0
  randomizedElectionTimeout = 0

  /** Leader: the progress of every node it replicates to. (Pre-)candidate: the votes of the campaign. */
  readonly tracker = new ProgressTracker()
  msgs: Message[] = []
  /** Index of the last config entry proposed by this leader; no new change until it is committed. */
  pendingConfIndex = 0
  leadTransferee: NodeId | null = null
  /** Leader only: the appended entries have not been broadcast yet (flushed by RawNode.ready). */
  pendingBcast = false

  /** Leader: linearizable reads waiting for confirmation, and answers not yet handed out in a Ready. */
  readonly reads = new ReadIndex()
  private incoming: IncomingSnapshot | null = null
  /** Leader: the last seq given to a MsgApp, MsgHeartbeat or MsgSnap of this term (see Message.seq). */
  private sentSeq = 0
  /** Follower: the highest seq processed from the leader of term `seenTerm` (see Message.seen). */
  private seen = 0
  private seenTerm = 0

  constructor(c: RaftConfig) {
    if (!c.id) throw new Error('config.id is required')
    if (!(c.heartbeatTick > 0)) throw new Error('heartbeatTick must be > 0')
    if (!(c.electionTick > c.heartbeatTick)) throw new Error('electionTick must be greater than heartbeatTick')
    if (typeof c.random !== 'function') throw new Error('config.random is required (a seeded PRNG in [0, 1))')
    this.id = c.id
    this.electionTick = c.electionTick
    this.heartbeatTick = c.heartbeatTick
    this.random = c.random
    this.preVote = c.preVote ?? false
    this.checkQuorum = c.checkQuorum ?? false
    this.unsafe = c.unsafe ?? {}
    this.maxEntriesPerMsg = Math.max(1, c.maxEntriesPerMsg ?? 64)
    this.maxInflight = Math.max(1, c.maxInflightMsgs ?? 16)
    this.snapshotChunkSize = Math.max(1, c.snapshotChunkSize ?? 16384)
    this.conf = new Membership(c.peers, this.log)
    this.resetElectionTimeout()
  }

  /**
   * Change timing and feature parameters of a running node (the UI tunes them live). A new election timeout is
   * drawn at once; the elapsed count is kept, so a node does not get a fresh full timeout for free.
   */
  setParams(p: RaftParams): void {
    const e = p.electionTick ?? this.electionTick
    const h = p.heartbeatTick ?? this.heartbeatTick
    if (!(Number.isSafeInteger(h) && h > 0)) throw new Error('heartbeatTick must be a positive integer')
    if (!(Number.isSafeInteger(e) && e > h)) throw new Error('electionTick must be an integer greater than heartbeatTick')
    const timing = e !== this.electionTick
    this.electionTick = e
    this.heartbeatTick = h
    if (p.preVote !== undefined) this.preVote = p.preVote
    if (p.checkQuorum !== undefined) this.checkQuorum = p.checkQuorum
    if (p.unsafe !== undefined) this.unsafe = { ...p.unsafe }
    if (p.maxEntriesPerMsg !== undefined) this.maxEntriesPerMsg = Math.max(1, p.maxEntriesPerMsg)
    if (p.maxInflightMsgs !== undefined) {
      this.maxInflight = Math.max(1, p.maxInflightMsgs)
      this.tracker.setMaxInflight(this.maxInflight)
    }
    if (p.snapshotChunkSize !== undefined) this.snapshotChunkSize = Math.max(1, p.snapshotChunkSize)
    if (timing) this.resetElectionTimeout()
  }

  // ---------------------------------------------------------------- configuration (see membership.ts)

  isVoter(id: NodeId): boolean {
    return this.conf.isVoter(id)
  }

  /** Can this node become leader? (see Membership.promotable) */
  promotable(): boolean {
    return this.conf.promotable(this.id)
  }

  /** The configuration in force changed: a leader tracks the nodes it now replicates to. */
  private confChanged(): void {
    if (this.role === 'leader') {
      this.tracker.track(this.conf.replicationTargets(), this.id, this.log.lastIndex() + 1, this.maxInflight)
      if (this.leadTransferee !== null && !this.isVoter(this.leadTransferee)) this.leadTransferee = null
    }
  }

  /** Entries were appended: adopt the latest config entry among them. */
  private confAfterAppend(ents: Entry[]): void {
    if (this.conf.afterAppend(ents)) this.confChanged()
  }

  /** The log was truncated or replaced: recompute the configuration from what is left. */
  recomputeConf(): void {
    this.conf.recompute()
    this.confChanged()
  }

  // ---------------------------------------------------------------- role transitions

  private resetElectionTimeout(): void {
    const r = this.random()
    this.randomizedElectionTimeout = this.electionTick + Math.floor((r >= 0 && r < 1 ? r : 0) * this.electionTick)
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term
      this.vote = null
    }
    this.lead = null
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.resetElectionTimeout()
    this.leadTransferee = null
    this.tracker.resetVotes()
    this.tracker.resetProgress()
    // A leader that steps down can confirm none of its pending reads: say so, so that their clients retry at
    // the new leader at once instead of waiting for a timeout (etcd drops them silently).
    this.reads.abandon()
    this.pendingBcast = false
    this.sentSeq = 0
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
  }

  private becomePreCandidate(): void {
    if (this.role === 'leader') throw new Error(`invalid transition [leader -> precandidate] on ${this.id}`)
    // Does not change term or vote (thesis section 9.6): a pre-campaign that fails leaves no trace.
    this.tracker.resetVotes()
    this.lead = null
    this.role = 'precandidate'
  }

  private becomeCandidate(): void {
    if (this.role === 'leader') throw new Error(`invalid transition [leader -> candidate] on ${this.id}`)
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  private becomeLeader(): void {
    if (this.role === 'follower') throw new Error(`invalid transition [follower -> leader] on ${this.id}`)
    this.reset(this.term)
    this.role = 'leader'
    this.lead = this.id
    const last = this.log.lastIndex()
    const self = this.tracker.startLeading(this.conf.replicationTargets(), this.id, last + 1, this.maxInflight)
    self.match = this.log.stable
    self.next = last + 1
    self.becomeReplicate()
    self.next = last + 1
    // Conservatively forbid a config change until everything in the log so far, including whatever change a
    // previous leader left uncommitted, is committed.
    this.pendingConfIndex = last
    // Section 5.4.2 / 8: commit an entry of the new term at once, which also commits everything before it.
    this.appendEntries([{ index: 0, term: 0, kind: 'noop' }])
  }

  // ---------------------------------------------------------------- sending

  private send(m: Message): void {
    if (this.role === 'leader' && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap')) m.seq = ++this.sentSeq
    else if (m.type === 'MsgAppResp' && this.seenTerm === m.term && this.seen > 0) m.seen = this.seen
    this.msgs.push(m)
  }

  /** Send what `to` is missing (or a snapshot). Returns whether a message went out. */
  sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.tracker.get(to)
    if (!pr || to === this.id || pr.isPaused()) return false
    const prevIndex = pr.next - 1
    const prevTerm = this.log.term(prevIndex)
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      return this.sendSnapshot(to, pr)
    }
    const last = this.log.lastIndex()
    const hi = Math.min(last + 1, pr.next + this.maxEntriesPerMsg)
    const ents = pr.next <= last ? this.log.slice(pr.next, hi) : []
    if (ents.length === 0 && !sendIfEmpty) return false
    const m: Message = {
      type: 'MsgApp',
      from: this.id,
      to,
      term: this.term,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: this.log.committed,
    }
    // A joining node cannot tell the configuration at prevIndex from its log: tell it (see Message.conf).
    const conf = this.conf.confForJoiner(to, prevIndex)
    if (conf) m.conf = conf
    this.send(m)
    pr.sentEntries(prevIndex + ents.length, ents.length)
    return true
  }

  /**
   * Send the follower the next chunk of its snapshot. A transfer under way goes on with the snapshot it began with,
   * even when a compaction has since replaced the log's latest one (as etcd keeps sending the snapshot it started):
   * restarting it with every compaction, a slow transfer would never finish. The newer snapshot follows if needed.
   */
  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (pr.state !== 'snapshot' || pr.snapshot === null) {
      const snap = this.log.snapshot
      if (!snap) return false
      pr.becomeSnapshot(snap)
    }
    this.sendSnapshotChunk(to, pr, pr.snapshot!)
    return true
  }

  private sendSnapshotChunk(to: NodeId, pr: Progress, snap: Snapshot): void {
    const offset = Math.min(pr.snapOffset, snap.data.length)
    const data = snap.data.slice(offset, offset + this.snapshotChunkSize)
    this.send({
      type: 'MsgSnap',
      from: this.id,
      to,
      term: this.term,
      snapshot: { index: snap.index, term: snap.term, voters: [...snap.voters], learners: [...(snap.learners ?? [])] },
      offset,
      data,
      done: offset + data.length >= snap.data.length,
    })
  }

  /** Leader: send every follower what it is missing; in replicate, stream until its window is full. */
  bcastAppend(): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue
      this.sendAppend(id)
      while (pr.state === 'replicate' && pr.next <= this.log.lastIndex() && this.sendAppend(id, false)) {
        /* keep streaming */
      }
    }
    // A removal committed: the append just sent told the removed node so (unless it was paused); now let it go.
    if (this.tracker.tracksPrevious && this.conf.committed()) this.tracker.dropOutside((id) => this.conf.isMember(id), this.id)
  }

  private bcastHeartbeat(ctx?: string): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue
      const m: Message = {
        type: 'MsgHeartbeat',
        from: this.id,
        to: id,
        term: this.term,
        commit: Math.min(pr.match, this.log.committed),
      }
      if (ctx !== undefined) m.context = ctx
      this.send(m)
    }
  }

  // ---------------------------------------------------------------- appending and committing

  /** Leader: append new entries of the current term. Returns the last one. */
  appendEntries(ents: Entry[]): Entry {
    let index = this.log.lastIndex()
    const out: Entry[] = []
    for (const e of ents) {
      const ne: Entry = { index: ++index, term: this.term, kind: e.kind }
      if (e.data !== undefined) ne.data = e.data
      out.push(ne)
    }
    this.log.truncateAndAppend(out)
    this.confAfterAppend(out)
    this.pendingBcast = true
    return out[out.length - 1]
  }

  /**
   * Leader: advance commit to the highest index replicated on a majority of voters, but only by counting an
   * entry of the current term (section 5.4.2, Figure 8).
   */
  maybeCommit(): boolean {
    const ci = this.tracker.committed(this.conf.voters)
    if (ci <= this.log.committed) return false
    if (this.log.term(ci) !== this.term && !this.unsafe.commitOldTermEntries) return false
    this.log.commitTo(ci)
    this.onCommitAdvanced()
    return true
  }

  private onCommitAdvanced(): void {
    if (this.role !== 'leader') return
    if (this.reads.hasAwaitingCommit() && this.log.term(this.log.committed) === this.term) {
      for (const ctx of this.reads.takeAwaitingCommit()) this.readIndex(ctx)
    }
    // A leader that committed its own removal steps down (thesis section 4.2.2).
    if (!this.isVoter(this.id) && this.conf.committed()) {
      this.becomeFollower(this.term, null)
    }
  }

  /** The caller persisted entries: the leader counts its own copy only now (it is then on its disk). */
  onPersisted(): void {
    if (this.role !== 'leader') return
    const self = this.tracker.get(this.id)
    if (!self) return
    if (self.maybeUpdate(this.log.stable)) {
      if (this.maybeCommit()) this.pendingBcast = true
    }
  }

  // ---------------------------------------------------------------- ticking

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat()
    else this.tickElection()
  }

  private tickElection(): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.campaign(false)
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.electionTick) {
      this.electionElapsed = 0
      if (this.checkQuorum) {
        if (!this.tracker.quorumActive(this.conf.voters, this.id)) {
          this.becomeFollower(this.term, null)
          return
        }
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== null) this.leadTransferee = null
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat()
    }
  }

  // ---------------------------------------------------------------- elections

  /**
   * Start an election (or a pre-election). `transfer`: caused by MsgTimeoutNow, so voters skip the lease check.
   * `preVoteWon`: the pre-election just succeeded, so run the real one. Without it a won pre-vote would start
   * another pre-vote and the node would never become a candidate (and a single voter would recurse forever).
   */
  campaign(transfer: boolean, preVoteWon = false): void {
    if (!this.promotable() || this.role === 'leader') return
    const pre = this.preVote && !transfer && !preVoteWon
    if (pre) this.becomePreCandidate()
    else this.becomeCandidate()
    const term = pre ? this.term + 1 : this.term
    this.tracker.recordVote(this.id, true)
    if (this.tracker.tallyVotes(this.conf.voters) === 'won') {
      if (pre) this.campaign(transfer, true)
      else this.becomeLeader()
      return
    }
    const index = this.log.lastIndex()
    const logTerm = this.log.lastTerm()
    for (const v of this.conf.voters) {
      if (v === this.id) continue
      const m: Message = { type: pre ? 'MsgPreVote' : 'MsgVote', from: this.id, to: v, term, index, logTerm }
      if (transfer) m.transfer = true
      this.send(m)
    }
  }

  private poll(from: NodeId, granted: boolean): void {
    this.tracker.recordVote(from, granted)
    const r = this.tracker.tallyVotes(this.conf.voters)
    if (r === 'won') {
      if (this.role === 'precandidate') this.campaign(false, true)
      else this.becomeLeader()
    } else if (r === 'lost') {
      this.becomeFollower(this.term, null)
    }
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === 'MsgPreVote'
    const respType = pre ? 'MsgPreVoteResp' : 'MsgVoteResp'
    const index = typeof m.index === 'number' ? m.index : 0
    const logTerm = typeof m.logTerm === 'number' ? m.logTerm : 0
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (pre && m.term > this.term)
    const upToDate = this.unsafe.skipLogUpToDateCheck || this.log.isUpToDate(index, logTerm)
    if (canVote && upToDate) {
      // A granted pre-vote answers with the future term the candidate asked for, so it can count it.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false })
      if (!pre) {
        this.electionElapsed = 0
        this.vote = m.from
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true })
    }
  }

  // ---------------------------------------------------------------- stepping

  /** We heard from a leader (or are one) within the last election timeout (see validate.ts). */
  get inLease(): boolean {
    return this.lead !== null && this.electionElapsed < this.electionTick
  }

  /** Process one message. Never throws on stale, duplicated, reordered, misaddressed or unknown messages. */
  step(m: Message): void {
    if (!acceptable(m, this.id)) return
    const verdict = admit(m, this)
    switch (verdict.action) {
      case 'drop':
        return
      case 'answer':
        this.send(verdict.reply)
        return
      case 'follow': {
        // Figure 2: only granting a vote or hearing from the leader restarts a follower's timer. A vote we are
        // about to refuse (its log is behind ours) must not postpone our campaign, or a voter with an old log
        // that times out first keeps every up-to-date voter from ever campaigning (etcd-io/raft#167; harsh fuzz
        // seed 292). A leader's count measures check-quorum rounds: it starts afresh.
        const keep = m.type === 'MsgVote' && this.role !== 'leader' && !this.unsafe.skipLogUpToDateCheck && !this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)
        const elapsed = this.electionElapsed
        const timeout = this.randomizedElectionTimeout
        this.becomeFollower(m.term, verdict.lead)
        if (keep) [this.electionElapsed, this.randomizedElectionTimeout] = [elapsed, timeout]
        break
      }
      case 'process':
        break
    }

    if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
      this.handleVoteRequest(m)
      return
    }

    switch (this.role) {
      case 'leader':
        this.stepLeader(m)
        break
      case 'candidate':
      case 'precandidate':
        this.stepCandidate(m)
        break
      case 'follower':
        this.stepFollower(m)
        break
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.tracker.get(m.from)
    if (!pr) return
    switch (m.type) {
      case 'MsgAppResp': {
        pr.recentActive = true
        const index = typeof m.index === 'number' ? m.index : -1
        if (index < 0 || index > this.log.lastIndex()) return
        if (m.reject) {
          let hint = typeof m.rejectHint === 'number' ? m.rejectHint : index
          if (typeof m.hintTerm === 'number' && m.hintTerm > 0) hint = this.log.findConflictByTerm(hint, m.hintTerm)
          // A correct follower never rejects at or below its match (Log Matching): such a rejection is stale or a
          // duplicate, and is dropped as etcd drops it. Answering each copy with a new append would let network
          // duplicates multiply into a storm when an unsafe switch has broken Log Matching.
          if (index <= pr.match && !(typeof m.lastIndex === 'number' && m.lastIndex < index)) return
          if (index <= pr.match && typeof m.lastIndex === 'number' && m.lastIndex < index) {
            // The follower lacks an entry it had acknowledged. Either it lost its disk (volatile storage or a
            // wiped disk, which Raft itself assumes never happens), or this is an old rejection, sent while it was
            // short, that the network duplicated or delayed. etcd drops it (index <= match: stale). Only a
            // rejection that answers something we sent after the follower's last acknowledgement proves the loss
            // (see Message.seen); anything else must not lower match.
            if (typeof m.seen !== 'number' || m.seen <= pr.ackSeen) return
            // Lost: forget what we believed it holds and probe from its hint; lowering a match never lowers the
            // commit index.
            pr.match = 0
            pr.becomeProbe()
            pr.next = Math.max(1, Math.min(hint, m.lastIndex) + 1)
            this.sendAppend(m.from)
            return
          }
          if (pr.maybeDecrTo(index, hint)) {
            if (pr.state === 'replicate') pr.becomeProbe()
            this.sendAppend(m.from)
          }
          return
        }
        if (typeof m.seen === 'number' && m.seen > pr.ackSeen) pr.ackSeen = m.seen
        const oldPaused = pr.isPaused()
        if (pr.maybeUpdate(index)) {
          if (pr.state === 'probe') pr.becomeReplicate()
          else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
            pr.becomeProbe()
            pr.becomeReplicate()
          } else if (pr.state === 'replicate') pr.freeLE(index)
          if (this.maybeCommit()) {
            this.bcastAppend()
          } else if (oldPaused || pr.next <= this.log.lastIndex()) {
            // A follower that was paused missed the appends (and commit index) sent while it was: answer even
            // with no entries, or it would learn the commit only from the next heartbeat.
            this.sendAppend(m.from, oldPaused)
            while (pr.state === 'replicate' && pr.next <= this.log.lastIndex() && this.sendAppend(m.from, false)) {
              /* keep streaming */
            }
          }
          if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
            this.send({ type: 'MsgTimeoutNow', from: this.id, to: m.from, term: this.term })
          }
        }
        return
      }
      case 'MsgHeartbeatResp': {
        pr.recentActive = true
        pr.probeSent = false
        if (pr.state === 'replicate' && pr.inflights.length >= pr.maxInflight) pr.freeFirst()
        if (pr.state === 'snapshot') {
          // Retransmit the chunk the follower is waiting for (it or its answer may have been lost).
          this.sendSnapshot(m.from, pr)
        } else if (pr.match < this.log.lastIndex()) {
          this.sendAppend(m.from)
        }
        if (typeof m.context === 'string') this.reads.ack(m.context, m.from, this.conf.voters)
        return
      }
      case 'MsgSnapResp': {
        pr.recentActive = true
        const snap = pr.snapshot
        if (pr.state !== 'snapshot' || snap === null || m.index !== snap.index) return
        if (m.reject) {
          pr.becomeProbe()
          this.sendAppend(m.from)
          return
        }
        const off = typeof m.offset === 'number' ? m.offset : 0
        if (off < 0 || off > snap.data.length) return
        pr.snapOffset = off
        if (off < snap.data.length) this.sendSnapshotChunk(m.from, pr, snap)
        return
      }
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
      case 'MsgTimeoutNow':
      case 'MsgVoteResp':
      case 'MsgPreVoteResp':
        // Nothing for a leader to do: one leader per term, it leads already, and the election is over.
        return
      case 'MsgVote':
      case 'MsgPreVote':
        // Answered by step before the role dispatch.
        return
      default:
        exhaustive(m.type)
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
        // A leader of our term exists (a candidate) or of the current term (a precandidate): follow it.
        this.becomeFollower(m.term, m.from)
        this.stepFollower(m)
        return
      case 'MsgPreVoteResp':
        if (this.role !== 'precandidate') return
        if (!m.reject && m.term !== this.term + 1) return
        this.poll(m.from, !m.reject)
        return
      case 'MsgVoteResp':
        if (this.role !== 'candidate') return
        this.poll(m.from, !m.reject)
        return
      case 'MsgAppResp':
      case 'MsgHeartbeatResp':
      case 'MsgSnapResp':
      case 'MsgTimeoutNow':
        // Nothing for a (pre)candidate to do: answers to what it sent while leading, or a transfer while campaigning.
        return
      case 'MsgVote':
      case 'MsgPreVote':
        // Answered by step before the role dispatch.
        return
      default:
        exhaustive(m.type)
    }
  }

  private stepFollower(m: Message): void {
    if (typeof m.seq === 'number' && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap')) {
      if (this.seenTerm !== this.term) {
        this.seenTerm = this.term
        this.seen = 0
      }
      if (m.seq > this.seen) this.seen = m.seq
    }
    switch (m.type) {
      case 'MsgApp':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleAppend(m)
        return
      case 'MsgHeartbeat': {
        this.electionElapsed = 0
        this.lead = m.from
        const c = typeof m.commit === 'number' ? Math.min(m.commit, this.log.lastIndex()) : 0
        // The leader sends min(match, commit), so everything up to c is ours and committed.
        if (c > this.log.committed) this.log.commitTo(c)
        const r: Message = { type: 'MsgHeartbeatResp', from: this.id, to: m.from, term: this.term }
        if (typeof m.context === 'string') r.context = m.context
        this.send(r)
        if (typeof m.commit === 'number' && m.commit > this.log.lastIndex()) {
          // The leader counts entries up to m.commit as ours, but we do not have them: our disk was lost. Say so,
          // or an idle leader would never send them again.
          const last = this.log.lastIndex()
          this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: m.commit, reject: true, rejectHint: last, hintTerm: this.log.term(last) ?? 0, lastIndex: last })
        }
        return
      }
      case 'MsgSnap':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleSnapshot(m)
        return
      case 'MsgTimeoutNow':
        if (this.promotable()) this.campaign(true)
        return
      case 'MsgAppResp':
      case 'MsgHeartbeatResp':
      case 'MsgSnapResp':
      case 'MsgVoteResp':
      case 'MsgPreVoteResp':
        // Nothing for a follower to do: answers to a leadership or a campaign it no longer runs.
        return
      case 'MsgVote':
      case 'MsgPreVote':
        // Answered by step before the role dispatch.
        return
      default:
        exhaustive(m.type)
    }
  }

  private handleAppend(m: Message): void {
    const prevIndex = typeof m.index === 'number' ? m.index : -1
    const prevTerm = typeof m.logTerm === 'number' ? m.logTerm : -1
    const ents = Array.isArray(m.entries) ? m.entries : []
    if (prevIndex < 0) return
    if (prevIndex < this.log.committed) {
      this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: this.log.committed })
      return
    }
    if (this.log.matchTerm(prevIndex, prevTerm)) {
      // Our log matches the leader's up to prevIndex: a joining node learns the configuration it starts from.
      if (m.conf && this.conf.adoptJoinConf(m.conf, prevIndex)) this.confChanged()
      const lastNew = prevIndex + ents.length
      // Find the first entry we do not already have; only a real conflict truncates (a reordered, older append
      // must not cut entries a newer one added).
      let k = 0
      while (k < ents.length && this.log.matchTerm(ents[k].index, ents[k].term)) k++
      if (k < ents.length) {
        let rest = ents.slice(k)
        if (this.unsafe.noTruncateOnConflict) {
          // Deliberate bug: keep our conflicting entries, take only what lies beyond our log.
          const last = this.log.lastIndex()
          rest = rest.filter((e) => e.index > last)
        }
        if (rest.length > 0) {
          const truncated = rest[0].index <= this.log.lastIndex()
          this.log.truncateAndAppend(rest)
          if (truncated && rest[0].index <= this.conf.index) this.recomputeConf()
          else this.confAfterAppend(rest)
        }
      }
      const c = typeof m.commit === 'number' ? Math.min(m.commit, lastNew) : 0
      if (c > this.log.committed) this.log.commitTo(Math.min(c, this.log.lastIndex()))
      this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: lastNew })
      return
    }
    // Reject with a hint: the last index that could match, given the leader's term at prevIndex.
    const hintIndex = this.log.findConflictByTerm(Math.min(prevIndex, this.log.lastIndex()), prevTerm)
    const hintTerm = this.log.term(hintIndex) ?? 0
    this.send({
      type: 'MsgAppResp',
      from: this.id,
      to: m.from,
      term: this.term,
      index: prevIndex,
      reject: true,
      rejectHint: hintIndex,
      hintTerm,
      lastIndex: this.log.lastIndex(),
    })
  }

  private handleSnapshot(m: Message): void {
    const meta = m.snapshot
    if (!meta || typeof meta.index !== 'number' || typeof meta.term !== 'number' || !Array.isArray(meta.voters)) return
    const offset = typeof m.offset === 'number' ? m.offset : -1
    const data = typeof m.data === 'string' ? m.data : ''
    if (meta.index <= this.log.committed) {
      this.incoming = null
      this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: this.log.committed })
      return
    }
    if (offset === 0) this.incoming = { meta, chunks: [], received: 0 }
    const inc = this.incoming
    if (!inc || inc.meta.index !== meta.index || inc.meta.term !== meta.term || offset !== inc.received) {
      // Out of order or a different snapshot: tell the leader where to resume.
      const resume = inc && inc.meta.index === meta.index && inc.meta.term === meta.term ? inc.received : 0
      this.send({ type: 'MsgSnapResp', from: this.id, to: m.from, term: this.term, index: meta.index, offset: resume })
      return
    }
    inc.chunks.push(data)
    inc.received += data.length
    if (!m.done) {
      this.send({ type: 'MsgSnapResp', from: this.id, to: m.from, term: this.term, index: meta.index, offset: inc.received })
      return
    }
    this.incoming = null
    const snap: Snapshot = {
      index: meta.index,
      term: meta.term,
      voters: [...meta.voters],
      learners: [...(meta.learners ?? [])],
      data: inc.chunks.join(''),
    }
    if (this.log.matchTerm(snap.index, snap.term)) {
      // We already have the snapshot's last entry: everything up to it is committed, nothing to restore. Only
      // snap.index is known to match the leader: entries after it may be a stale tail of an older term, so the
      // answer must not claim them (the leader would count them as replicated).
      this.log.commitTo(snap.index)
      this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: snap.index })
      return
    }
    this.log.restore(snap)
    this.recomputeConf()
    this.send({ type: 'MsgAppResp', from: this.id, to: m.from, term: this.term, index: this.log.lastIndex() })
  }

  // ---------------------------------------------------------------- client-facing operations

  private requireLeader(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.id, this.lead)
  }

  private refuseDuringTransfer(): void {
    if (this.leadTransferee !== null) {
      throw new Error(`leadership transfer from ${this.id} to ${this.leadTransferee} is under way; proposals are refused until it ends`)
    }
  }

  propose(data: string): { index: number; term: number } {
    this.requireLeader()
    this.refuseDuringTransfer()
    if (typeof data !== 'string') throw new TypeError('proposal data must be a string')
    const e = this.appendEntries([{ index: 0, term: 0, kind: 'command', data }])
    return { index: e.index, term: e.term }
  }

  proposeConfChange(c: ConfChange): { index: number; term: number } {
    this.requireLeader()
    this.refuseDuringTransfer()
    checkConfChange(c)
    if (this.pendingConfIndex > this.log.committed) {
      throw new Error(`a configuration change (index ${this.pendingConfIndex}) is not committed yet; one change at a time`)
    }
    if (this.log.term(this.log.committed) !== this.term) {
      throw new Error(`${this.id} has not committed an entry of its term ${this.term} yet; configuration changes wait for that`)
    }
    const data = confChangeData(this.conf, c)
    const e = this.appendEntries([{ index: 0, term: 0, kind: 'config', data }])
    this.pendingConfIndex = e.index
    return { index: e.index, term: e.term }
  }

  transferLeadership(to: NodeId): void {
    this.requireLeader()
    if (to === this.id) throw new Error(`${to} is already the leader`)
    if (!this.isVoter(to)) {
      throw new Error(this.conf.learners.includes(to) ? `${to} is a learner and cannot lead` : `${to} is not a member of the cluster`)
    }
    if (this.leadTransferee === to) return
    this.leadTransferee = to
    this.electionElapsed = 0
    const pr = this.tracker.get(to)!
    if (pr.match === this.log.lastIndex()) {
      this.send({ type: 'MsgTimeoutNow', from: this.id, to, term: this.term })
    } else {
      this.sendAppend(to)
    }
  }

  readIndex(ctx: string): void {
    this.requireLeader()
    if (this.unsafe.leaseReadsWithoutCheck) {
      // Deliberate bug: answer from local state, without confirming that we still lead.
      this.reads.answer(ctx, this.log.committed)
      return
    }
    if (this.log.term(this.log.committed) !== this.term) {
      // Until it commits an entry of its term, a new leader does not know the true commit index (section 8).
      this.reads.awaitCommit(ctx)
      return
    }
    if (!this.reads.request(ctx, this.log.committed, this.id, this.conf.voters)) this.bcastHeartbeat(ctx)
  }
}
