import { describe, expect, it } from 'vitest'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'
import { formatViolation } from '../../../src/check/safety.ts'
import { MAX_VOTERS, type ProfileName } from '../../../src/sim/options.ts'
import { emptyOperatorStats, type OperatorStats } from '../../../src/sim/operator.ts'

/** Totals over a batch of seeds, to show that the checks were not vacuous. */
export interface Totals {
  seeds: number
  events: number
  elections: number
  leaderTerms: number
  committed: number
  logMatches: number
  completenessChecks: number
  appliesCompared: number
  crashes: number
  partitions: number
  dropped: number
  duplicated: number
  readiesLost: number
  snapshots: number
  restores: number
  clientOps: number
  clientOk: number
  inconclusive: number
  /** Membership changes and transfers, summed over seeds (minVoters/maxVoters: seeds that reached 1 and MAX_VOTERS). */
  operator: OperatorStats
  snapshotsInstalled: number
  snapshotChunks: number
  joinedBySnapshot: number
  confChanges: number
  /** Removed nodes that campaigned (or led) while lingering, and seeds where removed nodes linger. */
  lingerCampaigns: number
  lingerOn: number
  /** Client reads answered through ReadIndex and through the log. */
  readIndexReads: number
  logReads: number
  /** Seeds with membership changes on, with transfers on, and by read mode. */
  membershipOn: number
  transfersOn: number
  readModes: Record<string, number>
  /** Seeds whose options had each feature on. */
  preVote: number
  checkQuorum: number
  nodes: Record<number, number>
  /** Figure 8 fault scripts started, and those that ran to their last step. */
  figure8Started: number
  figure8Completed: number
  /** Most elections in one healed phase, and the longest catch-up of a member there (ms). */
  maxHealedElections: number
  slowestCatchUpMs: number
}

/**
 * Runs seeds [from, from + count) for `ticks` with every checker on and the history checked for
 * linearizability; fails on the first violation with its options line and replay command.
 */
export function runClean(from: number, count: number, ticks: number, profile?: ProfileName): Totals {
  const t: Totals = {
    seeds: 0,
    events: 0,
    elections: 0,
    leaderTerms: 0,
    committed: 0,
    logMatches: 0,
    completenessChecks: 0,
    appliesCompared: 0,
    crashes: 0,
    partitions: 0,
    dropped: 0,
    duplicated: 0,
    readiesLost: 0,
    snapshots: 0,
    restores: 0,
    clientOps: 0,
    clientOk: 0,
    inconclusive: 0,
    operator: emptyOperatorStats(),
    snapshotsInstalled: 0,
    snapshotChunks: 0,
    joinedBySnapshot: 0,
    confChanges: 0,
    lingerCampaigns: 0,
    lingerOn: 0,
    readIndexReads: 0,
    logReads: 0,
    membershipOn: 0,
    transfersOn: 0,
    readModes: {},
    preVote: 0,
    checkQuorum: 0,
    nodes: {},
    figure8Started: 0,
    figure8Completed: 0,
    maxHealedElections: 0,
    slowestCatchUpMs: 0,
  }
  for (let seed = from; seed < from + count; seed++) {
    const r = runFuzzSeed({ seed, ticks, profile })
    const problems = [...(r.error !== undefined ? [r.error] : []), ...r.violations.map(formatViolation)]
    expect(problems, `${r.line}\nreplay: ${r.command}`).toEqual([])
    // Liveness was judged in every run: faults stopped, then a leader and a new commit came.
    expect(r.liveness.start).toBeGreaterThan(0)
    expect(r.liveness.leaderAt).not.toBeNull()
    expect(r.liveness.commitAt).not.toBeNull()
    // Membership changes kept between 1 and MAX_VOTERS voters.
    expect(r.operator.minVoters).toBeGreaterThanOrEqual(1)
    expect(r.operator.maxVoters).toBeLessThanOrEqual(MAX_VOTERS)
    for (const k of Object.keys(t.operator) as (keyof OperatorStats)[]) {
      if (k === 'minVoters') t.operator.minVoters += r.operator.minVoters === 1 ? 1 : 0
      else if (k === 'maxVoters') t.operator.maxVoters += r.operator.maxVoters === MAX_VOTERS ? 1 : 0
      else t.operator[k] += r.operator[k]
    }
    t.snapshotsInstalled += r.stats.snapshotsInstalled
    t.snapshotChunks += r.stats.snapshotChunks
    t.joinedBySnapshot += r.stats.joinedBySnapshot
    t.confChanges += r.stats.confChanges
    t.lingerCampaigns += r.stats.lingerCampaigns
    if (r.options.lingerMs > 0) t.lingerOn++
    t.readIndexReads += r.reads.readIndex
    t.logReads += r.reads.log
    if (r.options.membershipRate > 0) t.membershipOn++
    if (r.options.transferRate > 0) t.transfersOn++
    t.readModes[r.options.readMode] = (t.readModes[r.options.readMode] ?? 0) + 1
    t.seeds++
    t.events += r.stats.events
    t.elections += r.safety.elections
    t.leaderTerms += r.safety.leaderTerms
    t.committed += r.safety.committed
    t.logMatches += r.safety.logMatches
    t.completenessChecks += r.safety.completenessChecks
    t.appliesCompared += r.safety.appliesCompared
    t.crashes += r.stats.crashes
    t.partitions += r.stats.partitions
    t.dropped += r.stats.dropped
    t.duplicated += r.stats.duplicated
    t.readiesLost += r.stats.readiesLost
    t.snapshots += r.stats.snapshots
    t.restores += r.safety.restores
    t.clientOps += r.history.length
    t.clientOk += r.history.filter((op) => op.outcome === 'ok').length
    if (r.inconclusive) t.inconclusive++
    if (r.options.preVote) t.preVote++
    if (r.options.checkQuorum) t.checkQuorum++
    t.nodes[r.options.nodes] = (t.nodes[r.options.nodes] ?? 0) + 1
    t.figure8Started += r.stats.figure8Started
    t.figure8Completed += r.stats.figure8Completed
    t.maxHealedElections = Math.max(t.maxHealedElections, r.liveness.elections)
    t.slowestCatchUpMs = Math.max(t.slowestCatchUpMs, r.liveness.slowestCatchUpMs)
  }
  return t
}

/** The faults and the checks really happened, in proportion to the number of seeds. */
export function expectNotVacuous(t: Totals): void {
  const n = t.seeds
  expect(t.elections).toBeGreaterThan(2 * n)
  expect(t.leaderTerms).toBeGreaterThan(2 * n)
  expect(t.committed).toBeGreaterThan(100 * n)
  expect(t.logMatches).toBeGreaterThan(100 * n)
  expect(t.appliesCompared).toBeGreaterThan(100 * n)
  expect(t.completenessChecks).toBeGreaterThan(10 * n)
  expect(t.crashes).toBeGreaterThan(n)
  expect(t.partitions).toBeGreaterThan(n)
  expect(t.dropped).toBeGreaterThan(10 * n)
  expect(t.duplicated).toBeGreaterThan(n)
  expect(t.readiesLost).toBeGreaterThan(0)
  expect(t.snapshots).toBeGreaterThan(n)
  expect(t.restores).toBeGreaterThan(0)
  expect(t.clientOk).toBeGreaterThan(100 * n)
  expect(t.inconclusive).toBe(0)
  expect(t.preVote).toBeGreaterThan(0)
  expect(t.preVote).toBeLessThan(n)
  expect(t.checkQuorum).toBeGreaterThan(0)
  expect(t.checkQuorum).toBeLessThan(n)
  expect(Object.keys(t.nodes).sort()).toEqual(['3', '5', '7'])

  // Membership changes: nodes joined empty (some through a snapshot), were promoted, voters left (leaders
  // too), voters were replaced, learners were removed again; clusters shrank to one voter and grew to seven.
  const op = t.operator
  expect(t.membershipOn).toBeGreaterThan(n / 2)
  expect(t.membershipOn).toBeLessThan(n)
  expect(t.confChanges).toBeGreaterThan(5 * n)
  expect(op.learnersAdded).toBeGreaterThan(2 * n)
  expect(op.promotions).toBeGreaterThan(2 * n)
  expect(op.promotedLagging).toBeGreaterThan(0)
  expect(op.votersRemoved).toBeGreaterThan(2 * n)
  expect(op.leadersRemoved).toBeGreaterThan(n / 2)
  expect(op.learnersRemoved).toBeGreaterThan(n / 20)
  expect(op.replacements).toBeGreaterThan(n / 2)
  expect(t.joinedBySnapshot).toBeGreaterThan(n)
  expect(t.snapshotsInstalled).toBeGreaterThan(t.joinedBySnapshot)
  expect(t.snapshotChunks).toBeGreaterThan(t.snapshotsInstalled) // snapshots in several chunks, with loss and reordering
  expect(op.minVoters).toBeGreaterThan(0)
  expect(op.maxVoters).toBeGreaterThan(n / 10)
  // Removed nodes that linger before they stop, not knowing they were removed, campaign (thesis section 4.2.3).
  expect(t.lingerOn).toBeGreaterThan(n / 4)
  expect(t.lingerOn).toBeLessThan(n)
  expect(t.lingerCampaigns).toBeGreaterThan(0)
  // Leadership transfers: most completed, some were aimed at a voter that could not take over and aborted.
  expect(t.transfersOn).toBeGreaterThan(n / 2)
  expect(op.transfers).toBeGreaterThan(n)
  expect(op.transfersCompleted).toBeGreaterThan(op.transfers / 2)
  expect(op.transfersToUnlikely).toBeGreaterThan(0)
  expect(op.transfersAborted).toBeGreaterThan(0)
  // Reads: both through ReadIndex and through the log, in every read mode.
  expect(Object.keys(t.readModes).sort()).toEqual(['log', 'mixed', 'readIndex'])
  expect(t.readIndexReads).toBeGreaterThan(20 * n)
  expect(t.logReads).toBeGreaterThan(20 * n)
}

/** Seeds per CI file, ticks per seed, and files: CI runs FILES * SEEDS_PER_FILE seeds of the default profile. */
export const SEEDS_PER_FILE = 75
export const CI_TICKS = 2000

/**
 * One CI file's share of the seeds: file `k` (from 1) runs seeds ((k - 1) * SEEDS_PER_FILE, k * SEEDS_PER_FILE].
 * Several files, so that vitest can run them in parallel workers.
 */
export function fuzzFile(k: number): void {
  const from = (k - 1) * SEEDS_PER_FILE + 1
  const to = from + SEEDS_PER_FILE - 1
  describe(`fuzz, seeds ${from}..${to}`, () => {
    it(`finds no violation in ${SEEDS_PER_FILE} seeds x ${CI_TICKS} ticks, and faults, membership changes, transfers and reads all happened`, () => {
      expectNotVacuous(runClean(from, SEEDS_PER_FILE, CI_TICKS))
    }, 600_000)
  })
}

/** Seeds per CI file of the harsh profile, and files: CI runs HARSH_FILES * HARSH_SEEDS_PER_FILE harsh seeds. */
export const HARSH_SEEDS_PER_FILE = 50

/** One CI file's share of the harsh seeds (file `k` from 1), at CI_TICKS. */
export function harshFile(k: number): void {
  const from = (k - 1) * HARSH_SEEDS_PER_FILE + 1
  const to = from + HARSH_SEEDS_PER_FILE - 1
  describe(`fuzz --profile harsh, seeds ${from}..${to}`, () => {
    it(`finds no violation in ${HARSH_SEEDS_PER_FILE} harsh seeds x ${CI_TICKS} ticks, and the faults happened`, () => {
      const t = runClean(from, HARSH_SEEDS_PER_FILE, CI_TICKS, 'harsh')
      const n = t.seeds
      expect(t.crashes).toBeGreaterThan(5 * n)
      expect(t.partitions).toBeGreaterThan(5 * n)
      expect(t.dropped).toBeGreaterThan(100 * n)
      expect(t.duplicated).toBeGreaterThan(10 * n)
      expect(t.readiesLost).toBeGreaterThan(n)
      expect(t.snapshotsInstalled).toBeGreaterThan(n)
      expect(t.snapshotChunks).toBeGreaterThan(t.snapshotsInstalled)
      expect(t.confChanges).toBeGreaterThan(5 * n)
      expect(t.figure8Started).toBeGreaterThan(n)
      expect(t.figure8Completed).toBeGreaterThan(0)
      expect(t.committed).toBeGreaterThan(50 * n)
      expect(t.clientOk).toBeGreaterThan(20 * n)
      expect(t.inconclusive).toBe(0)
    }, 600_000)
  })
}
