import type { ProgressState, Snapshot } from './types.ts'

/**
 * The leader's view of one follower (etcd's tracker.Progress).
 * - probe: the leader does not know where the logs match; it sends one append at a time and waits for the answer.
 * - replicate: the logs match up to `match`; the leader streams appends optimistically, at most `maxInflight`
 *   unacknowledged messages at once.
 * - snapshot: the follower needs compacted entries; the leader sends snapshot chunks and nothing else.
 * Invariant: match < next.
 */
export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** In probe: an append is out and unanswered (cleared by any answer or heartbeat response). */
  probeSent = false
  /** The last index of each unacknowledged append, in send order (replicate only). */
  inflights: number[] = []
  maxInflight: number
  /** In snapshot: the index of the snapshot being sent and how many characters the follower has acknowledged. */
  pendingSnapshot = 0
  snapOffset = 0
  /**
   * In snapshot: the snapshot being sent. Kept here, not looked up in the log: a compaction meanwhile replaces the
   * leader's latest snapshot, and a transfer that started must be able to finish (a newer one goes after it).
   */
  snapshot: Snapshot | null = null
  /** The highest `seen` of the follower's acknowledgements (see Message.seen). */
  ackSeen = 0
  /** Heard from since the last check-quorum round. */
  recentActive = true

  constructor(next: number, maxInflight: number) {
    this.next = next
    this.maxInflight = maxInflight
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1)
      this.pendingSnapshot = 0
      this.snapshot = null
    } else {
      this.next = this.match + 1
    }
    this.state = 'probe'
    this.probeSent = false
    this.inflights.length = 0
  }

  becomeReplicate(): void {
    this.state = 'replicate'
    this.pendingSnapshot = 0
    this.snapshot = null
    this.next = this.match + 1
    this.probeSent = false
    this.inflights.length = 0
  }

  becomeSnapshot(snap: Snapshot): void {
    this.state = 'snapshot'
    this.pendingSnapshot = snap.index
    this.snapshot = snap
    this.snapOffset = 0
    this.probeSent = false
    this.inflights.length = 0
  }

  /** An acknowledgement that the follower matches up to `n`. False when it says nothing new (stale or duplicate). */
  maybeUpdate(n: number): boolean {
    let updated = false
    if (this.match < n) {
      this.match = n
      updated = true
      this.probeSent = false
    }
    if (this.next < n + 1) this.next = n + 1
    return updated
  }

  /**
   * A rejection of the append whose previous index was `rejected`; `hint` is where the follower suggests to try.
   * False when the rejection is stale (it answers an append sent before a newer decision).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1)
    this.probeSent = false
    return true
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.length >= this.maxInflight
      case 'snapshot':
        return true
    }
  }

  /** Sent an append ending at `last`. */
  sentEntries(last: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1
        this.inflights.push(last)
      }
    } else if (this.state === 'probe') {
      this.probeSent = true
    }
  }

  /** Acknowledged up to `index`: free every inflight message that ends at or before it. */
  freeLE(index: number): void {
    let k = 0
    while (k < this.inflights.length && this.inflights[k] <= index) k++
    if (k > 0) this.inflights.splice(0, k)
  }

  freeFirst(): void {
    if (this.inflights.length > 0) this.inflights.shift()
  }
}
