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
      onRole: (node, role, term, log) => feed({ type: 'role', node, role, term, log }),
      onPersist: (node, rd, prevTerm, lastIndexBefore) => {
        const o: Observation = { type: 'persist', node, entries: rd.entries, prevTerm, lastIndexBefore }
        if (rd.hardState !== undefined) o.hardState = rd.hardState
        if (rd.snapshot !== undefined) o.snapshot = { index: rd.snapshot.index, term: rd.snapshot.term }
        if (rd.softState !== undefined) o.role = rd.softState.role
        feed(o)
      },
      onSend: (node, messages) => {
        for (const m of messages) {
          if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' || m.type === 'MsgTimeoutNow') {
            feed({ type: 'send', node, term: m.term })
            return
          }
        }
      },
      onApply: (node, entry) => feed({ type: 'apply', node, entry }),
      onRestore: (node, s) => feed({ type: 'restore', node, index: s.index, term: s.term }),
      onCrash: (node) => feed({ type: 'crash', node }),
      onRemoved: (node) => feed({ type: 'removed', node }),
      onRestart: (node, disk) =>
        feed({ type: 'restart', node, index: disk.snapshot?.index ?? 0, term: disk.snapshot?.term ?? 0 }),
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
 * Bounds derived from the options, in units of the base election timeout E = electionTick * tickMs and of a
 * round R (two worst-case network delays plus two disk writes): a leader within 10 E + 5 R, a new commit
 * within 2 E + 5 R more. Over 300 random seeds the slowest took 4.4 E to elect and 4.7 E to commit (restarted
 * nodes wait out their timeouts; without PreVote a node that campaigned alone disrupts the leader once).
 */
export function defaultLivenessBounds(sim: Simulator): Omit<LivenessOptions, 'seed'> {
  const o = sim.options
  const d = o.network.defaults
  const round = 2 * (d.latency + d.jitter + d.reorderDelay) + 2 * o.diskMaxMs
  const election = o.electionTick * o.tickMs
  const leaderWithinMs = 10 * election + 5 * round
  return {
    leaderWithinMs,
    commitWithinMs: leaderWithinMs + 2 * election + 5 * round,
    catchUpWithinMs: CATCH_UP_ELECTIONS * election + CATCH_UP_ROUNDS * round,
    maxElections: MAX_HEALED_ELECTIONS,
    members: () => {
      const c = sim.committedConf()
      return [...c.voters, ...c.learners]
    },
  }
}

/** The catch-up bound, in base election timeouts and rounds (see defaultLivenessBounds). */
export const CATCH_UP_ELECTIONS = 1000
export const CATCH_UP_ROUNDS = 0
/** Elections allowed in the healed phase. */
export const MAX_HEALED_ELECTIONS = 1000
