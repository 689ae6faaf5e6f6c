/**
 * Membership changes as plans, one for the simulator's random operator and the browser's add/remove/replace buttons.
 *
 * A plan is carried out one single-server change at a time (Raft thesis section 4.1), each step decided from what
 * the cluster shows now (the committed configuration and the current leader's latest one), never from what the plan
 * did before: a proposal lost with a deposed leader is simply proposed again at the next one.
 * - add: a new empty node (peers []) joins as a learner, catches up (through a snapshot when the log was compacted),
 *   then is promoted to voter once the leader streams to it and it is at most `lagOk` entries behind the commit
 *   index; a learner that does not catch up in time is removed again (thesis section 4.2.1: promoting a server far
 *   behind would leave the cluster unable to commit until it catches up).
 * - remove: a voter or learner leaves, possibly the leader itself (it steps down once the change commits). The last
 *   voter is never removed.
 */
import type { ConfChange, NodeId, Status } from '../raft/types.ts'
import type { CommittedConf } from './loop.ts'

/** What a plan needs to see of the cluster. */
export interface MembershipView {
  readonly now: number
  committedConf(): CommittedConf
  /** The running node that leads with the highest term, or null. */
  leader(): NodeId | null
  /** The leader's status (its latest configuration, commit index and progress of each peer). */
  status(id: NodeId): Pick<Status, 'term' | 'commit' | 'voters' | 'learners' | 'progress'>
}

/** Where a plan stands, for the people watching (the UI's step messages). */
export type PlanPhase = 'learner' | 'catchingUp' | 'promoting' | 'voter' | 'removing' | 'removed' | 'gaveUp' | 'lastVoter'

export type PlanAction =
  /** Propose this change at the leader `at`. */
  | { kind: 'propose'; at: NodeId; change: ConfChange; phase: PlanPhase }
  /** Nothing to do now: wait for the cluster (a leader, a commit, the learner to catch up). */
  | { kind: 'wait'; phase: PlanPhase }
  /** The plan is over. */
  | { kind: 'done'; phase: PlanPhase }

export interface PlanOptions {
  /** Promote a learner this many entries behind the commit index or closer (0: fully caught up). */
  lagOk: number
  /** Give up on a learner that has not caught up after this many virtual ms (Infinity: never). */
  catchUpMs: number
  /** Remove the learner again instead of promoting it (the operator tries that path too). */
  abort?: boolean
}

export class MembershipPlan {
  readonly kind: 'add' | 'remove'
  readonly node: NodeId
  readonly #opts: PlanOptions
  readonly #started: number
  /** An add that gave up (or was aborted) continues as a removal of its learner. */
  #removing: boolean

  constructor(kind: 'add' | 'remove', node: NodeId, now: number, opts: PlanOptions) {
    this.kind = kind
    this.node = node
    this.#opts = opts
    this.#started = now
    this.#removing = kind === 'remove'
  }

  /** Whether an add turned into the removal of its learner (it did not catch up in time, or was aborted). */
  get gaveUp(): boolean {
    return this.kind === 'add' && this.#removing
  }

  /** The next step, decided from what the cluster shows now. */
  next(view: MembershipView): PlanAction {
    return this.#removing ? this.#remove(view) : this.#add(view)
  }

  #add(view: MembershipView): PlanAction {
    const node = this.node
    const conf = view.committedConf()
    if (conf.voters.includes(node)) return { kind: 'done', phase: 'voter' }
    const leader = view.leader()
    if (leader === null) return { kind: 'wait', phase: conf.learners.includes(node) ? 'catchingUp' : 'learner' }
    const st = view.status(leader)
    const latestVoter = st.voters.includes(node)
    const latestLearner = st.learners.includes(node)
    if (!conf.learners.includes(node)) {
      // Not a committed learner yet: propose it, unless the leader's log already has the change.
      if (!latestLearner && !latestVoter) return { kind: 'propose', at: leader, change: { type: 'addLearner', node }, phase: 'learner' }
      return { kind: 'wait', phase: 'learner' }
    }
    if (latestVoter) return { kind: 'wait', phase: 'promoting' } // the promotion is in the leader's log
    if (this.#opts.abort || view.now - this.#started > this.#opts.catchUpMs) {
      this.#removing = true
      return this.#remove(view)
    }
    const pr = st.progress?.[node]
    if (pr !== undefined && pr.state === 'replicate' && st.commit - pr.match <= this.#opts.lagOk) {
      return { kind: 'propose', at: leader, change: { type: 'addVoter', node }, phase: 'promoting' }
    }
    return { kind: 'wait', phase: 'catchingUp' }
  }

  #remove(view: MembershipView): PlanAction {
    const node = this.node
    const conf = view.committedConf()
    const member = conf.voters.includes(node) || conf.learners.includes(node)
    const gone: PlanPhase = this.kind === 'add' ? 'gaveUp' : 'removed'
    if (!member) return { kind: 'done', phase: gone }
    if (conf.voters.includes(node) && conf.voters.length <= 1) return { kind: 'done', phase: 'lastVoter' }
    const leader = view.leader()
    if (leader === null) return { kind: 'wait', phase: 'removing' }
    const st = view.status(leader)
    if (!st.voters.includes(node) && !st.learners.includes(node)) return { kind: 'wait', phase: 'removing' } // in its log
    if (st.voters.includes(node) && st.voters.length <= 1) return { kind: 'wait', phase: 'removing' }
    return { kind: 'propose', at: leader, change: { type: 'removeNode', node }, phase: 'removing' }
  }
}
