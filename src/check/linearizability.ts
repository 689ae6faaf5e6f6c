/**
 * Linearizability checker for the key/value store: is there one order of the operations, consistent with their
 * real-time order, in which every answer is what a single register per key would have given?
 *
 * Keys are independent registers, so each key is checked on its own (linearizability is compositional;
 * Herlihy & Wing 1990). Each key is a Wing & Gong search (1993) with the memoization of Lowe (2017), as done by
 * Porcupine: the operations are a doubly linked list of call and return events in time order; the search
 * linearizes a pending call whenever the register allows its answer, and backtracks when it meets the return of an
 * operation it has not linearized yet. A (set of linearized operations, register value) pair already explored is
 * not explored again.
 *
 * Operations with an unknown outcome are what makes the search explode (each may or may not have happened, at
 * any later time), so the search treats them as optional and prunes, each rule argued where it is applied:
 * irrelevant unknown writes are dropped (`relevantOps`); an unknown op is placed only where it changes the value,
 * and only right before an op that observes that value (`afterUnknown`); interchangeable unknown ops are placed
 * in invoke order (`Compiled.twin`); a state is skipped when one with fewer unknown ops placed was explored
 * (`StateCache`), and known ops are tried first so that those states come first.
 *
 * When a key fails, the failure is shrunk to a small fragment that fails on its own and still proves that the
 * whole history fails (`Needs`, `shrink`), and explained in one sentence (`explain`).
 */
import type { History, HistoryOp } from '../kv/history.ts'
import { explain } from './lin-explain.ts'
import { checkKey, shrink } from './lin-shrink.ts'

export { describeOp } from './lin-explain.ts'

/** The verdict of `checkLinearizability`. */
export interface LinearizabilityResult {
  /**
   * The outcome, one of three: linearizable ("ok"), not linearizable ("violation"), or undecided because the
   * search gave up ("inconclusive": neither a pass nor a failure; a caller must not count it as a pass).
   */
  verdict: 'ok' | 'violation' | 'inconclusive'
  /** verdict === 'ok'. */
  ok: boolean
  /** When the search gave up (state budget exhausted): ok is false and inconclusive is true. */
  inconclusive?: boolean
  /** When inconclusive: the key the search gave up on, and the states it had explored there. */
  gaveUp?: { key: string; states: number }
  /**
   * When ok: a linearization order (op ids) per key. It holds every op with outcome ok; an unknown op appears
   * only if the order needs it to have taken effect; fail ops never appear.
   */
  witness?: Record<string, number[]>
  /**
   * When not ok: the key, and the smallest failing fragment found: the ops involved (a minimal-ish subset of that
   * key's history that is itself not linearizable), plus a human-readable explanation sentence.
   */
  failure?: { key: string; ops: HistoryOp[]; explanation: string }
  /** Search statistics: keys and ops in the history, and states explored by the main search (not the shrinking). */
  stats: { keys: number; ops: number; statesExplored: number }
}

/** Options of `checkLinearizability`. */
export interface LinearizabilityOptions {
  /**
   * Most search states (configurations carried or explored, see lin-sweep.ts) for any one key before giving up
   * as inconclusive. Default 20,000,000.
   */
  maxStates?: number
}

const DEFAULT_MAX_STATES = 20_000_000

/**
 * Decides whether `history` is linearizable for a per-key register with set, get, delete and cas that starts
 * with every key absent. `fail` ops are ignored; `unknown` ops may take effect at any time after their invoke,
 * or never, and their answer is unconstrained.
 * @throws Error when the history is malformed (duplicate ids, an ok op without result or completion time,
 *   completion before invocation).
 */
export function checkLinearizability(history: History, opts: LinearizabilityOptions = {}): LinearizabilityResult {
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES
  validateHistory(history)
  const byKey = new Map<string, HistoryOp[]>()
  for (const op of history) {
    let list = byKey.get(op.key)
    if (list === undefined) byKey.set(op.key, (list = []))
    list.push(op)
  }
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const stats = { keys: keys.length, ops: history.length, statesExplored: 0 }
  const witness: Record<string, number[]> = {}
  let gaveUp: { key: string; states: number } | undefined
  for (const key of keys) {
    const ops = byKey.get(key) as HistoryOp[]
    const r = checkKey(ops, maxStates)
    stats.statesExplored += r.states
    if (r.verdict === 'ok') {
      witness[key] = r.order
    } else if (r.verdict === 'inconclusive') {
      gaveUp ??= { key, states: r.states }
    } else {
      const { ops: fragment, stuck } = shrink(r)
      const failure = { key, ops: fragment, explanation: explain(key, fragment, stuck) }
      return { verdict: 'violation', ok: false, failure, stats }
    }
  }
  if (gaveUp !== undefined) return { verdict: 'inconclusive', ok: false, inconclusive: true, gaveUp, stats }
  return { verdict: 'ok', ok: true, witness, stats }
}

function validateHistory(history: History): void {
  const ids = new Set<number>()
  for (const op of history) {
    if (ids.has(op.id)) throw new Error(`linearizability: op id ${op.id} appears twice`)
    ids.add(op.id)
    if (!Number.isFinite(op.invoke)) throw new Error(`linearizability: op #${op.id} has no finite invoke time`)
    if (op.outcome !== 'ok') continue
    if (op.complete === null || !Number.isFinite(op.complete)) {
      throw new Error(`linearizability: op #${op.id} is ok but has no finite complete time`)
    }
    if (op.complete < op.invoke) throw new Error(`linearizability: op #${op.id} completes before it is invoked`)
    if (op.result === undefined) throw new Error(`linearizability: op #${op.id} is ok but has no result`)
  }
}

