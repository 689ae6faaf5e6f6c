/**
 * Progress tracking (etcd's tracker.ProgressTracker): a leader's Progress for every node it replicates to, and
 * the votes of a (pre-)campaign. It answers the quorum questions of the state machine: the index a majority of
 * voters has matched, whether an election is won or lost, whether a majority was heard from recently. Every
 * count goes through quorum.ts; the configuration (who votes) is passed in, never kept here.
 */
import { Progress } from './progress.ts'
import { committedIndex, hasQuorum, voteResult, type VoteResult } from './quorum.ts'
import type { NodeId } from './types.ts'

/** The nodes a leader replicates to; `previous`: some are there only as members of the previous configuration. */
export interface ReplicationTargets {
  targets: ReadonlySet<NodeId>
  previous: boolean
}

export class ProgressTracker {
  /**
   * Leader only: the progress of every node it replicates to (see Membership.replicationTargets), and its own
   * (match = what it has persisted). Insertion order is the order appends and heartbeats go out in.
   */
  progress = new Map<NodeId, Progress>()
  /** Leader only: progress still holds members of the configuration before the latest one, until that change commits. */
  tracksPrevious = false
  /** The answers of the current (pre-)campaign, self included: true = granted. */
  votes = new Map<NodeId, boolean>()

  /** Forget every progress (a new term or role). */
  resetProgress(): void {
    this.progress = new Map()
    this.tracksPrevious = false
  }

  resetVotes(): void {
    this.votes = new Map()
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id)
  }

  /** A new leader: a fresh Progress for each of `to.targets` and for itself (`self`), all starting at `next`. */
  startLeading(to: ReplicationTargets, self: NodeId, next: number, maxInflight: number): Progress {
    this.tracksPrevious = to.previous
    for (const id of to.targets) this.progress.set(id, new Progress(next, maxInflight))
    if (!this.progress.has(self)) this.progress.set(self, new Progress(next, maxInflight))
    return this.progress.get(self)!
  }

  /** The configuration changed: track every one of `to.targets` (new ones from `next`), stop tracking the others. */
  track(to: ReplicationTargets, self: NodeId, next: number, maxInflight: number): void {
    this.tracksPrevious = to.previous
    const targets = to.targets
    for (const id of targets) {
      if (!this.progress.has(id)) {
        const p = new Progress(next, maxInflight)
        this.progress.set(id, p)
      }
    }
    for (const id of [...this.progress.keys()]) {
      if (id !== self && !targets.has(id)) this.progress.delete(id)
    }
  }

  /** A removal committed: stop tracking the nodes outside the configuration. */
  dropOutside(isMember: (id: NodeId) => boolean, self: NodeId): void {
    this.tracksPrevious = false
    for (const id of [...this.progress.keys()]) {
      if (id !== self && !isMember(id)) this.progress.delete(id)
    }
  }

  setMaxInflight(n: number): void {
    for (const pr of this.progress.values()) pr.maxInflight = n
  }

  /** The highest index a majority of `voters` has matched (section 5.3); an untracked voter counts as 0. */
  committed(voters: readonly NodeId[]): number {
    return committedIndex(voters, (id) => this.progress.get(id)?.match ?? 0)
  }

  /**
   * Check-quorum: has a majority of `voters` been heard from since the last round (`self` always counts)? Then
   * clears every follower's flag for the next round.
   */
  quorumActive(voters: readonly NodeId[], self: NodeId): boolean {
    const active = hasQuorum(voters, (v) => v === self || this.progress.get(v)?.recentActive === true)
    for (const [id, pr] of this.progress) if (id !== self) pr.recentActive = false
    return active
  }

  /** Record an answer to the campaign; only the first answer of each node counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted)
  }

  /** The election's outcome among `voters` so far. */
  tallyVotes(voters: readonly NodeId[]): VoteResult {
    return voteResult(voters, this.votes)
  }

  /** Answers received so far, self included (for Status). */
  voteCounts(): { granted: number; rejected: number } {
    let granted = 0
    let rejected = 0
    for (const g of this.votes.values()) {
      if (g) granted++
      else rejected++
    }
    return { granted, rejected }
  }
}
