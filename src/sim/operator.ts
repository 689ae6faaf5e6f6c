import type { ConfChange, NodeId, Status } from '../raft/types.ts'
import type { CommittedConf } from '../cluster/loop.ts'
import { MAX_VOTERS } from './options.ts'
import type { Prng } from '../world/prng.ts'
import { MembershipPlan, type MembershipView } from '../cluster/membership.ts'

/**
 * The cluster's operator: the membership changes and leadership transfers an administrator makes, at random
 * moments drawn from the seed, while faults run.
 *
 * Membership changes are plans carried out one at a time, each step decided from what the cluster shows now
 * (the committed configuration and the current leader's latest one), never from what the operator did before:
 * a proposal lost with a deposed leader is simply proposed again at the next one.
 * - add: a new empty node (peers []) joins as a learner, catches up (through a snapshot when the log was
 *   compacted), then is promoted to voter once it is at most a few entries behind; now and then it is removed
 *   again while still a learner. A learner that does not catch up in time is removed (thesis section 4.2.1:
 *   promoting a server far behind would leave the cluster unable to commit until it catches up).
 * - remove: a voter leaves, sometimes the leader itself (it steps down once the change commits).
 * - replace: add, then remove another voter.
 * Voters stay between 1 and MAX_VOTERS. A removed node is stopped by the simulator for good.
 *
 * Transfers ask the leader to hand over to a voter; sometimes to one that is down, cut off or lagging, so
 * that the transfer is abandoned after an election timeout.
 */

export type { CommittedConf } from '../cluster/loop.ts'

/** What the operator needs from the simulator. Calls that touch a node let the simulator process its Ready. */
export interface OperatorHost {
  readonly now: number
  /** The running node that leads with the highest term, or null. */
  leader(): NodeId | null
  /** Status of a node that is up. */
  status(id: NodeId): Status
  isUp(id: NodeId): boolean
  /** Whether the network currently lets messages from `from` reach `to`. */
  reachable(from: NodeId, to: NodeId): boolean
  committedConf(): CommittedConf
  /** Creates and starts a new empty node (no peers); null when no more nodes may be created. */
  spawn(): NodeId | null
  /** @throws Error when the leader refuses (see RawNode.proposeConfChange). */
  proposeConfChange(at: NodeId, c: ConfChange): { index: number; term: number }
  /** @throws Error when the leader refuses. */
  transferLeadership(from: NodeId, to: NodeId): void
}

export interface OperatorOptions {
  membershipRate: number
  transferRate: number
  /** The base election timeout in milliseconds (electionTick * tickMs). */
  electionMs: number
  /** Voters of the initial configuration. */
  initialVoters: number
}

/** Counts of what the operator did and what came of it, to show that runs were not vacuous. */
export interface OperatorStats {
  /** Membership plans started, by kind. */
  adds: number
  removes: number
  replaces: number
  /** Configuration changes a leader accepted, and refusals (a change pending, no commit in its term yet, a transfer). */
  proposals: number
  refused: number
  /** Committed changes: a learner added, a learner promoted, a voter removed (the leader itself), a learner removed. */
  learnersAdded: number
  promotions: number
  /** Promotions proposed before the learner had caught up (a few entries behind). */
  promotedLagging: number
  /** Learners removed again because they did not catch up in time. */
  gaveUp: number
  votersRemoved: number
  leadersRemoved: number
  learnersRemoved: number
  /** Replace plans carried out to the end. */
  replacements: number
  /** Fewest and most voters in a committed configuration. */
  minVoters: number
  maxVoters: number
  /** Transfers a leader accepted; of those, chosen to fail (target down, cut off or lagging). */
  transfers: number
  transfersToUnlikely: number
  /** The target took over; the leader gave up and kept leading; leadership changed some other way or not in time. */
  transfersCompleted: number
  transfersAborted: number
  transfersOther: number
  transfersRefused: number
}

/** A membership plan under way; `replace` removes a voter once the new one is promoted. */
interface Plan {
  /** The shared plan (src/cluster/membership.ts), once its node exists. */
  plan: MembershipPlan | null
  kind: 'add' | 'remove'
  /** For a removal: the node; for an add: null until spawned. */
  node: NodeId | null
  abort: boolean
  replace: boolean
}

interface PendingTransfer {
  from: NodeId
  to: NodeId
  term: number
  deadline: number
}

/** Learners get this many election timeouts to catch up; then they are removed again. */
const CATCH_UP_ELECTIONS = 20
/**
 * A learner is ready for promotion when the leader streams to it (replicate state) and it is at most this many
 * entries behind the commit index (etcd asks for 90% of the leader's log). Against a busy leader a learner is
 * rarely at the commit index exactly, so most promotions make a voter that is still a few entries behind.
 */
const LAG_OK = 16

/** All counters at zero (also used to sum the statistics of many runs). */
export function emptyOperatorStats(): OperatorStats {
  return {
    adds: 0,
    removes: 0,
    replaces: 0,
    proposals: 0,
    refused: 0,
    learnersAdded: 0,
    promotions: 0,
    promotedLagging: 0,
    gaveUp: 0,
    votersRemoved: 0,
    leadersRemoved: 0,
    learnersRemoved: 0,
    replacements: 0,
    minVoters: 0,
    maxVoters: 0,
    transfers: 0,
    transfersToUnlikely: 0,
    transfersCompleted: 0,
    transfersAborted: 0,
    transfersOther: 0,
    transfersRefused: 0,
  }
}

export class Operator {
  readonly stats: OperatorStats = emptyOperatorStats()

  readonly #host: OperatorHost
  readonly #opts: OperatorOptions
  readonly #rng: Prng
  #active = true
  #plan: Plan | null = null
  #transfer: PendingTransfer | null = null
  /** Removals a leader proposed of itself, as `node@term`: counted as leader removals when they commit. */
  readonly #selfRemovals = new Set<string>()

  constructor(host: OperatorHost, options: OperatorOptions, rng: Prng) {
    this.#host = host
    this.#opts = options
    this.#rng = rng
    this.stats.minVoters = options.initialVoters
    this.stats.maxVoters = options.initialVoters
  }

  /** Whether the operator will ever do anything (the simulator schedules it only then). */
  get enabled(): boolean {
    return this.#opts.membershipRate > 0 || this.#opts.transferRate > 0
  }

  /** No new plans or transfers from now on; the one under way is carried out. */
  stop(): void {
    this.#active = false
  }

  /** Whether a membership plan or a transfer is under way. */
  get busy(): boolean {
    return this.#plan !== null || this.#transfer !== null
  }

  /** One periodic step. Returns whether another step is needed. */
  step(): boolean {
    if (this.#transfer !== null) this.#checkTransfer(this.#transfer)
    if (this.#plan !== null) this.#advance(this.#plan)
    else if (this.#active && this.#rng.chance(this.#opts.membershipRate)) this.#startPlan()
    if (this.#active && this.#transfer === null && this.#rng.chance(this.#opts.transferRate)) this.#startTransfer()
    return this.#active || this.busy
  }

  /** A configuration entry committed (some node applied it): count it. Plans notice at their next step. */
  onCommitted(prev: CommittedConf, conf: CommittedConf): void {
    const s = this.stats
    s.minVoters = Math.min(s.minVoters, conf.voters.length)
    s.maxVoters = Math.max(s.maxVoters, conf.voters.length)
    const node = conf.node
    if (node === undefined) return
    switch (conf.type) {
      case 'addLearner':
        s.learnersAdded++
        break
      case 'addVoter':
        s.promotions++
        break
      case 'removeNode':
        if (prev.voters.includes(node)) {
          s.votersRemoved++
          if (this.#selfRemovals.has(`${node}@${conf.term}`)) s.leadersRemoved++
        } else s.learnersRemoved++
        break
    }
  }

  // ---------------------------------------------------------------- membership

  #startPlan(): void {
    const conf = this.#host.committedConf()
    const v = conf.voters.length
    const r = this.#rng
    // Lean towards the middle: small clusters mostly grow, large ones mostly shrink.
    const p = r.next()
    const grow = v <= 2 ? 0.65 : v >= MAX_VOTERS - 1 ? 0.2 : 0.5
    if (v >= MAX_VOTERS || (v > 1 && p >= grow)) {
      // Remove, or (a third of the time, when there is room) replace.
      if (v < MAX_VOTERS && r.chance(0.35)) {
        this.stats.replaces++
        this.#plan = { plan: null, kind: 'add', node: null, abort: false, replace: true }
      } else {
        this.stats.removes++
        this.#plan = { plan: null, kind: 'remove', node: this.#victim(conf.voters, null), abort: false, replace: false }
      }
      return
    }
    if (v < MAX_VOTERS) {
      this.stats.adds++
      this.#plan = { plan: null, kind: 'add', node: null, abort: r.chance(0.1), replace: false }
    }
  }

  /** A voter to remove: the leader a third of the time, else any voter (never `keep`). */
  #victim(voters: readonly NodeId[], keep: NodeId | null): NodeId {
    const leader = this.#host.leader()
    const choices = voters.filter((id) => id !== keep)
    if (leader !== null && choices.includes(leader) && this.#rng.chance(0.33)) return leader
    return this.#rng.pick(choices)
  }

  #advance(p: Plan): void {
    const host = this.#host
    if (p.plan === null) {
      const node = p.node ?? host.spawn()
      if (node === null) {
        this.#plan = null
        return
      }
      p.node = node
      p.plan = new MembershipPlan(p.kind, node, host.now, {
        lagOk: LAG_OK,
        catchUpMs: CATCH_UP_ELECTIONS * this.#opts.electionMs,
        abort: p.abort,
      })
    }
    const plan = p.plan
    const view: MembershipView = { now: host.now, committedConf: () => host.committedConf(), leader: () => host.leader(), status: (id) => host.status(id) }
    const wasRemoving = plan.gaveUp
    const a = plan.next(view)
    if (plan.gaveUp && !wasRemoving && !p.abort) this.stats.gaveUp++
    if (a.kind === 'done') {
      this.#plan = null
      if (a.phase === 'voter' && p.replace) {
        const conf = host.committedConf()
        this.#plan = { plan: null, kind: 'remove', node: this.#victim(conf.voters, plan.node), abort: false, replace: true }
      } else if (a.phase === 'removed' && p.replace) this.stats.replacements++
      return
    }
    if (a.kind === 'propose') {
      const st = host.status(a.at)
      if (a.change.type === 'addVoter') {
        const pr = st.progress?.[plan.node]
        if (this.#propose(a.at, a.change) && pr !== undefined && pr.match < st.commit) this.stats.promotedLagging++
      } else if (this.#propose(a.at, a.change) && a.change.type === 'removeNode' && a.change.node === a.at) {
        this.#selfRemovals.add(`${a.at}@${st.term}`)
      }
    }
  }

  #propose(leader: NodeId, c: ConfChange): boolean {
    try {
      this.#host.proposeConfChange(leader, c)
      this.stats.proposals++
      return true
    } catch (e) {
      if (!(e instanceof Error)) throw e
      this.stats.refused++
      return false
    }
  }

  // ---------------------------------------------------------------- leadership transfer

  #startTransfer(): void {
    const host = this.#host
    const leader = host.leader()
    if (leader === null) return
    const st = host.status(leader)
    if (st.leadTransferee !== null) return
    const others = st.voters.filter((id) => id !== leader)
    if (others.length === 0) return
    const r = this.#rng
    let to: NodeId
    let unlikely = false
    if (r.chance(0.3)) {
      // Aim at a voter that cannot take over soon: down, cut off from the leader, or the one furthest behind.
      unlikely = true
      const cutOff = others.filter((id) => !host.isUp(id) || !host.reachable(leader, id) || !host.reachable(id, leader))
      if (cutOff.length > 0) to = r.pick(cutOff)
      else {
        to = others[0]
        for (const id of others) if ((st.progress?.[id]?.match ?? 0) < (st.progress?.[to]?.match ?? 0)) to = id
      }
    } else to = r.pick(others)
    try {
      host.transferLeadership(leader, to)
    } catch (e) {
      if (!(e instanceof Error)) throw e
      this.stats.transfersRefused++
      return
    }
    this.stats.transfers++
    if (unlikely) this.stats.transfersToUnlikely++
    // The leader gives up after one election timeout; allow two more for the target's election.
    this.#transfer = { from: leader, to, term: st.term, deadline: host.now + 3 * this.#opts.electionMs }
  }

  #checkTransfer(t: PendingTransfer): void {
    const host = this.#host
    if (host.isUp(t.to)) {
      const s = host.status(t.to)
      if (s.role === 'leader' && s.term > t.term) {
        this.stats.transfersCompleted++
        this.#transfer = null
        return
      }
    }
    if (host.isUp(t.from)) {
      const s = host.status(t.from)
      if (s.role === 'leader' && s.term === t.term && s.leadTransferee !== t.to) {
        this.stats.transfersAborted++
        this.#transfer = null
        return
      }
    }
    if (host.now > t.deadline) {
      this.stats.transfersOther++
      this.#transfer = null
    }
  }
}
