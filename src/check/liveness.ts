import type { NodeId, Role } from '../raft/types.ts'
import type { Observation, Violation } from './safety.ts'

/**
 * Liveness after healing: once the faults stop (every node up, every link working), the cluster must elect a
 * leader and commit a new entry, each within a stated bound; every live member (voter or learner) must catch
 * up with what the cluster committed within a stated bound; and leadership must settle (no more than a stated
 * number of elections in the healed phase). Raft only promises this when the network is
 * timely for long enough, so the host calls `start` at the moment it makes the network timely, not before.
 *
 * A leader here is a node that is up, leads, and has a term at least as high as every other node that is up:
 * a deposed leader that has not heard the news does not count. Nodes whose removal from the configuration
 * committed are left out, even while they still run: their terms say nothing about the cluster.
 */
export interface LivenessOptions {
  /** Milliseconds after `start` by which there must be a leader. */
  leaderWithinMs: number
  /** Milliseconds after `start` by which an entry beyond the commit history at `start` must be applied. */
  commitWithinMs: number
  /**
   * A live member that has applied less than the cluster committed must have applied at least that much within
   * this many milliseconds (counted from `start`, or from when it fell behind, whichever is later). Omitted:
   * not checked.
   */
  catchUpWithinMs?: number
  /** Most elections (a node becoming leader of a new term) allowed after `start`. Omitted: not checked. */
  maxElections?: number
  /**
   * The nodes that must catch up: the members of the committed configuration (voters and learners). Omitted:
   * every node seen and not removed.
   */
  members?: () => readonly NodeId[]
  /** Printed with the violation. */
  seed?: number
}

interface NodeView {
  role: Role
  term: number
  up: boolean
  /** Removed from the configuration: never counted again, even while it still runs. */
  removed: boolean
  /** Highest index applied by this incarnation (its snapshot's index after a restart or restore). */
  applied: number
  /** The history it has to reach, and since when (virtual ms); null when it is not behind. */
  behind: { target: number; since: number; reported: boolean } | null
}

/** Checks the liveness bounds from the same observations as the safety checker. */
export class LivenessChecker {
  readonly violations: Violation[] = []
  readonly #opts: LivenessOptions
  readonly #nodes = new Map<NodeId, NodeView>()
  /** Highest applied index over all nodes. */
  #committed = 0
  #start: number | null = null
  #commitAtStart = 0
  #leaderAt: number | null = null
  #commitAt: number | null = null
  #leaderReported = false
  #commitReported = false
  #elections = 0
  #electionsReported = false
  /** Longest time (ms) a node took to catch up in the healed phase, and the node it was. */
  #slowest = 0
  #slowestNode: NodeId | null = null

  constructor(options: LivenessOptions) {
    this.#opts = options
  }

  /** When a leader was first seen after `start` (virtual ms), or null. */
  get leaderAt(): number | null {
    return this.#leaderAt
  }

  /** When a new entry was first applied after `start` (virtual ms), or null. */
  get commitAt(): number | null {
    return this.#commitAt
  }

  /** True once `start` was called. */
  get started(): boolean {
    return this.#start !== null
  }

  /** Elections seen after `start`. */
  get elections(): number {
    return this.#elections
  }

  /** Longest catch-up seen after `start` (ms), and by whom: what the bound is measured against. */
  get slowestCatchUp(): { ms: number; node: NodeId | null } {
    return { ms: this.#slowest, node: this.#slowestNode }
  }

  observe(o: Observation): void {
    switch (o.type) {
      case 'role': {
        const n = this.#node(o.node)
        if (this.#start !== null && o.role === 'leader' && (n.role !== 'leader' || n.term !== o.term) && !n.removed) this.#elections++
        n.role = o.role
        n.term = o.term
        n.up = true
        return
      }
      case 'apply': {
        if (o.entry.index > this.#committed) this.#committed = o.entry.index
        const n = this.#node(o.node)
        if (o.entry.index > n.applied) n.applied = o.entry.index
        return
      }
      case 'restore':
        this.#node(o.node).applied = o.index
        return
      case 'crash': {
        const n = this.#node(o.node)
        n.up = false
        n.role = 'follower'
        n.behind = null
        return
      }
      case 'restart': {
        const n = this.#node(o.node)
        n.up = true
        n.role = 'follower'
        n.applied = o.index
        n.behind = null
        return
      }
      case 'removed':
        this.#node(o.node).removed = true
        return
      default:
        return
    }
  }

  /** Faults stopped at `now`: the bounds run from here. */
  start(now: number): void {
    this.#start = now
    this.#commitAtStart = this.#committed
    this.#leaderAt = null
    this.#commitAt = null
    this.#leaderReported = false
    this.#commitReported = false
    this.#elections = 0
    this.#electionsReported = false
    this.#slowest = 0
    this.#slowestNode = null
    for (const n of this.#nodes.values()) n.behind = null
  }

  /** Call after every event: notes progress and reports a bound that has passed unmet. */
  check(now: number): void {
    if (this.#start === null) return
    if (this.#leaderAt === null && this.#hasLeader()) this.#leaderAt = now
    if (this.#commitAt === null && this.#committed > this.#commitAtStart) this.#commitAt = now
    this.#deadlines(now)
    if (this.#opts.catchUpWithinMs !== undefined) this.#catchUp(now, this.#opts.catchUpWithinMs)
    const max = this.#opts.maxElections
    if (max !== undefined && !this.#electionsReported && this.#elections > max) {
      this.#electionsReported = true
      this.#report(`leadership churns: ${this.#elections} elections after faults stopped at ${this.#start} ms (at most ${max} allowed)`, now)
    }
  }

  /** Every live member behind the history must reach what it was behind of within `bound` ms. O(members). */
  #catchUp(now: number, bound: number): void {
    const members = this.#opts.members
    const ids = members !== undefined ? members() : [...this.#nodes.keys()]
    for (const id of ids) {
      const n = this.#nodes.get(id)
      if (n === undefined || !n.up || n.removed) continue
      const b = n.behind
      if (b !== null && n.applied >= b.target) {
        const took = now - b.since
        if (!b.reported && took > this.#slowest) {
          this.#slowest = took
          this.#slowestNode = id
        }
        n.behind = null
      }
      if (n.behind === null) {
        if (n.applied < this.#committed) n.behind = { target: this.#committed, since: now, reported: false }
      } else if (!n.behind.reported && now > n.behind.since + bound) {
        this.#report(
          `${id} did not catch up: the cluster committed ${n.behind.target} by ${n.behind.since} ms, ${id} applied only up to ${n.applied} within ${bound} ms`,
          now,
          [id],
        )
        n.behind.reported = true // once for this target
      }
    }
  }

  /** End of the run at `now`: the same as `check`, for runs that end with no event after a deadline. */
  finish(now: number): void {
    this.check(now)
  }

  /** True when some node that is up leads with the highest term among nodes that are up. */
  #hasLeader(): boolean {
    let maxTerm = -1
    let leaderTerm = -1
    for (const n of this.#nodes.values()) {
      if (!n.up || n.removed) continue
      if (n.term > maxTerm) maxTerm = n.term
      if (n.role === 'leader' && n.term > leaderTerm) leaderTerm = n.term
    }
    return leaderTerm >= 0 && leaderTerm === maxTerm
  }

  #deadlines(now: number): void {
    const start = this.#start as number
    const o = this.#opts
    if (this.#leaderAt === null && !this.#leaderReported && now > start + o.leaderWithinMs) {
      this.#leaderReported = true
      this.#report(`no leader within ${o.leaderWithinMs} ms after faults stopped at ${start} ms`, now)
    }
    if (this.#commitAt === null && !this.#commitReported && now > start + o.commitWithinMs) {
      this.#commitReported = true
      this.#report(
        `nothing new committed within ${o.commitWithinMs} ms after faults stopped at ${start} ms (history stuck at ${this.#committed})`,
        now,
      )
    }
  }

  #node(id: NodeId): NodeView {
    let n = this.#nodes.get(id)
    if (n === undefined) {
      n = { role: 'follower', term: 0, up: true, removed: false, applied: 0, behind: null }
      this.#nodes.set(id, n)
    }
    return n
  }

  #report(message: string, now: number, nodes: NodeId[] = [...this.#nodes.keys()]): void {
    const v: Violation = { property: 'Liveness', message, nodes, time: now }
    if (this.#opts.seed !== undefined) v.seed = this.#opts.seed
    this.violations.push(v)
  }
}
