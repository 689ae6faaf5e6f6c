import type { UnsafeSwitches } from '../raft/types.ts'
import type { History } from '../kv/history.ts'
import { checkLinearizability } from '../check/linearizability.ts'
import type { SafetyStats, Violation } from '../check/safety.ts'
import { SimCheckers, defaultLivenessBounds, healedPhaseMs } from './checkers.ts'
import type { OperatorStats } from './operator.ts'
import { PROFILES, formatOptions, profileArgs, profileOverrides, type FuzzProfile, type ProfileName } from './options.ts'
import { Simulator, type SimulatorExtras } from './simulator.ts'
import type { NodeFactory, SimOptions, SimStats } from './types.ts'

/**
 * One randomized run, VOPR style: options drawn from the seed, a safety phase with faults and every checker
 * on, then a liveness phase with the faults healed that must converge, then the client history checked for
 * linearizability.
 */
export interface FuzzRunOptions {
  seed: number
  /** Length of the run in ticks of one node (virtual time = ticks * tickMs). Default 2000. */
  ticks?: number
  /** Turn on one deliberate bug of the core. */
  unsafe?: keyof UnsafeSwitches | null
  /** A named profile (see PROFILES): options fixed for every seed instead of drawn. */
  profile?: ProfileName
  /** Profile fields set one by one (command-line flags), over the named profile's. */
  set?: FuzzProfile
  /** Options forced instead of drawn (tests only: a command line cannot express them). */
  overrides?: Partial<SimOptions>
  /** Check the client history for linearizability (default true). */
  linearizability?: boolean
  /** The linearizability checker's state budget per key (tests only; default the checker's own). */
  linearizabilityMaxStates?: number
  /** Stop at the first safety violation (default true); false keeps running and collects them all. */
  stopOnFirst?: boolean
  nodeFactory?: NodeFactory
  /** Options of every node host (tests break a host rule with them). */
  host?: SimulatorExtras['host']
}

export interface FuzzResult {
  seed: number
  options: SimOptions
  /** The options as one line. */
  line: string
  /** The command that replays this run. */
  command: string
  ok: boolean
  violations: Violation[]
  /** An exception the run died of (a crash of the core or a broken simulator invariant). */
  error?: string
  /** The linearizability search gave up (too many states): not a pass, so the run is not ok. */
  inconclusive?: boolean
  hash: string
  stats: SimStats
  safety: SafetyStats
  /** Membership changes and leadership transfers made, and what came of them. */
  operator: OperatorStats
  /** Client reads answered through a ReadIndex round and through the log. */
  reads: { readIndex: number; log: number }
  /** When faults stopped, and when a leader and a new commit were first seen after that (virtual ms). */
  liveness: {
    start: number
    leaderAt: number | null
    commitAt: number | null
    /** Elections in the healed phase, and the longest a live member took to catch up there (ms). */
    elections: number
    slowestCatchUpMs: number
  }
  history: History
}

/** Default run length in ticks. */
export const DEFAULT_TICKS = 2000

/** The one-line command that replays a run. */
export function replayCommand(seed: number, ticks = DEFAULT_TICKS, unsafe?: string | null, profile = ''): string {
  let cmd = `npm run fuzz -- --seed ${seed}`
  if (ticks !== DEFAULT_TICKS) cmd += ` --ticks ${ticks}`
  if (profile !== '') cmd += ` ${profile}`
  if (unsafe) cmd += ` --unsafe ${unsafe}`
  return cmd
}

/** The profile of a run: the named one with the fields set one by one over it. */
export function runProfile(run: Pick<FuzzRunOptions, 'profile' | 'set'>): FuzzProfile {
  return { ...(run.profile !== undefined ? PROFILES[run.profile] : {}), ...run.set }
}

/** Runs one seed to the end (or to the first violation) and reports. */
export function runFuzzSeed(run: FuzzRunOptions): FuzzResult {
  const ticks = run.ticks ?? DEFAULT_TICKS
  const profile = runProfile(run)
  const overrides: Partial<SimOptions> = { ...profileOverrides(run.seed, profile), ...run.overrides }
  if (run.unsafe) overrides.unsafe = { ...overrides.unsafe, [run.unsafe]: true }
  if (run.unsafe === 'leaseReadsWithoutCheck' && overrides.readMode === undefined) overrides.readMode = 'readIndex'
  const sim = new Simulator({ ...overrides, seed: run.seed }, { nodeFactory: run.nodeFactory, host: run.host })
  const checkers = new SimCheckers(sim)
  const o = sim.options
  const stopOnFirst = run.stopOnFirst ?? true
  const total = ticks * o.tickMs
  // The liveness phase is the last quarter, and at least healedPhaseMs (a bound not passed by the end of the
  // run is not judged).
  const livenessMs = Math.max(Math.floor(total / 4), healedPhaseMs(sim))
  const faultEnd = Math.max(0, total - livenessMs)

  let error: string | undefined
  const stop = (): boolean => stopOnFirst && checkers.safety.violations.length > 0
  try {
    sim.runUntilTrue(stop, faultEnd)
    if (!stop()) {
      sim.stopFaults()
      checkers.startLiveness()
      // Run on past the end, if need be, until every bound of the healed phase can be judged.
      const b = defaultLivenessBounds(sim)
      const end = Math.max(total, faultEnd + Math.max(b.commitWithinMs, b.catchUpWithinMs ?? 0) + 2 * o.electionTick * o.tickMs)
      sim.runUntilTrue(stop, end)
    }
    sim.workload.stop()
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  }
  const violations = checkers.finish()
  const history = sim.workload.history
  let inconclusive: boolean | undefined
  if ((run.linearizability ?? true) && error === undefined && violations.length === 0) {
    const lin = checkLinearizability(history, { maxStates: run.linearizabilityMaxStates })
    if (lin.verdict === 'inconclusive') inconclusive = true
    else if (!lin.ok) {
      violations.push({
        property: 'Linearizability',
        message: lin.failure
          ? `key ${lin.failure.key}: ${lin.failure.explanation}`
          : 'the client history has no legal sequential order',
        nodes: [],
        seed: run.seed,
        time: sim.now,
      })
    }
  }
  const result: FuzzResult = {
    seed: run.seed,
    options: o,
    line: formatOptions(o),
    command: replayCommand(run.seed, ticks, run.unsafe, profileArgs(profile, run.profile)),
    ok: error === undefined && violations.length === 0 && !inconclusive,
    violations,
    hash: sim.traceHash(),
    stats: { ...sim.stats },
    safety: checkers.safety.stats(),
    operator: { ...sim.operator.stats },
    reads: { readIndex: sim.workload.readIndexReads, log: sim.workload.logReads },
    liveness: {
      start: checkers.liveness.started ? faultEnd : -1,
      leaderAt: checkers.liveness.leaderAt,
      commitAt: checkers.liveness.commitAt,
      elections: checkers.liveness.elections,
      slowestCatchUpMs: checkers.liveness.slowestCatchUp.ms,
    },
    history,
  }
  if (error !== undefined) result.error = error
  if (inconclusive) result.inconclusive = true
  return result
}
