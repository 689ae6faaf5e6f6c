/**
 * The checkers of the simulator, run on the browser's cluster while it runs: the safety checker (Figure 3 of the
 * Raft paper and durability, src/check/safety.ts) fed by the scheduler's observations, and the linearizability
 * checker (src/check/linearizability.ts) fed by the client history. Plain data and no DOM, so that it can run in a
 * test, on the main thread or in a worker, and be plugged into any loop that emits the same events.
 *
 * Linearizability is checked per key (keys are independent registers), at the end of each step in which an operation
 * on that key that observes the register (get, delete, cas) was answered ok, over a bounded window of that key's history
 * (`ClientHistory`: older writes are carried as "may have happened", older reads dropped, so the window never
 * accuses a correct history; a lossy or inconclusive window is not a violation). Only an answer can make a history
 * fail, and not the answer of a set: a blind write can always take effect just before it returns, whatever came
 * before, so a history that was linearizable before a set's answer still is after it.
 *
 * The runner stops at the first violation: the cluster is stopped there, and what follows is not checked.
 */
import type { ClusterEvent } from '../../browser/scheduler.ts'
import { SafetyChecker, type Violation } from '../../check/safety.ts'
import { ClientHistory } from '../history/history.ts'

export interface LiveOptions {
  /** The cluster's seed, printed with a violation. */
  seed?: number
  /** Completed operations per key that the linearizability window keeps (default 50). */
  window?: number
  /** Search budget per check (states); a check that runs out is inconclusive, never a violation. */
  maxStates?: number
}

/** Counts that show the checkers are working (and on what). */
export interface LiveCounts {
  observations: number
  /** Steps of the cluster checked (afterEvent calls). */
  steps: number
  /** Answered operations checked for linearizability, and how many checks were inconclusive. */
  linChecks: number
  inconclusive: number
  /** Client operations seen finished (any outcome), and the keys they touched. */
  ops: number
  keys: number
}

export class LiveChecker {
  readonly safety: SafetyChecker
  /** The first violation, once found. */
  violation: Violation | null = null
  readonly counts: LiveCounts = { observations: 0, steps: 0, linChecks: 0, inconclusive: 0, ops: 0, keys: 0 }
  readonly #opts: Required<Omit<LiveOptions, 'seed'>>
  readonly #seed: number | undefined
  readonly #keys = new Map<string, ClientHistory>()
  /** Keys with an answer to check at the end of the step, and the last such answer (named by a violation). */
  readonly #dirty = new Map<string, { op: Extract<ClusterEvent, { type: 'client' }>['op']; at: number }>()

  constructor(opts: LiveOptions = {}) {
    this.#seed = opts.seed
    this.safety = new SafetyChecker(opts.seed === undefined ? {} : { seed: opts.seed })
    this.#opts = { window: opts.window ?? 50, maxStates: opts.maxStates ?? 100_000 }
  }

  /**
   * What the checkers hold that grows with the run: the safety checker's commit history (entries, runs, entries whose
   * data is kept) and its log records (entries persisted above the committed prefix, and entries that lost).
   */
  memory(): { history: { entries: number; runs: number; metaRuns: number; textKept: number }; records: { indexes: number; records: number }; keys: number } {
    return { history: this.safety.historySize, records: this.safety.recordCount, keys: this.#keys.size }
  }

  /** The linearizability window's limits: completed operations per key, and the search budget per check. */
  get limits(): { window: number; maxStates: number } {
    return { ...this.#opts }
  }

  /** Feed one scheduler event (others than observations and client operations are ignored). Returns a new violation. */
  handle(e: ClusterEvent): Violation | null {
    if (this.violation) return null
    if (e.type === 'observation') {
      const s = this.safety
      s.now = e.at
      if (e.obs === null) {
        this.counts.steps++
        s.afterEvent()
        if (s.violations.length === 0 && this.#dirty.size > 0) return this.#checkDirty()
      } else {
        this.counts.observations++
        s.observe(e.obs)
      }
      if (s.violations.length > 0) this.violation = s.violations[0]
      return this.violation
    }
    if (e.type === 'client') return this.#client(e)
    return null
  }

  #client(e: Extract<ClusterEvent, { type: 'client' }>): Violation | null {
    const op = e.op
    let h = this.#keys.get(op.key)
    if (!h) {
      this.#keys.set(op.key, (h = new ClientHistory({ laneOps: 1, window: this.#opts.window })))
      this.counts.keys++
    }
    h.handle(e)
    if (op.status !== 'pending') this.counts.ops++
    if (op.status !== 'ok' || op.op === 'set') return null
    this.counts.linChecks++
    // Checked once per key at the end of the step, however many answers the step brought (hundreds of clients
    // answered in one instant would otherwise search the same window hundreds of times).
    this.#dirty.set(op.key, { op, at: e.at })
    return null
  }

  #checkDirty(): Violation | null {
    for (const [key, { op, at }] of this.#dirty) {
      const v = this.#keys.get(key)!.check(this.#opts.maxStates)
      if (v.kind === 'inconclusive' || v.kind === 'error') this.counts.inconclusive++
      if (v.kind !== 'fail') continue
      this.#dirty.clear()
      const violation: Violation = { property: 'Linearizability', message: v.explanation, nodes: op.node ? [op.node] : [], time: at }
      if (op.index !== undefined) violation.index = op.index
      if (this.#seed !== undefined) violation.seed = this.#seed
      this.violation = violation
      return violation
    }
    this.#dirty.clear()
    return null
  }
}
