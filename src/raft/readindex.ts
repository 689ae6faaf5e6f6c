/**
 * ReadIndex (thesis section 6.4; etcd's readOnly): a leader's linearizable reads. A read is registered at the
 * commit index with the leader's own acknowledgement, confirmed once a majority of voters has answered a
 * heartbeat that carried its context (counted through quorum.ts), and then handed out as a ReadState. Reads that
 * arrive before the leader has committed an entry of its term wait for that commit. A leader that steps down
 * confirms none of its reads: they become failures, so that their clients retry elsewhere at once.
 * This module keeps the queues; raft.ts decides when to register, broadcast and give up.
 */
import { hasQuorum } from './quorum.ts'
import type { NodeId, ReadState } from './types.ts'

interface PendingRead {
  ctx: string
  index: number
  acks: Set<NodeId>
}

export class ReadIndex {
  /** Registered reads waiting for a majority of acknowledgements, oldest first. */
  private pending: PendingRead[] = []
  /** Contexts of reads waiting for the first commit of this leader's term. */
  private awaitingCommit: string[] = []
  /** Confirmed reads not yet handed out in a Ready. */
  private states: ReadState[] = []
  /** Contexts of reads dropped on stepping down, not yet handed out in a Ready. */
  private failed: string[] = []

  /** Confirm a read at once, with no round (only the unsafe lease-read switch does this). */
  answer(ctx: string, index: number): void {
    this.states.push({ ctx, index })
  }

  /** Park a read until this leader has committed an entry of its term (it does not know the commit index yet). */
  awaitCommit(ctx: string): void {
    this.awaitingCommit.push(ctx)
  }

  hasAwaitingCommit(): boolean {
    return this.awaitingCommit.length > 0
  }

  /** The parked reads, in arrival order; the queue is emptied. */
  takeAwaitingCommit(): string[] {
    const waiting = this.awaitingCommit
    this.awaitingCommit = []
    return waiting
  }

  /**
   * Register a read of `ctx` at `index`, acknowledged by the leader `self`. True when that already is a majority
   * of `voters` (the read is confirmed); false when it waits for acknowledgements (the caller asks for them).
   */
  request(ctx: string, index: number, self: NodeId, voters: readonly NodeId[]): boolean {
    const req: PendingRead = { ctx, index, acks: new Set([self]) }
    if (this.confirmed(req, voters)) {
      this.states.push({ ctx, index: req.index })
      return true
    }
    this.pending.push(req)
    return false
  }

  /**
   * `from` answered the heartbeat that carried `ctx`. Once a majority of `voters` has, the read is confirmed, and
   * so is every earlier one: leadership held after each was registered.
   */
  ack(ctx: string, from: NodeId, voters: readonly NodeId[]): void {
    const k = this.pending.findIndex((r) => r.ctx === ctx)
    if (k < 0) return
    const req = this.pending[k]
    req.acks.add(from)
    if (!this.confirmed(req, voters)) return
    for (const r of this.pending.splice(0, k + 1)) this.states.push({ ctx: r.ctx, index: r.index })
  }

  private confirmed(req: PendingRead, voters: readonly NodeId[]): boolean {
    return hasQuorum(voters, (v) => req.acks.has(v))
  }

  /**
   * The leader steps down and can confirm none of its reads: each registered or parked read becomes a failure,
   * so that its client retries at the new leader at once instead of waiting for a timeout (etcd drops them silently).
   */
  abandon(): void {
    for (const r of this.pending) this.failed.push(r.ctx)
    for (const ctx of this.awaitingCommit) this.failed.push(ctx)
    this.pending = []
    this.awaitingCommit = []
  }

  /** Confirmed reads or failures wait to be handed out. */
  hasOutput(): boolean {
    return this.states.length > 0 || this.failed.length > 0
  }

  /** The confirmed reads, oldest first; emptied. */
  takeStates(): ReadState[] {
    const s = this.states
    this.states = []
    return s
  }

  /** The contexts of the failed reads, oldest first; emptied. */
  takeFailed(): string[] {
    const f = this.failed
    this.failed = []
    return f
  }
}
