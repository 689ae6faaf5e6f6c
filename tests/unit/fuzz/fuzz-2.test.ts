import { describe, it } from 'vitest'
import { expectNotVacuous, runClean } from './clean.ts'

// Randomized runs, VOPR style: options drawn from each seed (3 to 7 nodes; loss, duplication, reordering,
// partitions, one-way cuts, crashes and restarts, slow disks, snapshots, PreVote and CheckQuorum on or off), a
// fault phase, then a healed phase that must elect and commit within bounds; every safety checker after every
// event, and the client history checked for linearizability. Two files so that the halves run in parallel.
// Replay a seed with: npm run fuzz -- --seed N
describe('fuzz, seeds 101..200', () => {
  it('finds no violation in 100 seeds x 2,000 ticks, and the checks were exercised', () => {
    expectNotVacuous(runClean(101, 100, 2000))
  }, 300_000)
})
