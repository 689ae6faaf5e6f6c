/**
 * Majority arithmetic, in one place: every count of votes, acknowledgements and matches in the core goes through
 * these functions (etcd's quorum.MajorityConfig).
 */
import type { NodeId } from './types.ts'

/** Votes needed among `n` voters: a strict majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1
}

/**
 * The largest index that a majority of `voters` has matched, given each voter's match index
 * (section 5.3: an index stored on a majority). 0 for an empty configuration.
 */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  const n = voters.length
  if (n === 0) return 0
  const m: number[] = new Array(n)
  for (let i = 0; i < n; i++) m[i] = match(voters[i])
  m.sort((a, b) => b - a)
  return m[majority(n) - 1]
}

/** Whether the voters for which `yes` holds are a majority of `voters` (never for an empty configuration). */
export function hasQuorum(voters: readonly NodeId[], yes: (id: NodeId) => boolean): boolean {
  let n = 0
  for (const v of voters) if (yes(v)) n++
  return n >= majority(voters.length)
}

export type VoteResult = 'won' | 'lost' | 'pending'

/** The outcome of an election among `voters` given the answers received so far (absent = not yet answered). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const q = majority(voters.length)
  let granted = 0
  let missing = 0
  for (const v of voters) {
    const g = votes.get(v)
    if (g === undefined) missing++
    else if (g) granted++
  }
  if (granted >= q) return 'won'
  if (granted + missing >= q) return 'pending'
  return 'lost'
}
