import { describe, expect, it } from 'vitest'
import { hasQuorum } from '../../../src/raft/quorum.ts'
import { ProgressTracker } from '../../../src/raft/tracker.ts'

/** A leader's tracker for `ids`, each with the given match. */
function tracked(matches: Record<string, number>): ProgressTracker {
  const t = new ProgressTracker()
  t.startLeading({ targets: new Set(Object.keys(matches)), previous: false }, 'n1', 1, 16)
  for (const [id, m] of Object.entries(matches)) t.get(id)!.match = m
  return t
}

describe('quorum.hasQuorum', () => {
  it('needs a strict majority of the voters, and an empty configuration has none', () => {
    const yes = (ids: string[]) => (id: string) => ids.includes(id)
    expect(hasQuorum(['a', 'b', 'c'], yes(['a', 'b']))).toBe(true)
    expect(hasQuorum(['a', 'b', 'c'], yes(['a']))).toBe(false)
    // Four voters: two is a tie, not a majority.
    expect(hasQuorum(['a', 'b', 'c', 'd'], yes(['a', 'b']))).toBe(false)
    expect(hasQuorum(['a', 'b', 'c', 'd'], yes(['a', 'b', 'c']))).toBe(true)
    // Only voters count, however many others say yes.
    expect(hasQuorum(['a', 'b', 'c'], yes(['a', 'x', 'y', 'z']))).toBe(false)
    expect(hasQuorum([], () => true)).toBe(false)
  })
})

describe('ProgressTracker: matches', () => {
  it('commits the highest index a majority of voters has matched', () => {
    // Reference: section 5.3 (an entry is committed once stored on a majority).
    const t = tracked({ n1: 5, n2: 4, n3: 3, n4: 2, n5: 1 })
    expect(t.committed(['n1', 'n2', 'n3', 'n4', 'n5'])).toBe(3)
    expect(t.committed(['n1', 'n2', 'n3'])).toBe(4)
  })

  it('counts a voter it does not track as matching nothing, and ignores the matches of non-voters', () => {
    const t = tracked({ n1: 9, n2: 9, n4: 9 })
    // n3 is untracked: voters n1, n2, n3 match 9, 9, 0.
    expect(t.committed(['n1', 'n2', 'n3'])).toBe(9)
    // n4 (a learner here) matches 9, but among voters n1, n3, n5 only n1 does.
    expect(t.committed(['n1', 'n3', 'n5'])).toBe(0)
  })
})

describe('ProgressTracker: check-quorum', () => {
  it('is active when a majority of voters was heard from, the leader counting itself, then starts a new round', () => {
    const t = tracked({ n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 })
    const voters = ['n1', 'n2', 'n3', 'n4', 'n5']
    for (const id of voters) t.get(id)!.recentActive = false
    t.get('n2')!.recentActive = true
    // n1 (self) and n2: two of five.
    expect(t.quorumActive(voters, 'n1')).toBe(false)
    t.get('n2')!.recentActive = true
    t.get('n3')!.recentActive = true
    expect(t.quorumActive(voters, 'n1')).toBe(true)
    // The round cleared every follower's flag: nobody was heard from since.
    expect(['n2', 'n3', 'n4', 'n5'].map((id) => t.get(id)!.recentActive)).toEqual([false, false, false, false])
    expect(t.quorumActive(voters, 'n1')).toBe(false)
  })

  it('does not count a node outside the voters, however recently heard from', () => {
    const t = tracked({ n1: 0, n2: 0, n3: 0, l1: 0, l2: 0 })
    for (const id of ['n2', 'n3']) t.get(id)!.recentActive = false
    expect(t.quorumActive(['n1', 'n2', 'n3'], 'n1')).toBe(false)
  })
})

describe('ProgressTracker: votes', () => {
  it('wins with a majority, loses when a majority can no longer be reached, counts only the first answer', () => {
    // Reference: section 5.2 (a candidate wins with votes from a majority of the full cluster).
    const voters = ['n1', 'n2', 'n3', 'n4', 'n5']
    const t = new ProgressTracker()
    t.recordVote('n1', true)
    expect(t.tallyVotes(voters)).toBe('pending')
    t.recordVote('n2', false)
    t.recordVote('n2', true) // a duplicate answer changes nothing
    t.recordVote('n3', false)
    expect(t.tallyVotes(voters)).toBe('pending')
    expect(t.voteCounts()).toEqual({ granted: 1, rejected: 2 })
    t.recordVote('n4', false)
    expect(t.tallyVotes(voters)).toBe('lost')
    t.resetVotes()
    for (const id of ['n1', 'n2', 'n3']) t.recordVote(id, true)
    expect(t.tallyVotes(voters)).toBe('won')
  })

  it('does not count the votes of non-voters', () => {
    const t = new ProgressTracker()
    for (const id of ['n1', 'x', 'y']) t.recordVote(id, true)
    expect(t.tallyVotes(['n1', 'n2', 'n3'])).toBe('pending')
  })
})

describe('ProgressTracker: which nodes it tracks', () => {
  it('tracks the new targets from the given index, keeps known ones and itself, drops the rest', () => {
    const t = tracked({ n1: 7, n2: 5, n3: 6 })
    t.track({ targets: new Set(['n2', 'n4']), previous: true }, 'n1', 8, 4)
    expect([...t.progress.keys()]).toEqual(['n1', 'n2', 'n4'])
    expect(t.get('n2')!.match).toBe(5)
    expect(t.get('n4')!).toMatchObject({ match: 0, next: 8, maxInflight: 4 })
    expect(t.tracksPrevious).toBe(true)
    t.dropOutside((id) => id === 'n4', 'n1')
    expect([...t.progress.keys()]).toEqual(['n1', 'n4'])
    expect(t.tracksPrevious).toBe(false)
  })
})
