import { LivenessChecker, type LivenessOptions } from '../check/liveness.ts'
import { SafetyChecker, type Observation, type Violation } from '../check/safety.ts'
import type { Simulator } from './simulator.ts'
import type { SimObserver } from './types.ts'

/**
 * Connects the checkers to a simulator: turns its hooks into `Observation`s for the safety checker (and the
 * liveness checker, once `startLiveness` is called) after every event.
 */
export class SimCheckers {
  readonly safety: SafetyChecker
  readonly liveness: LivenessChecker
  readonly #sim: Simulator

  constructor(sim: Simulator, liveness: Omit<LivenessOptions, 'seed'> = defaultLivenessBounds(sim), throwOnViolation = false) {
    this.#sim = sim
    const seed = sim.options.seed
    this.safety = new SafetyChecker({ seed, throwOnViolation })
    this.liveness = new LivenessChecker({ ...liveness, seed })
    const feed = (o: Observation): void => {
      this.safety.now = sim.now
      this.safety.observe(o)
      this.liveness.observe(o)
    }
    const hooks: SimObserver = {
      observe: feed,
      afterEvent: () => {
        this.safety.now = sim.now
        this.safety.afterEvent()
        this.liveness.check(sim.now)
      },
    }
    sim.addObserver(hooks)
  }

  /** Liveness bounds run from now (call right after `sim.stopFaults()`). */
  startLiveness(): void {
    this.liveness.start(this.#sim.now)
  }

  /** Every violation found so far, safety first. */
  violations(): Violation[] {
    return [...this.safety.violations, ...this.liveness.violations]
  }

  /** Ends the run: reports liveness bounds that passed unmet with no event after them. */
  finish(): Violation[] {
    this.liveness.finish(this.#sim.now)
    return this.violations()
  }
}

/**
 * Bounds derived from the options, in units of U, the larger of the base election timeout E = electionTick *
 * tickMs and a calm round (two worst-case network delays without reordering plus two disk writes), and of a
 * round R (the same with reordering):
 *
 * - a leader within 20 U + 5 R of healing. Without PreVote, when only some voters hold a log a majority will
 *   vote for, a stale voter's campaign cannot win but moves everyone to its term. The voters that refuse it
 *   keep their election timers (Figure 2; raft.ts), so an up-to-date voter campaigns within 2 E of its own last
 *   reset; it fails only on a split vote, or when it deposes a leader elected without it whose first append had
 *   not reached it yet (seed 2159). Over 5,000 harsh seeds the slowest took 11.5 E (seeds 2159 and 4802, E =
 *   60 ms), p99.9 6.3 E; over 300 default seeds 3.7 E.
 *   While a refused vote still restarted the timer (as in etcd), the stale voters could fire first round after
 *   round: harsh seed 292 took 28.4 E, p99.9 was 12 E;
 * - a new commit within 2 U + 5 R more;
 * - every live member (voter or learner) that falls behind the history catches up within the commit bound (the
 *   slowest of 300 default seeds took 8.9 E, a restarted node fetching its snapshot in chunks);
 * - at most MAX_HEALED_ELECTIONS elections in the healed phase, judged only when E is at least one calm round
 *   (R without reordering): with a shorter timeout Raft's timing requirement (broadcast time well below the
 *   election timeout) fails and elections legitimately repeat (harsh seed 1363: E = 50 ms, a round 78 ms).
 */
export function defaultLivenessBounds(sim: Simulator): Omit<LivenessOptions, 'seed'> {
  const o = sim.options
  const d = o.network.defaults
  const round = 2 * (d.latency + d.jitter + d.reorderDelay) + 2 * o.diskMaxMs
  const calmRound = 2 * (d.latency + d.jitter) + 2 * o.diskMaxMs
  const election = o.electionTick * o.tickMs
  // Raft is live only when a round fits well within the election timeout; where it does not, elections repeat
  // until the randomized timeouts happen to spread, and the bounds count calm rounds instead (harsh seed 3629:
  // E = 50 ms, a round 90 ms, a commit 2.2 s after healing).
  const unit = Math.max(election, calmRound)
  const leaderWithinMs = 20 * unit + 5 * round
  const commitWithinMs = leaderWithinMs + 2 * unit + 5 * round
  const bounds: Omit<LivenessOptions, 'seed'> = {
    leaderWithinMs,
    commitWithinMs,
    catchUpWithinMs: commitWithinMs,
    members: () => {
      const c = sim.committedConf()
      return [...c.voters, ...c.learners]
    },
  }
  if (election >= calmRound) bounds.maxElections = MAX_HEALED_ELECTIONS
  return bounds
}

/**
 * Length of the healed phase a fuzz run gives at least (ms): long enough for the bounds of the first liveness
 * checker (a leader within 10 E + 5 R, a commit 2 E + 5 R later) and two more election timeouts.
 */
export function healedPhaseMs(sim: Simulator): number {
  const o = sim.options
  const d = o.network.defaults
  const round = 2 * (d.latency + d.jitter + d.reorderDelay) + 2 * o.diskMaxMs
  const election = o.electionTick * o.tickMs
  return 14 * election + 10 * round
}

/** Elections allowed in the healed phase (the most seen: 3, in 5,000 harsh seeds with E at least a round). */
export const MAX_HEALED_ELECTIONS = 5
