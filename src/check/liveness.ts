import type { NodeId, Role } from '../raft/types.ts'
import type { Observation, Violation } from './safety.ts'

/**
 * Liveness after healing: once the faults stop (every node up, every link working), the cluster must elect a
 * leader and commit a new entry, each within a stated bound. Raft only promises this when the network is
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
  /** Printed with the violation. */
  seed?: number
}

interface NodeView {
  role: Role
  term: number
  up: boolean
  /** Removed from the configuration: never counted again, even while it still runs. */
  removed: boolean
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

  observe(o: Observation): void {
    switch (o.type) {
      case 'role': {
        const n = this.#node(o.node)
        n.role = o.role
        n.term = o.term
        n.up = true
        return
      }
      case 'apply':
        if (o.entry.index > this.#committed) this.#committed = o.entry.index
        return
      case 'crash': {
        const n = this.#node(o.node)
        n.up = false
        n.role = 'follower'
        return
      }
      case 'restart': {
        const n = this.#node(o.node)
        n.up = true
        n.role = 'follower'
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
  }

  /** Call after every event: notes progress and reports a bound that has passed unmet. */
  check(now: number): void {
    if (this.#start === null) return
    if (this.#leaderAt === null && this.#hasLeader()) this.#leaderAt = now
    if (this.#commitAt === null && this.#committed > this.#commitAtStart) this.#commitAt = now
    this.#deadlines(now)
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
      n = { role: 'follower', term: 0, up: true, removed: false }
      this.#nodes.set(id, n)
    }
    return n
  }

  #report(message: string, now: number): void {
    const v: Violation = { property: 'Liveness', message, nodes: [...this.#nodes.keys()], time: now }
    if (this.#opts.seed !== undefined) v.seed = this.#opts.seed
    this.violations.push(v)
  }
}
