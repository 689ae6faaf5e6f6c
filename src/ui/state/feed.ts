/**
 * The screen's model of the running cluster, fed by the scheduler's event stream. Plain data, no Svelte: the
 * cluster emits thousands of events per virtual second, so each one only updates a map or appends to a ring,
 * and the frame loop (scene.svelte.ts) reads these structures when it draws and publishes.
 */
import type { Message, NodeId, Role } from '../../raft/types.ts'
import type { ClientOp, ClusterEvent, NodeState } from '../../browser/scheduler.ts'
import type { DropReason } from '../../world/network.ts'
import type { NodeSummary, Recovery } from '../../node/protocol.ts'
import { classify, pairKey, type MsgInfo } from './messages.ts'
import type { Category, EventRecord, RecordData, RoleCause, VoteRefusal } from './records.ts'

export interface NodeLive {
  id: NodeId
  state: NodeState
  error?: string
  summary: NodeSummary | null
  /** Virtual time of the last summary (the election timer ring interpolates from it). */
  summaryAt: number
  /** Messages waiting in a paused node's inbox. */
  held: number
  recovery?: Recovery
  /**
   * A short sentence drawn beside the node on the graph (wall-clock time it was set): why an action the user took
   * on it had no visible effect, e.g. a forced election timeout on a follower that still hears its leader.
   */
  callout?: { text: string; wall: number }
}

/** Why a forced timeout came to nothing, for the graph's callout (the UI puts it into words). */
export type ForcedOutcome = { k: 'leaderAlive'; leader: NodeId | null } | { k: 'leaderFound'; leader: NodeId | null } | { k: 'preVoteLost' }

/** One copy of a message on the wire, as drawn on the graph. */
export interface Token {
  id: number
  msg: Message
  info: MsgInfo
  sentAt: number
  arriveAt: number
  /** flying: on its way; dropped: lost by the network halfway; lost: arrived at a dead node; held: waits in an inbox. */
  fate: 'flying' | 'dropped' | 'lost' | 'held' | 'removed'
  dropReason?: DropReason
  /** Virtual time at which it stops moving (dropped ones stop halfway, or where the user dropped them). */
  stopAt: number
  /** Virtual time at which it disappears; it fades between stopAt and endAt when it did not arrive. */
  endAt: number
  duplicateOf?: number
}

/** A brief glow on an edge: a heartbeat, or a message lost there. Wall-clock time. */
export interface Pulse {
  wall: number
  lost: boolean
}

const RING = 20_000
/** How long (virtual ms) a forced timeout's outcome is watched for. */
const FORCED_WATCH_MS = 5000
/** When the tab is hidden no frame prunes the tokens; past this many they are pruned by the scheduler's clock. */
const TOKEN_LIMIT = 4000

/** How a link estimate its travel time for a message that never got a delivery time (dropped at send). */
export type TravelEstimate = (from: NodeId, to: NodeId) => number

export class Feed {
  readonly nodes = new Map<NodeId, NodeLive>()
  readonly tokens = new Map<number, Token[]>()
  readonly pulses = new Map<string, Pulse>()
  /** The event log: a ring of the last RING records, oldest first from `start`. */
  private ring: EventRecord[] = []
  private ringStart = 0
  private seqNo = 0
  /** The user's client operations (client names starting with "you"), newest last. */
  readonly myOps = new Map<number, ClientOp>()
  /** Bumped whenever anything a log timeline draws may have changed. */
  logVersion = 0
  /** Bumped whenever a node's state, role or membership changes (graph structure and classes). */
  structVersion = 0
  /** Bumped for every record and client op. */
  version = 0
  /** Wall-clock time stamped on pulses; the frame loop keeps it current. */
  wall = 0
  tokenCount = 0
  /** Nodes the user told to campaign, so the narration can say so. */
  private forced = new Set<NodeId>()
  /** Nodes told to campaign, watched until their pre-vote ends: a pre-vote that fails changes nothing visible. */
  private forcedWatch = new Map<NodeId, { at: number; leaderAlive: NodeId | null | undefined }>()
  /** Puts a forced timeout's outcome into words (set by the Lab; the Feed stays free of strings). */
  calloutText: (o: ForcedOutcome) => string = (o) => o.k
  /** Nodes that just received TimeoutNow. */
  private transferTo = new Set<NodeId>()
  /** Votes a candidate has received in its current election (itself included), for "wins with 3 of 5 votes". */
  private grants = new Map<NodeId, { term: number; votes: number }>()
  private storageVolatile: () => boolean
  private travel: TravelEstimate
  private nowFn: () => number

  constructor(opts: { travel: TravelEstimate; volatile: () => boolean; now: () => number }) {
    this.travel = opts.travel
    this.storageVolatile = opts.volatile
    this.nowFn = opts.now
  }

  /** Forget everything (a new cluster). */
  reset(): void {
    this.nodes.clear()
    this.tokens.clear()
    this.pulses.clear()
    this.ring = []
    this.ringStart = 0
    this.myOps.clear()
    this.tokenCount = 0
    this.forced.clear()
    this.forcedWatch.clear()
    this.transferTo.clear()
    this.grants.clear()
    this.logVersion++
    this.structVersion++
    this.version++
  }

  node(id: NodeId): NodeLive {
    let n = this.nodes.get(id)
    if (!n) {
      n = { id, state: 'starting', summary: null, summaryAt: 0, held: 0 }
      this.nodes.set(id, n)
      this.structVersion++
    }
    return n
  }

  /** The user asked `id` to campaign; its next role change is narrated as forced. */
  markForced(id: NodeId): void {
    this.forced.add(id)
    this.forcedWatch.set(id, { at: this.nowFn(), leaderAlive: undefined })
  }

  /** Show `text` beside node `id` on the graph for a few seconds. */
  callout(id: NodeId, text: string): void {
    // The frame loop's clock may be stale while nothing moves; the callout's few seconds start now.
    this.node(id).callout = { text, wall: typeof performance === 'undefined' ? this.wall : performance.now() }
    this.structVersion++
  }

  // ---------------------------------------------------------------- records

  get recordCount(): number {
    return this.ring.length
  }

  /** Records in order, oldest first. */
  forEachRecord(f: (r: EventRecord) => void): void {
    const n = this.ring.length
    for (let i = 0; i < n; i++) f(this.ring[(this.ringStart + i) % n])
  }

  lastRecord(): EventRecord | undefined {
    const n = this.ring.length
    return n === 0 ? undefined : this.ring[(this.ringStart + n - 1) % n]
  }

  private record(at: number, cat: Category, nodes: NodeId[], d: RecordData, msgId?: number): void {
    const r: EventRecord = { seq: ++this.seqNo, at, cat, nodes, d }
    if (msgId !== undefined) r.msgId = msgId
    if (this.ring.length < RING) this.ring.push(r)
    else {
      this.ring[this.ringStart] = r
      this.ringStart = (this.ringStart + 1) % RING
    }
    this.version++
  }

  /** A sentence of the UI's own (the user's actions). */
  note(text: string, nodes: NodeId[] = [], cat: Category = 'you'): void {
    this.record(this.nowFn(), cat, nodes, { k: 'note', text })
  }

  // ---------------------------------------------------------------- events

  handle(e: ClusterEvent): void {
    switch (e.type) {
      case 'summary':
        this.onSummary(e.node, e.summary, e.at)
        break
      case 'sent':
        this.onSent(e)
        break
      case 'delivered':
        if (e.msg.type === 'MsgTimeoutNow') this.transferTo.add(e.msg.to)
        else if (e.msg.type === 'MsgVoteResp' && !e.msg.reject) {
          const g = this.grants.get(e.msg.to)
          if (g && g.term === e.msg.term) g.votes++
        }
        break
      case 'lost':
        this.onLost(e.id, e.msg, e.at, e.reason)
        break
      case 'held': {
        const list = this.tokens.get(e.id)
        const t = list?.find((x) => x.arriveAt === e.at && x.fate === 'flying')
        if (t) t.fate = 'held'
        this.node(e.msg.to).held++
        this.structVersion++
        this.record(e.at, 'fault', [e.msg.to, e.msg.from], { k: 'held', msg: e.msg }, e.id)
        break
      }
      case 'nodeState': {
        const n = this.node(e.node)
        n.state = e.state
        n.error = e.error
        if (e.state !== 'paused') n.held = 0
        this.structVersion++
        this.logVersion++
        this.record(e.at, 'fault', [e.node], { k: 'state', node: e.node, state: e.state, error: e.error, volatile: this.storageVolatile() })
        break
      }
      case 'nodeEvent': {
        const ev = e.event
        switch (ev.type) {
          case 'applied':
            this.record(e.at, 'storage', [e.node], { k: 'applied', node: e.node, from: ev.from, to: ev.to })
            break
          case 'persisted':
            this.record(e.at, 'storage', [e.node], { k: 'persisted', node: e.node, entries: ev.entries, hardState: ev.hardState })
            break
          case 'snapshotTaken':
            this.logVersion++
            this.record(e.at, 'replication', [e.node], { k: 'snapshotTaken', node: e.node, index: ev.index, term: ev.term })
            break
          case 'snapshotInstalled':
            this.logVersion++
            this.record(e.at, 'replication', [e.node], { k: 'snapshotInstalled', node: e.node, index: ev.index, term: ev.term })
            break
          case 'error':
            this.record(e.at, 'fault', [e.node], { k: 'nodeError', node: e.node, message: ev.message })
            break
          case 'readServed':
            break
        }
        break
      }
      case 'recovered':
        this.node(e.node).recovery = e.recovery
        this.record(e.at, 'fault', [e.node], { k: 'recovered', node: e.node, recovery: e.recovery, volatile: this.storageVolatile() })
        break
      case 'client': {
        const op = e.op
        if (op.client.startsWith('you')) {
          this.myOps.set(op.id, op)
          if (this.myOps.size > 200) this.myOps.delete(this.myOps.keys().next().value as number)
        }
        const waited = e.at - op.invoke
        this.record(e.at, 'client', op.node ? [op.node] : [], { k: 'client', op, waited })
        break
      }
      case 'admin':
        this.record(e.at, 'you', [e.node], { k: 'admin', node: e.node, what: e.what, ok: e.ok, error: e.error })
        break
      case 'tick':
        break
    }
  }

  private onSummary(id: NodeId, sum: NodeSummary, at: number): void {
    const n = this.node(id)
    const prev = n.summary
    n.summary = sum
    n.summaryAt = at
    // A leader's progress changes with nearly every reply; its followers' match/next markers follow it.
    if (
      !prev ||
      prev.lastIndex !== sum.lastIndex ||
      prev.commit !== sum.commit ||
      prev.applied !== sum.applied ||
      prev.firstIndex !== sum.firstIndex ||
      prev.term !== sum.term ||
      prev.role !== sum.role ||
      progressChanged(prev, sum)
    ) {
      this.logVersion++
    }
    if (!prev) {
      this.structVersion++
      return
    }
    if (prev.role !== sum.role || prev.voters.length !== sum.voters.length || prev.learners.length !== sum.learners.length || prev.leader !== sum.leader) {
      this.structVersion++
    }
    if (sum.role === 'candidate' && (prev.role !== 'candidate' || prev.term !== sum.term)) this.grants.set(id, { term: sum.term, votes: 1 })
    this.watchForced(id, prev, sum)
    if (prev.role !== sum.role) {
      const cause = roleCause(prev, sum, this.forced.has(id), this.transferTo.has(id))
      const won = this.grants.get(id)
      this.forced.delete(id)
      this.transferTo.delete(id)
      this.record(at, 'election', [id], {
        k: 'role',
        node: id,
        from: prev.role,
        to: sum.role,
        term: sum.term,
        prevTerm: prev.term,
        cause,
        // The summary resets its vote count on becoming leader; count the grants that reached the candidate.
        votes: sum.role === 'leader' && won && won.term === sum.term ? won.votes : sum.votesGranted,
        voters: sum.voters.length,
      })
    } else if (sum.term > prev.term) {
      if (sum.role === 'candidate') {
        const cause: RoleCause = this.forced.has(id) ? 'forced' : this.transferTo.has(id) ? 'transfer' : 'timer'
        this.forced.delete(id)
        this.transferTo.delete(id)
        this.record(at, 'election', [id], { k: 'role', node: id, from: prev.role, to: sum.role, term: sum.term, prevTerm: prev.term, cause, votes: sum.votesGranted, voters: sum.voters.length })
      } else {
        this.record(at, 'election', [id], { k: 'term', node: id, term: sum.term, prevTerm: prev.term })
      }
    } else if (sum.role === 'precandidate' && prev.role === 'precandidate' && sum.electionElapsed < prev.electionElapsed && this.forced.has(id)) {
      this.forced.delete(id)
    }
    if (sum.role === 'leader' && prev.role === 'leader' && sum.commit > prev.commit) {
      this.record(at, 'replication', [id], { k: 'commit', node: id, from: prev.commit + 1, to: sum.commit })
    }
  }

  /** A node told to campaign whose pre-vote failed is back where it was: say why beside it on the graph. */
  private watchForced(id: NodeId, prev: NodeSummary, sum: NodeSummary): void {
    const w = this.forcedWatch.get(id)
    if (!w) return
    // A pre-vote lasts an election timeout or so; an old mark must not explain a later, natural election.
    if (this.nowFn() - w.at > FORCED_WATCH_MS) {
      this.forcedWatch.delete(id)
      return
    }
    if (prev.role === sum.role && prev.term === sum.term) return
    if (prev.role === 'precandidate' && sum.role === 'follower' && sum.term === prev.term) {
      const cause = roleCause(prev, sum, true, false)
      let o: ForcedOutcome
      if (w.leaderAlive !== undefined) o = { k: 'leaderAlive', leader: w.leaderAlive }
      else if (cause === 'leaderFound') o = { k: 'leaderFound', leader: sum.leader }
      else o = { k: 'preVoteLost' }
      this.callout(id, this.calloutText(o))
      this.forcedWatch.delete(id)
      return
    }
    // Any other change (it became precandidate, candidate, or moved term) is visible by itself.
    if (!(sum.role === 'precandidate' && prev.term === sum.term)) this.forcedWatch.delete(id)
  }

  private onSent(e: Extract<ClusterEvent, { type: 'sent' }>): void {
    const m = e.msg
    const info = classify(m)
    const list: Token[] = []
    if (e.dropped) {
      const travel = Math.max(1, this.travel(m.from, m.to))
      list.push({ id: e.id, msg: m, info, sentAt: e.at, arriveAt: e.at + travel, fate: 'dropped', dropReason: e.dropped, stopAt: e.at + travel / 2, endAt: e.at + travel })
    } else {
      for (const t of e.deliverAt) list.push({ id: e.id, msg: m, info, sentAt: e.at, arriveAt: t, fate: 'flying', stopAt: t, endAt: t, duplicateOf: e.duplicateOf })
    }
    if (list.length > 0) {
      this.tokens.set(e.id, list)
      this.tokenCount += list.length
      if (this.tokenCount > TOKEN_LIMIT) this.prune(this.nowFn())
    }
    if (info.kind === 'heartbeat' || e.dropped) this.pulses.set(pairKey(m.from, m.to), { wall: this.wall, lost: !!e.dropped })
    const nodes = [m.from, m.to]
    if (e.duplicateOf !== undefined) {
      this.record(e.at, 'you', nodes, { k: 'duplicated', msg: m }, e.id)
      return
    }
    if (e.dropped) {
      this.record(e.at, 'network', nodes, { k: 'dropped', msg: m, reason: e.dropped }, e.id)
      return
    }
    const cat: Category = info.kind === 'heartbeat' ? 'heartbeat' : info.kind === 'vote' || info.kind === 'prevote' || info.kind === 'timeout' ? 'election' : 'replication'
    if ((m.type === 'MsgVoteResp' || m.type === 'MsgPreVoteResp') && m.reject) {
      const voter = this.nodes.get(m.from)?.summary
      const cand = this.nodes.get(m.to)?.summary
      const why = refusal(m, voter ?? null, cand ?? null)
      const w = this.forcedWatch.get(m.to)
      if (w && why === 'leaderAlive') w.leaderAlive = voter?.leader ?? null
      this.record(e.at, cat, nodes, { k: 'voteReply', msg: m, refusal: refusal(m, voter ?? null, cand ?? null), votedFor: voter?.vote ?? null, voterTerm: voter?.term ?? m.term, leader: voter?.leader ?? null }, e.id)
      return
    }
    this.record(e.at, cat, nodes, { k: 'msg', msg: m, copies: e.deliverAt.length }, e.id)
  }

  private onLost(id: number, m: Message, at: number, reason: 'down' | 'removed' | 'dropped'): void {
    const list = this.tokens.get(id)
    if (list) {
      for (const t of list) {
        if (reason === 'dropped') {
          if (t.fate !== 'flying') continue
          t.fate = 'dropped'
          t.stopAt = Math.max(t.sentAt, Math.min(at, t.arriveAt))
          t.endAt = t.stopAt + Math.max(2, (t.arriveAt - t.sentAt) * 0.5)
          t.arriveAt = t.endAt
        } else if (t.arriveAt === at && t.fate === 'flying') {
          t.fate = reason === 'removed' ? 'removed' : 'lost'
          t.endAt = at + Math.max(2, (t.arriveAt - t.sentAt) * 0.5)
          break
        }
      }
    }
    this.pulses.set(pairKey(m.from, m.to), { wall: this.wall, lost: true })
    this.record(at, reason === 'dropped' ? 'you' : 'fault', [m.from, m.to], { k: 'lost', msg: m, reason }, id)
  }

  /** Forget tokens that are gone by virtual time `t`. */
  prune(t: number): void {
    let count = 0
    for (const [id, list] of this.tokens) {
      let keep = 0
      for (const tok of list) if (tok.endAt >= t) list[keep++] = tok
      list.length = keep
      if (keep === 0) this.tokens.delete(id)
      count += keep
    }
    this.tokenCount = count
  }
}

function progressChanged(a: NodeSummary, b: NodeSummary): boolean {
  const pa = a.progress
  const pb = b.progress
  if (!pa || !pb) return pa !== pb
  for (const k in pb) {
    const x = pa[k]
    const y = pb[k]
    if (!x || x.match !== y.match || x.next !== y.next || x.state !== y.state) return true
  }
  return false
}

function roleCause(prev: NodeSummary, sum: NodeSummary, forced: boolean, transfer: boolean): RoleCause {
  const to: Role = sum.role
  if (to === 'precandidate') return forced ? 'forced' : 'timer'
  if (to === 'candidate') {
    if (transfer) return 'transfer'
    if (prev.role === 'precandidate') return 'prevoteWon'
    return forced ? 'forced' : 'timer'
  }
  if (to === 'leader') return 'won'
  // to follower
  if (sum.term > prev.term) return 'higherTerm'
  if (prev.role === 'leader') return 'lostQuorum'
  if ((prev.role === 'candidate' || prev.role === 'precandidate') && prev.votesRejected * 2 > prev.voters.length) return 'lostVote'
  if (sum.leader) return 'leaderFound'
  return 'other'
}

function refusal(m: Message, voter: NodeSummary | null, cand: NodeSummary | null): VoteRefusal {
  if (!voter) return 'unknown'
  const pre = m.type === 'MsgPreVoteResp'
  if (!pre && cand && voter.term > cand.term) return 'staleTerm'
  if (!pre && voter.vote && voter.vote !== m.to && voter.term === m.term) return 'alreadyVoted'
  if (pre && voter.leader && (voter.role === 'follower' || voter.role === 'leader')) return 'leaderAlive'
  return 'logBehind'
}
