/**
 * Cluster metrics derived from the scheduler's event stream (the same events the screen draws), in virtual time.
 * Plain data, no Svelte and no DOM, so unit tests feed known events and check the numbers.
 *
 * Everything is bounded: counts live in a ring of `buckets` fixed-width time buckets, latency samples in rings
 * of `samples` entries, and per-index bookkeeping (append and commit times) is cleared as entries commit and
 * apply, and dropped when the leader changes.
 *
 * "A leader able to commit" is measured the way check-quorum decides it: a node that says it is leader, is up, and
 * has heard from a majority of the voters (itself included) within one election timeout. A new leader counts as
 * having heard from its voters when it won. When it stops being able (crashed, paused, stepped down, superseded,
 * or no quorum heard from for an election timeout), it is counted as lost at the last moment it was known able:
 * the time of the event, or the time it last heard from a quorum. The election latency is the time from that
 * loss to the moment a leader of a newer term is elected.
 */
import type { Message, NodeId } from '../../raft/types.ts'
import type { ClusterEvent, NodeState } from '../../browser/scheduler.ts'
import type { NodeSummary } from '../../node/protocol.ts'
import { classify, MSG_KINDS, type MsgKind } from '../state/messages.ts'

export interface MetricsOptions {
  /** Width of one bucket in virtual milliseconds. */
  bucketMs: number
  /** Buckets kept (the plots' time span is bucketMs * buckets). */
  buckets: number
  /** Latency samples kept per kind. */
  samples: number
  /** Commit latency percentiles are taken over the samples of this many virtual milliseconds. */
  latencyWindowMs: number
  /** A leader that has heard from no quorum for this long cannot commit (electionTick * tickMs). */
  electionTimeoutMs: number
}

export const DEFAULT_METRICS: MetricsOptions = { bucketMs: 100, buckets: 300, samples: 4096, latencyWindowMs: 2000, electionTimeoutMs: 100 }

/** Counts of one bucket of virtual time [start, start + bucketMs). */
export interface Bucket {
  start: number
  /** Leaders elected for a newer term. */
  elections: number
  /** Nodes that became candidate (real campaigns, after any pre-vote). */
  campaigns: number
  /** Election latencies that ended in this bucket (ms). */
  electionLatency: number[]
  /** Entries committed by the leader. */
  commits: number
  /** Entries applied by the leader's state machine. */
  applied: number
  /** AppendEntries replies that said no. */
  rejectedAppends: number
  /** Messages sent, by kind. */
  msgs: Record<MsgKind, number>
  /** Milliseconds of this bucket during which a leader able to commit existed (final once the interval closed). */
  ableMs: number
  /** Filled when the bucket closes: */
  commitP50: number | null
  commitP99: number | null
  applyP50: number | null
  /** Entries each node is behind the leader (leader's last index minus the node's match), when there is a leader. */
  behind: Record<NodeId, number>
}

interface LeaderRun {
  id: NodeId
  term: number
  /** When it won. */
  since: number
  /** When each peer last answered it (AppendEntries or heartbeat reply of its term). */
  acks: Map<NodeId, number>
  voters: NodeId[]
}

/** A ring of (time, value) samples. */
class SampleRing {
  readonly t: Float64Array
  readonly v: Float64Array
  private next = 0
  size = 0
  readonly cap: number
  constructor(cap: number) {
    this.cap = cap
    this.t = new Float64Array(cap)
    this.v = new Float64Array(cap)
  }
  push(t: number, v: number): void {
    this.t[this.next] = t
    this.v[this.next] = v
    this.next = (this.next + 1) % this.cap
    if (this.size < this.cap) this.size++
  }
  /** Values with time in (from, to]. */
  between(from: number, to: number): number[] {
    const out: number[] = []
    for (let i = 0; i < this.size; i++) if (this.t[i] > from && this.t[i] <= to) out.push(this.v[i])
    return out
  }
  clear(): void {
    this.next = 0
    this.size = 0
  }
}

/** The p-th percentile (0..1) of `xs` by nearest rank; null when empty. Sorts `xs`. */
export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null
  xs.sort((a, b) => a - b)
  const rank = Math.ceil(p * xs.length)
  return xs[Math.min(xs.length - 1, Math.max(0, rank - 1))]
}

/** Per-index bookkeeping is capped so that a leader that never commits cannot grow it without limit. */
const PENDING_LIMIT = 20_000

function emptyMsgs(): Record<MsgKind, number> {
  const m = {} as Record<MsgKind, number>
  for (const k of MSG_KINDS) m[k] = 0
  return m
}

/** What a node looks like to the health table right now. */
export interface NodeHealth {
  id: NodeId
  state: NodeState
  role: NodeSummary['role'] | null
  term: number | null
  /** Virtual ms since it last received AppendEntries or a heartbeat from the leader (null for the leader or unknown). */
  heartbeatLag: number | null
  /** Entries behind the leader (null when there is no leader or the leader does not track it). */
  behind: number | null
}

export interface MetricsSummary {
  /** Virtual time from which the metrics were observed. */
  since: number
  now: number
  elections: number
  campaigns: number
  /** Won campaigns / campaigns over the span, null without campaigns. */
  winShare: number | null
  electionLatency: { last: number | null; mean: number | null; count: number }
  commitP50: number | null
  commitP99: number | null
  /** Entries committed per virtual second over the last latency window. */
  commitRate: number
  rejectedRate: number
  applyP50: number | null
  applyRate: number
  /** Share of the observed span with a leader able to commit (0..1). */
  leaderShare: number | null
  leader: NodeId | null
  msgRate: Record<MsgKind, number>
  nodes: NodeHealth[]
}

export class Metrics {
  readonly opts: MetricsOptions
  private ring: Bucket[] = []
  /** Index of the first bucket in `ring` by time (bucket i covers [i * bucketMs, (i + 1) * bucketMs)). */
  private firstIdx = 0
  private curIdx = 0
  private startedAt: number
  now: number

  private summaries = new Map<NodeId, NodeSummary>()
  private states = new Map<NodeId, NodeState>()
  private leaders = new Map<NodeId, LeaderRun>()
  private able: LeaderRun | null = null
  private ableSince = 0
  /** Since when no leader could commit (null while one can). */
  private lostAt: number | null
  /** Highest term of a leader that was able to commit. */
  private ableTerm = 0
  /** Highest term for which a leader was elected (each new one is one election). */
  private electedTerm = 0
  /** When the leader appended each of its uncommitted entries. */
  private appendAt = new Map<number, number>()
  /** When the leader committed each entry it has not applied yet. */
  private commitAt = new Map<number, number>()
  private lastFromLeader = new Map<NodeId, number>()
  private commitLat: SampleRing
  private applyLat: SampleRing
  private electLat: SampleRing
  private lastElection: number | null = null

  constructor(start: number, opts: Partial<MetricsOptions> = {}) {
    this.opts = { ...DEFAULT_METRICS, ...opts }
    this.startedAt = start
    this.now = start
    this.lostAt = start
    this.commitLat = new SampleRing(this.opts.samples)
    this.applyLat = new SampleRing(this.opts.samples)
    this.electLat = new SampleRing(256)
    this.firstIdx = this.curIdx = Math.floor(start / this.opts.bucketMs)
    this.ring.push(this.newBucket(this.curIdx))
  }

  /**
   * Start from the nodes as they are now (the metrics were opened on a running cluster): a node that is leader
   * counts as having just won, without an election latency, since its election was not observed.
   */
  seed(nodes: { id: NodeId; state: NodeState; summary: NodeSummary | null }[]): void {
    for (const n of nodes) {
      this.states.set(n.id, n.state)
      if (!n.summary) continue
      this.summaries.set(n.id, n.summary)
      if (n.summary.role === 'leader') {
        this.leaders.set(n.id, { id: n.id, term: n.summary.term, since: this.now, acks: new Map(), voters: n.summary.voters })
        this.electedTerm = Math.max(this.electedTerm, n.summary.term)
        this.ableTerm = Math.max(this.ableTerm, n.summary.term)
      }
    }
    this.reevaluate(this.now)
  }

  setElectionTimeout(ms: number): void {
    this.opts.electionTimeoutMs = Math.max(1, ms)
  }

  get since(): number {
    return this.startedAt
  }

  // ---------------------------------------------------------------- buckets

  private newBucket(idx: number): Bucket {
    return {
      start: idx * this.opts.bucketMs,
      elections: 0,
      campaigns: 0,
      electionLatency: [],
      commits: 0,
      applied: 0,
      rejectedAppends: 0,
      msgs: emptyMsgs(),
      ableMs: 0,
      commitP50: null,
      commitP99: null,
      applyP50: null,
      behind: {},
    }
  }

  private bucketAt(idx: number): Bucket | null {
    if (idx < this.firstIdx || idx > this.curIdx) return null
    return this.ring[idx - this.firstIdx]
  }

  private get cur(): Bucket {
    return this.ring[this.ring.length - 1]
  }

  /** Move virtual time forward to `t`, closing every bucket that ended. */
  advance(t: number): void {
    if (t < this.now) return
    this.now = t
    const idx = Math.floor(t / this.opts.bucketMs)
    if (idx === this.curIdx) return
    this.closeBucket(this.cur)
    // A long jump (fast forward with nothing observed) leaves empty buckets; at most a ring's worth of them.
    let next = Math.max(this.curIdx + 1, idx - this.opts.buckets + 1)
    if (next > this.curIdx + 1) {
      this.ring = []
      this.firstIdx = next
    }
    for (; next <= idx; next++) {
      const b = this.newBucket(next)
      this.ring.push(b)
      this.curIdx = next
      if (next < idx) this.closeBucket(b)
    }
    while (this.ring.length > this.opts.buckets) {
      this.ring.shift()
      this.firstIdx++
    }
    this.reevaluate(t)
  }

  private closeBucket(b: Bucket): void {
    const end = b.start + this.opts.bucketMs
    const lat = this.commitLat.between(end - this.opts.latencyWindowMs, end)
    b.commitP50 = percentile(lat, 0.5)
    b.commitP99 = percentile(lat, 0.99)
    b.applyP50 = percentile(this.applyLat.between(end - this.opts.latencyWindowMs, end), 0.5)
    b.behind = this.behindNow()
  }

  private behindNow(): Record<NodeId, number> {
    const out: Record<NodeId, number> = {}
    const l = this.able ?? this.highestLeader()
    const sum = l ? this.summaries.get(l.id) : undefined
    if (!sum?.progress) return out
    for (const [id, p] of Object.entries(sum.progress)) out[id] = Math.max(0, sum.lastIndex - p.match)
    out[sum.id] = 0
    return out
  }

  private highestLeader(): LeaderRun | null {
    let best: LeaderRun | null = null
    for (const r of this.leaders.values()) if (this.states.get(r.id) === 'up' && (!best || r.term > best.term)) best = r
    return best
  }

  // ---------------------------------------------------------------- leader able to commit

  /** The last time `r` is known to have heard from a quorum of its voters (itself counted at `t`). */
  private quorumTime(r: LeaderRun, t: number): number {
    const voters = r.voters.length > 0 ? r.voters : [r.id]
    const q = Math.floor(voters.length / 2) + 1
    const self = voters.includes(r.id) ? 1 : 0
    const need = q - self
    if (need <= 0) return t
    const times: number[] = []
    for (const v of voters) if (v !== r.id) times.push(Math.max(r.since, r.acks.get(v) ?? -Infinity))
    times.sort((a, b) => b - a)
    return need <= times.length ? times[need - 1] : r.since
  }

  private isAble(r: LeaderRun, t: number): boolean {
    return this.states.get(r.id) === 'up' && t - this.quorumTime(r, t) <= this.opts.electionTimeoutMs
  }

  /** Decide which leader (if any) can commit at `t`, closing and opening intervals. */
  private reevaluate(t: number): void {
    let best: LeaderRun | null = null
    for (const r of this.leaders.values()) if (this.isAble(r, t) && (!best || r.term > best.term)) best = r
    if (this.able && best !== this.able) {
      const old = this.able
      // Still leader and up: it faded (no quorum heard) or was superseded; it was last known able at its quorum time.
      const end = this.leaders.get(old.id) === old && this.states.get(old.id) === 'up' ? Math.min(t, this.quorumTime(old, t)) : t
      this.closeAble(Math.max(this.ableSince, end))
    }
    if (!this.able && best) {
      if (best.term > this.ableTerm && this.lostAt !== null) {
        const lat = Math.max(0, best.since - this.lostAt)
        this.electLat.push(t, lat)
        this.lastElection = lat
        this.cur.electionLatency.push(lat)
      }
      this.ableTerm = Math.max(this.ableTerm, best.term)
      this.able = best
      this.ableSince = Math.max(best.since, this.lostAt ?? best.since)
      this.lostAt = null
    }
  }

  private closeAble(end: number): void {
    this.addAble(this.ableSince, end)
    this.able = null
    this.lostAt = end
  }

  /** Add the interval [a, b) to the buckets' able time. */
  private addAble(a: number, b: number): void {
    const w = this.opts.bucketMs
    for (let i = Math.max(this.firstIdx, Math.floor(a / w)); i <= this.curIdx && i * w < b; i++) {
      const bk = this.bucketAt(i)
      if (!bk) continue
      bk.ableMs += Math.max(0, Math.min(b, bk.start + w) - Math.max(a, bk.start))
    }
  }

  // ---------------------------------------------------------------- events

  handle(e: ClusterEvent): void {
    if (e.at > this.now) this.advance(e.at)
    switch (e.type) {
      case 'summary':
        this.onSummary(e.node, e.summary, e.at)
        break
      case 'sent':
        this.onSent(e.msg)
        break
      case 'delivered':
        this.onDelivered(e.msg, e.at)
        break
      case 'nodeState':
        this.states.set(e.node, e.state)
        if (e.state !== 'up') {
          const r = this.leaders.get(e.node)
          if (r) {
            this.leaders.delete(e.node)
            if (this.able === r) this.closeAble(Math.max(this.ableSince, e.at))
          }
        }
        this.reevaluate(e.at)
        break
      case 'nodeEvent':
        if (e.event.type === 'applied' && this.able?.id === e.node) this.onApplied(e.event.from, e.event.to, e.at)
        break
      default:
        break
    }
  }

  private onSent(m: Message): void {
    const info = classify(m)
    this.cur.msgs[info.kind]++
    if (m.type === 'MsgAppResp' && m.reject) this.cur.rejectedAppends++
  }

  private onDelivered(m: Message, at: number): void {
    const r = this.leaders.get(m.to)
    if (r && m.term === r.term && (m.type === 'MsgAppResp' || m.type === 'MsgHeartbeatResp')) {
      r.acks.set(m.from, at)
      if (this.able === null) this.reevaluate(at)
    }
    const l = this.able
    if (l && m.from === l.id && m.term === l.term && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat')) this.lastFromLeader.set(m.to, at)
  }

  private onSummary(id: NodeId, sum: NodeSummary, at: number): void {
    const prev = this.summaries.get(id)
    this.summaries.set(id, sum)
    if (!this.states.has(id)) this.states.set(id, 'up')
    const becameLeader = sum.role === 'leader' && (!prev || prev.role !== 'leader' || prev.term !== sum.term)
    if (sum.role === 'candidate' && (!prev || prev.role !== 'candidate' || prev.term !== sum.term)) this.cur.campaigns++
    if (becameLeader) {
      if (sum.term > this.electedTerm) {
        this.electedTerm = sum.term
        this.cur.elections++
      }
      this.leaders.set(id, { id, term: sum.term, since: at, acks: new Map(), voters: sum.voters })
      this.lastFromLeader.clear()
      this.reevaluate(at)
    } else if (sum.role !== 'leader' && this.leaders.has(id)) {
      const r = this.leaders.get(id)!
      this.leaders.delete(id)
      if (this.able === r) this.closeAble(Math.max(this.ableSince, at))
      this.reevaluate(at)
    } else if (sum.role === 'leader') {
      const r = this.leaders.get(id)
      if (r) r.voters = sum.voters
    }
    if (this.able?.id !== id) return
    if (becameLeader) {
      this.appendAt.clear()
      this.commitAt.clear()
    }
    // Entries it appended since its last summary (on winning: its no-op); older ones were not seen appended.
    const from = prev ? prev.lastIndex : sum.lastIndex
    for (let i = Math.max(from, sum.commit) + 1; i <= sum.lastIndex && this.appendAt.size < PENDING_LIMIT; i++) {
      if (!this.appendAt.has(i)) this.appendAt.set(i, at)
    }
    if (prev && !becameLeader && sum.commit > prev.commit) {
      this.cur.commits += sum.commit - prev.commit
      for (let i = prev.commit + 1; i <= sum.commit; i++) {
        const a = this.appendAt.get(i)
        if (a !== undefined) {
          this.commitLat.push(at, at - a)
          this.appendAt.delete(i)
        }
        if (this.commitAt.size < PENDING_LIMIT) this.commitAt.set(i, at)
      }
    }
  }

  private onApplied(from: number, to: number, at: number): void {
    this.cur.applied += to - from + 1
    for (let i = from; i <= to; i++) {
      const c = this.commitAt.get(i)
      if (c !== undefined) {
        this.applyLat.push(at, at - c)
        this.commitAt.delete(i)
      }
    }
  }

  // ---------------------------------------------------------------- reading

  /** Closed buckets, oldest first (the open one is still filling). */
  closed(): Bucket[] {
    return this.ring.slice(0, -1)
  }

  /** The able time of bucket `b`, including the part of the interval still open. */
  ableMs(b: Bucket): number {
    let ms = b.ableMs
    if (this.able) {
      const end = Math.min(this.now, b.start + this.opts.bucketMs)
      ms += Math.max(0, end - Math.max(this.ableSince, b.start))
    }
    return ms
  }

  /** Election latency samples (ms) observed, oldest first among the kept ones. */
  electionLatencies(): number[] {
    return this.electLat.between(-Infinity, Infinity)
  }

  /** Commit latencies of the last latency window, for the histogram. */
  commitLatencies(): number[] {
    return this.commitLat.between(this.now - this.opts.latencyWindowMs, this.now)
  }

  summary(): MetricsSummary {
    const now = this.now
    const buckets = this.ring
    let elections = 0
    let campaigns = 0
    let ableMs = 0
    const spanStart = Math.max(this.startedAt, buckets[0].start)
    for (const b of buckets) {
      elections += b.elections
      campaigns += b.campaigns
      const bs = Math.max(b.start, spanStart)
      const be = Math.min(b.start + this.opts.bucketMs, now)
      if (be > bs) ableMs += Math.min(this.ableMs(b), be - bs)
    }
    const span = now - spanStart
    const win = this.opts.latencyWindowMs
    const recent = buckets.filter((b) => b.start + this.opts.bucketMs > now - win && b.start + this.opts.bucketMs <= now)
    const recentSpan = recent.length * this.opts.bucketMs
    const rate = (f: (b: Bucket) => number) => (recentSpan > 0 ? (recent.reduce((s, b) => s + f(b), 0) * 1000) / recentSpan : 0)
    const lat = this.commitLatencies()
    const el = this.electionLatencies()
    const msgRate = emptyMsgs()
    for (const k of MSG_KINDS) msgRate[k] = rate((b) => b.msgs[k])
    const leader = this.able?.id ?? null
    const lsum = leader ? this.summaries.get(leader) : undefined
    const nodes: NodeHealth[] = []
    for (const [id, state] of this.states) {
      if (state === 'removed') continue
      const s = this.summaries.get(id) ?? null
      const up = state === 'up' || state === 'paused'
      const heard = this.lastFromLeader.get(id)
      nodes.push({
        id,
        state,
        role: up && s ? s.role : null,
        term: s ? s.term : null,
        heartbeatLag: leader && id !== leader && heard !== undefined ? now - heard : null,
        behind: lsum?.progress?.[id] ? Math.max(0, lsum.lastIndex - lsum.progress[id].match) : id === leader ? 0 : null,
      })
    }
    return {
      since: this.startedAt,
      now,
      elections,
      campaigns,
      winShare: campaigns > 0 ? Math.min(1, elections / campaigns) : null,
      electionLatency: { last: this.lastElection, mean: el.length > 0 ? el.reduce((a, b) => a + b, 0) / el.length : null, count: el.length },
      commitP50: percentile(lat.slice(), 0.5),
      commitP99: percentile(lat, 0.99),
      commitRate: rate((b) => b.commits),
      rejectedRate: rate((b) => b.rejectedAppends),
      applyP50: percentile(this.applyLat.between(now - win, now), 0.5),
      applyRate: rate((b) => b.applied),
      leaderShare: span > 0 ? Math.min(1, ableMs / span) : null,
      leader,
      msgRate,
      nodes,
    }
  }
}
